"""playbooks/site.yml and playbooks/drift_report.yml (the iofabric.core.fabric role) with the example declaration
of docs/examples/inventory, on fabricsim's demo fabric."""

import json
import os
import shutil
from xml.etree import ElementTree

import jsonschema
import pytest
import yaml

from tests.lib.ansible_run import REPO

PLAYBOOKS = os.path.join(REPO, 'playbooks')
EXAMPLE = os.path.join(REPO, 'docs', 'examples', 'inventory', 'group_vars', 'iofabric_hosts.yml')


@pytest.fixture
def demo(sim_pool):
    return sim_pool.get('demo')


def inventory(tmp_path, sim, unreachable: bool = False, declared: bool = True) -> str:
    """An inventory of the user's own: the example declaration as its group_vars (the playbooks have none)."""
    if declared:
        os.makedirs(os.path.join(str(tmp_path), 'group_vars'), exist_ok=True)
        shutil.copyfile(EXAMPLE, os.path.join(str(tmp_path), 'group_vars', 'iofabric_hosts.yml'))
    hosts = {'host1': {'fabric_sysroot': sim.root, 'fabric_netns': sim.netns, 'reconciler_root': sim.root,
                       'reconciler_python': '{{ ansible_playbook_python }}', 'reconciler_dependencies': 'none',
                       'ansible_connection': 'local'}}
    if unreachable:
        # Nothing listens on port 9: ssh fails at once, so the host has no results.
        hosts['ghost'] = {'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1', 'ansible_port': 9,
                          'ansible_ssh_common_args': '-o ConnectTimeout=2 -o StrictHostKeyChecking=no'}
    path = os.path.join(str(tmp_path), 'inventory.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump({'iofabric_hosts': {'hosts': hosts,
                                           'vars': {'ansible_python_interpreter': '{{ ansible_playbook_python }}'}}},
                       handle)
    return path


def drift_report(playbook, tmp_path, sim, *extra, unreachable=False, declared=True):
    dest = os.path.join(str(tmp_path), 'reports')
    run = playbook.run_file(os.path.join(PLAYBOOKS, 'drift_report.yml'), inventory(tmp_path, sim, unreachable, declared),
                            extra_args=['-e', 'iofabric_report_dir=' + dest] + list(extra))
    with open(os.path.join(dest, 'drift-report.json'), encoding='utf-8') as handle:
        data = json.load(handle)
    with open(os.path.join(REPO, 'docs', 'drift-report.schema.json'), encoding='utf-8') as handle:
        jsonschema.validate(data, json.load(handle))
    return run, data, dest


def statuses(data, host='host1') -> dict:
    return {(row['kind'], row['object']): row['status'] for row in data['hosts'][host]['objects']}


def test_before_anything_is_applied_everything_declared_is_drift_and_nothing_changes(demo, playbook, tmp_path):
    writes = demo.write_count()
    run, data, dest = drift_report(playbook, tmp_path, demo, unreachable=True)
    assert demo.write_count() == writes
    assert not os.path.exists(demo.path('/etc/infiniband/qlgc_vnic.cfg'))
    assert data['hosts']['ghost']['status'] == 'failed' and data['hosts']['ghost']['errors'][0]['task'] == '(host)'
    objects = statuses(data)
    assert objects[('qlgc', 'veth1')] == objects[('sdi', '1:0:4:0')] == objects[('fcoe', 'eth2')] == 'drift'
    assert objects[('sdi', '1:0:3:0')] == 'in_sync'   # presented and attached already
    junit = ElementTree.parse(os.path.join(dest, 'drift-report.xml')).getroot()
    assert int(junit.get('failures')) == data['totals']['drift'] > 0
    assert int(junit.get('tests')) == sum(len(h['objects']) + len(h['errors']) for h in data['hosts'].values())
    with open(os.path.join(dest, 'drift-report.md'), encoding='utf-8') as handle:
        markdown = handle.read()
    assert '| host1 | drift |' in markdown and '| ghost | failed |' in markdown
    assert 'IO fabric drift report: failed' in run.stdout and 'ghost: failed' in run.stdout


def test_site_converges_idempotently_and_the_report_then_only_waits_for_the_late_ioc(demo, playbook, tmp_path):
    inv = inventory(tmp_path, demo)
    first = playbook.run_file(os.path.join(PLAYBOOKS, 'site.yml'), inv)
    assert first.rc == 0, first.stdout[-3000:]
    again = playbook.run_file(os.path.join(PLAYBOOKS, 'site.yml'), inv)
    assert again.rc == 0 and again.recap['changed'] == 0, again.stdout[-3000:]
    assert os.access(demo.path('/usr/local/sbin/iofabric-reconcile'), os.X_OK)
    run, data, _dest = drift_report(playbook, tmp_path, demo, '-e', '{"iofabric_report_fail_on": ["drift", "failed"]}')
    assert run.rc == 0, run.stdout[-3000:]
    assert data['status'] == 'pending' and data['totals']['drift'] == data['totals']['failed'] == 0
    assert {key for key, status in statuses(data).items() if status == 'pending'} == {('qlgc', 'veth2')}


def test_a_hot_swap_is_drift_with_its_fields_and_fail_on_drift_fails_the_run(demo, playbook, tmp_path):
    assert playbook.run_file(os.path.join(PLAYBOOKS, 'site.yml'), inventory(tmp_path, demo)).rc == 0
    demo.event('hot-swap', ioc='ioc1')
    demo.event('clock-advance', seconds=64)  # the driver notices a swap after 64 heartbeats (100 = 1 s)
    run, data, _dest = drift_report(playbook, tmp_path, demo, '-e', '{"iofabric_report_fail_on": ["drift"]}')
    assert run.rc != 0 and 'the fabric is not in sync (drift)' in run.stdout
    [veth1] = [row for row in data['hosts']['host1']['objects'] if row['object'] == 'veth1']
    assert veth1['status'] == 'drift' and 'hot swap' in veth1['reason']
    assert {change['field'] for change in veth1['fields']} == {'primary.ioc_guid', 'primary.dgid'}


def snapshot(top: str) -> dict:
    """The state store's files (the lock file, which even a read takes, aside)."""
    found = {}
    for directory, _dirs, files in os.walk(top):
        for name in files:
            if name == 'lock':
                continue
            path = os.path.join(directory, name)
            with open(path, 'rb') as handle:
                found[path] = handle.read()
    return found


def summary_of(run, host='host1') -> dict:
    """The role's per-host summary (the fabric_summary fact its Summary task shows)."""
    return [item for item in run.results if item['task'] == 'Summary' and item.get('host', host) == host][-1]['result']['msg']


def test_the_role_in_check_mode_with_diff_changes_nothing_and_summarizes_the_drift(demo, playbook, tmp_path):
    writes, store = demo.write_count(), snapshot(demo.path('/var/lib/iofabric'))
    run = playbook.run_file(os.path.join(PLAYBOOKS, 'site.yml'), inventory(tmp_path, demo), check=True, diff=True)
    assert run.rc == 0, run.stdout[-3000:]
    assert demo.write_count() == writes and snapshot(demo.path('/var/lib/iofabric')) == store
    summary = summary_of(run)
    assert summary['status'] == 'drift' and summary['check_mode'] is True and summary['failed'] == 0
    assert summary['changed'] > 0 and summary['in_sync'] >= 1
    assert '+++ after' in run.stdout   # --diff reached the modules


def test_the_role_reports_what_pending_objects_wait_for_and_a_bad_object_does_not_stop_the_other_kinds(
        demo, playbook, tmp_path):
    inv = inventory(tmp_path, demo)
    first = playbook.run_file(os.path.join(PLAYBOOKS, 'site.yml'), inv)
    assert first.rc == 0, first.stdout[-3000:]
    summary = summary_of(first)
    assert summary['status'] == 'changed' and summary['failed'] == 0
    assert list(summary['waiting']) == ['qlgc veth2'] and summary['waiting']['qlgc veth2']
    # A LUN address that is not a SCSI address fails its task; the EoIB collection after it still runs.
    bad = playbook.run_file(os.path.join(PLAYBOOKS, 'site.yml'), inv,
                            extra_args=['-e', '{"fabric_luns": [{"address": "not-an-address"}]}'])
    assert bad.rc != 0
    summary = summary_of(bad)
    assert summary['status'] == 'failed' and 'LUNs' in summary['errors']
    assert bad.status('EoIB child MACs of gone guests collected') == 'ok'
    assert 'object(s) or task(s) failed' in bad.stdout


def test_a_host_with_nothing_declared_is_reported_as_such_not_in_sync(demo, playbook, tmp_path):
    run = playbook.run_file(os.path.join(PLAYBOOKS, 'site.yml'), inventory(tmp_path, demo, declared=False))
    assert run.rc == 0 and run.recap['changed'] == 0, run.stdout[-3000:]
    assert summary_of(run)['status'] == 'nothing declared'
    _run, data, _dest = drift_report(playbook, tmp_path, demo, declared=False)
    assert data['hosts']['host1']['status'] == data['status'] == 'nothing_declared'


def test_reports_go_to_the_users_cache_directory_by_default_and_the_summary_says_where(
        demo, playbook, tmp_path, monkeypatch):
    cache = os.path.join(str(tmp_path), 'cache')
    monkeypatch.setenv('XDG_CACHE_HOME', cache)
    run = playbook.run_file(os.path.join(PLAYBOOKS, 'drift_report.yml'), inventory(tmp_path, demo))
    dest = os.path.join(cache, 'iofabric', 'reports')
    assert run.rc == 0, run.stdout[-3000:]
    assert sorted(os.listdir(dest)) == ['drift-report.json', 'drift-report.md', 'drift-report.xml']
    assert 'written to %s' % dest in run.stdout
    assert not os.path.exists(os.path.join(PLAYBOOKS, 'reports'))
