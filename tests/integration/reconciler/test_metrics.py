"""iofabric-reconcile --metrics-dir with the real tools: promtool checks every file written, and a
real node_exporter serves it over HTTP on 127.0.0.1."""

import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.vnic_interface import run_vnic

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RECONCILE = os.path.join(REPO, '.venv', 'bin', 'iofabric-reconcile')
IOC1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
LATE = 'EVIC in Chassis 0x00066a00db00001f, Slot 2, Ioc 1'
PROMTOOL = shutil.which('promtool')
NODE_EXPORTER = shutil.which('prometheus-node-exporter') or shutil.which('node_exporter')

pytestmark = pytest.mark.skipif(not (PROMTOOL and NODE_EXPORTER), reason='needs promtool and node_exporter '
                                                                         '(Debian: prometheus, prometheus-node-exporter)')


def declare(sim):
    config = [{'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': IOC1, 'port': 1}},
              {'type': 'qlgc', 'name': 'veth2', 'primary': {'ioc_string': LATE, 'port': 1}}]
    run_vnic({'state': 'merged', 'config': config, 'sysroot': sim.root, 'netns': sim.netns}, False)


def reconcile(sim, *args):
    return subprocess.run([RECONCILE, '--sysroot', sim.root, '--netns', sim.netns] + list(args), capture_output=True,
                          text=True, check=False, timeout=120)


def promtool_ok(path: str) -> str:
    with open(path, 'rb') as handle:
        proc = subprocess.run([PROMTOOL, 'check', 'metrics'], stdin=handle, capture_output=True, text=True, check=False,
                              timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == '' and proc.stderr.strip() == '', 'promtool lint: ' + proc.stdout + proc.stderr
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def samples(text: str) -> dict:
    return {line.rsplit(' ', 1)[0]: float(line.rsplit(' ', 1)[1]) for line in text.splitlines()
            if line and not line.startswith('#')}


def test_each_pass_writes_a_file_promtool_accepts_with_counts_statuses_waits_and_exit_bits(sim, tmp_path):
    directory = str(tmp_path / 'textfile')
    os.mkdir(directory)
    declare(sim)
    first = reconcile(sim, '--metrics-dir', directory)
    assert first.returncode == 2, first.stdout + first.stderr   # pending: veth2's IOC is not there yet
    found = samples(promtool_ok(os.path.join(directory, 'iofabric_reconcile.prom')))
    assert found['iofabric_reconcile_objects{kind="qlgc",status="pending"}'] == 1
    assert found['iofabric_reconcile_objects{kind="qlgc",status="in_sync"}'] == 1
    assert found['iofabric_reconcile_object_status{kind="qlgc",object="veth2",status="pending"}'] == 1
    assert found['iofabric_reconcile_pending_seconds{kind="qlgc",object="veth2"}'] >= 0
    assert found['iofabric_reconcile_exit_code'] == 2
    assert found['iofabric_reconcile_exit_bit{bit="pending"}'] == 1 and found['iofabric_reconcile_exit_bit{bit="error"}'] == 0
    assert found['iofabric_reconcile_pass_end_timestamp_seconds'] > 1.7e9
    assert found['iofabric_reconcile_pass_duration_seconds'] > 0
    assert os.listdir(directory) == ['iofabric_reconcile.prom']   # no temporary file left behind

    sim.event('ioc-add', ioc='late')
    second = reconcile(sim, '--metrics-dir', directory)
    assert second.returncode == 1, second.stdout + second.stderr
    found = samples(promtool_ok(os.path.join(directory, 'iofabric_reconcile.prom')))
    assert found['iofabric_reconcile_objects{kind="qlgc",status="changed"}'] == 1
    assert found['iofabric_reconcile_objects{kind="qlgc",status="pending"}'] == 0
    assert not any(key.startswith('iofabric_reconcile_pending_seconds') for key in found)
    assert found['iofabric_reconcile_exit_code'] == 1

    check = reconcile(sim, '--check', '--metrics-dir', directory)
    assert check.returncode == 0
    found = samples(promtool_ok(os.path.join(directory, 'iofabric_reconcile.prom')))
    assert found['iofabric_reconcile_check_mode'] == 1 and found['iofabric_reconcile_exit_code'] == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def scrape(url: str, deadline: float) -> str:
    """node_exporter's /metrics once it answers (a start-up wait, not an assertion on time)."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode('utf-8')
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_real_node_exporter_serves_the_file_over_http(sim, tmp_path):
    directory = str(tmp_path / 'textfile')
    os.mkdir(directory)
    declare(sim)
    assert reconcile(sim, '--metrics-dir', directory).returncode == 2
    port = free_port()
    exporter = subprocess.Popen([NODE_EXPORTER, '--web.listen-address=127.0.0.1:%d' % port,
                                 '--collector.disable-defaults', '--collector.textfile',
                                 '--collector.textfile.directory=' + directory],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        served = scrape('http://127.0.0.1:%d/metrics' % port, time.monotonic() + 60)
    finally:
        exporter.terminate()
        exporter.wait(timeout=30)
    assert 'iofabric_reconcile_objects{kind="qlgc",status="pending"} 1' in served
    assert 'iofabric_reconcile_exit_code 2' in served
    assert 'node_textfile_scrape_error 0' in served


@pytest.mark.parametrize('bad, why', [
    ('relative/dir', 'must be an absolute path'),
    ('/nonexistent/iofabric-metrics', 'is not an existing directory'),
    ('/etc/hostname', 'is not an existing directory'),
    ('/tmp/with\rreturn', 'must not contain control characters'),
])
def test_a_bad_metrics_directory_is_a_clear_error_before_any_pass(sim, bad, why):
    proc = reconcile(sim, '--metrics-dir', bad)
    assert proc.returncode == 2 and '--metrics-dir: ' in proc.stderr and why in proc.stderr, proc.stderr
    assert 'pass done' not in proc.stdout
