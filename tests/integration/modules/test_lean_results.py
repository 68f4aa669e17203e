"""Lean results, with ansible-playbook against fabricsim: a re-run that changes nothing returns every
object's status and `before`, without `after`; --diff, and any run that changes something, return
`after` too (entry/lean.py)."""

from tests.integration.modules.test_vnic_interface_qlgc import S1

TASK = 'declare'
DECLARATION = [{'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1}}]


def tasks(heartbeat: int) -> list:
    config = [dict(DECLARATION[0], heartbeat=heartbeat)]
    return [{'name': TASK, 'iofabric.core.vnic_interface': {'config': config}}]


def test_an_unchanged_rerun_leaves_after_out_and_diff_or_a_change_bring_it_back(sim, playbook):
    first = playbook.run(tasks(100), sim).task(TASK)
    assert first['changed'] and first['after'][0]['name'] == 'veth1'

    rerun = playbook.run(tasks(100), sim).task(TASK)
    assert not rerun['changed'] and 'after' not in rerun
    assert rerun['before'][0]['name'] == 'veth1' and rerun['before'][0]['heartbeat'] == 100
    assert [(row['object'], row['status']) for row in rerun['objects']] == [('veth1', 'in_sync')]

    with_diff = playbook.run(tasks(100), sim, diff=True).task(TASK)
    assert not with_diff['changed'] and with_diff['after'] == with_diff['before']

    check = playbook.run(tasks(100), sim, check=True).task(TASK)
    assert not check['changed'] and 'after' not in check and check['objects'][0]['status'] == 'in_sync'

    changed = playbook.run(tasks(200), sim).task(TASK)
    assert changed['changed'] and changed['after'][0]['heartbeat'] == 200 and changed['before'][0]['heartbeat'] == 100
