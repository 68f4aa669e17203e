"""One vnic_interface task with 1,024 qlgc VNICs on the large scenario: it converges, then re-runs
with changed=0, running ib_qlgc_vnic_query once per task. (How fast is measured in bench/.)"""

import pytest

CLASS = '/sys/class/infiniband_qlgc_vnic/interfaces'


def declaration(count: int) -> list:
    """Eight instances on each of the 128 IOCs; the paths spread over the 16 local ports."""
    config = []
    for number in range(count):
        ioc, instance = divmod(number, 8)
        unit, which = divmod(ioc, 4)
        chassis, slot = divmod(unit, 16)
        config.append({'type': 'qlgc', 'name': 'qv%d' % number, 'primary': {
            'ioc_string': 'EVIC in Chassis 0x00066a00db0000%02x, Slot %d, Ioc %d' % (chassis, slot + 1, which + 1),
            'hca': 'mlx4_%d' % (number % 8), 'port': 1 + (number // 8) % 2, 'instance': instance}})
    return config


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
