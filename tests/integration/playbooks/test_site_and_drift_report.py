"""playbooks/site.yml and playbooks/drift_report.yml with their group_vars, on fabricsim's demo fabric."""

import json
import os
from xml.etree import ElementTree

import jsonschema
import pytest
import yaml

from tests.lib.ansible_run import REPO

PLAYBOOKS = os.path.join(REPO, 'playbooks')


@pytest.fixture
def demo(sim_pool):
    return sim_pool.get('demo')


def inventory(tmp_path, sim, unreachable: bool = False) -> str:
    hosts = {'host1': {'iofabric_sysroot': sim.root, 'iofabric_netns': sim.netns, 'reconciler_root': sim.root,
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


def drift_report(playbook, tmp_path, sim, *extra, unreachable=False):
    dest = os.path.join(str(tmp_path), 'reports')
    run = playbook.run_file(os.path.join(PLAYBOOKS, 'drift_report.yml'), inventory(tmp_path, sim, unreachable),
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
    run, data, _dest = drift_report(playbook, tmp_path, demo, '-e', '{"iofabric_report_fail_on": ["drift"]}')
    assert run.rc != 0 and 'the fabric is not in sync (drift)' in run.stdout
    [veth1] = [row for row in data['hosts']['host1']['objects'] if row['object'] == 'veth1']
    assert veth1['status'] == 'drift' and 'hot swap' in veth1['reason']
    assert {change['field'] for change in veth1['fields']} == {'primary.ioc_guid', 'primary.dgid'}
