"""make demo, end to end (two simulated hosts, so the fleet fan-out is covered): it exits 0, tells
its story in order, and leaves nothing mounted, running or in a network namespace."""

import json
import os
import subprocess

from fabricsim.netns import name_for
from tests.lib.ansible_run import REPO

BUILD = os.path.join(REPO, 'build', 'demo')


def test_make_demo_tells_the_story_and_cleans_up():
    proc = subprocess.run(['make', '-s', 'demo', 'FLEET=2'], cwd=REPO, capture_output=True, text=True, check=False,
                          timeout=900)
    out = proc.stdout
    assert proc.returncode == 0, out[-4000:] + proc.stderr[-3000:]
    sections = ['1. Drift report before', '2. Apply playbooks/site.yml', "3. The reconciler's watch service",
                '4. The late EVIC appears', '5. Guest vm2 stops', '6. Retiring LUN 1:0:3:0', '7. Drift report again']
    positions = [out.index(section) for section in sections]
    assert positions == sorted(positions)
    before = out[positions[0]:positions[1]]
    assert 'host1: drift' in before and 'host2: drift' in before
    repaired = out[positions[3]:positions[4]]
    assert 'qlgc veth1 update-primary done: primary path: hot swap of IOC' in repaired
    assert 'qlgc veth2 update-primary done: primary path: late IOC appeared' in repaired
    collected = out[positions[4]:positions[5]]
    assert 'eoib eth4 remove_child done' in collected and '52:54:00:a1:00:02' not in collected.split('now:')[1]
    refused = out[positions[5]:positions[6]]
    assert 'refused to remove 1:0:3:0 (sdb): mount: sdb1 is mounted on /data' in refused
    assert 'the device is still there: True' in refused
    assert 'IO fabric drift report: in_sync' in out[positions[6]:]
    # The report files of the final run, for both hosts, in sync.
    with open(os.path.join(BUILD, 'report-after', 'drift-report.json'), encoding='utf-8') as handle:
        final = json.load(handle)
    assert {host: entry['status'] for host, entry in final['hosts'].items()} == {'host1': 'in_sync', 'host2': 'in_sync'}
    for host in ('host1', 'host2'):
        root = os.path.join(BUILD, host)
        assert not os.path.ismount(os.path.join(root, 'sys')) and not os.path.ismount(os.path.join(root, 'proc'))
    leftovers = subprocess.run(['pgrep', '-f', BUILD], capture_output=True, text=True, check=False).stdout
    assert leftovers == '', 'processes left running: ' + leftovers
    namespaces = subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True, check=True).stdout
    for host in ('host1', 'host2'):
        assert name_for(os.path.realpath(os.path.join(BUILD, host))) not in namespaces
