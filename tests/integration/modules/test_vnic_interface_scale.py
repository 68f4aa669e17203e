"""One vnic_interface task with 1,024 qlgc VNICs on the large scenario: it converges, then re-runs
with changed=0, running ib_qlgc_vnic_query once per task. (How fast is measured in bench/.)"""

import pytest

from bench.lib.declare import qlgc as declaration

CLASS = '/sys/class/infiniband_qlgc_vnic/interfaces'


@pytest.mark.slow
def test_1024_vnics_in_one_task_converge_and_rerun_unchanged(sim_pool, playbook):
    sim = sim_pool.get('large')
    task = [{'name': 'vnics', 'iofabric.core.vnic_interface': {'config': declaration(1024)}, 'register': 'out'}]
    first = playbook.run(task, sim=sim)
    assert first.rc == 0, first.stdout[-3000:]
    result = first.task('vnics')
    assert sum(1 for action in result['actions'] if action['action'] == 'create-primary') == 1024
    assert result['pending'] == [] and result['failures'] == []
    assert result['tool_runs'] == {'ib_qlgc_vnic_query': 1}
    assert len(sim.state()['drivers']['qlgc']['vnics']) == 1024
    assert sim.read(CLASS + '/qv1023/primary_path/viport_state').strip() == 'VIPORT_CONNECTED'
    writes = sim.write_count()
    again = playbook.run(task, sim=sim)
    assert again.rc == 0 and again.recap['changed'] == 0, again.stdout[-3000:]
    assert again.task('vnics')['actions'] == [] and again.task('vnics')['tool_runs'] == {'ib_qlgc_vnic_query': 1}
    assert {row['status'] for row in again.task('vnics')['objects']} == {'in_sync'}
    assert sim.write_count() == writes
