"""fcoe_interface with dcb_required: false on the real 6.1 kernel: /sys/bus/fcoe on virtio NICs and on an 8021q
VLAN, link down/up, and the SCSI host numbers as the kernel hands them out (the lowest free one is reused)."""

from __future__ import annotations

import pytest

from tests.lib.vm import run_play


def fcoe(vm, tmp_path, config: list, state: str = 'merged'):
    items = [dict({'dcb_required': False}, **item) for item in config]
    run = run_play(vm, tmp_path, [{'name': 'fcoe', 'iofabric.core.fcoe_interface': {
        'config': items, 'state': state}, 'ignore_errors': True}])
    result = run.task('fcoe')
    assert 'actions' in result, 'the module did not run to its end: %s\n%s' % (result, run.stdout[-2000:])
    return result


def instances(vm) -> dict:
    """netdev -> fc_host name, from the kernel's symbolic names ("fcoe v0.1 over ens4")."""
    text = vm.sh('for h in /sys/class/fc_host/host*; do [ -e "$h" ] && echo "$(basename $h) '
                 '$(cat $h/symbolic_name)"; done; true').stdout
    return {line.split()[-1]: line.split()[0] for line in text.splitlines() if line.strip()}


@pytest.fixture
def fcoe_vm(clean_vm):
    clean_vm.ssh(['modprobe', 'fcoe'])
    return clean_vm


def test_create_then_destroy_on_a_virtio_nic(fcoe_vm, tmp_path):
    result = fcoe(fcoe_vm, tmp_path, [{'interface': 'ens4'}])
    assert result['failures'] == [] and result['changed'] is True, result
    assert 'ens4' in instances(fcoe_vm)
    assert fcoe(fcoe_vm, tmp_path, [{'interface': 'ens4'}])['changed'] is False
    gone = fcoe(fcoe_vm, tmp_path, [{'interface': 'ens4'}], state='deleted')
    assert gone['failures'] == [] and gone['changed'] is True, gone
    assert 'ens4' not in instances(fcoe_vm)


def test_create_on_an_8021q_vlan(fcoe_vm, tmp_path):
    fcoe_vm.sh('ip link add link ens5 name iof101 type vlan id 101\nip link set iof101 up\n')
    result = fcoe(fcoe_vm, tmp_path, [{'interface': 'iof101'}])
    assert result['failures'] == [] and result['changed'] is True, result
    assert 'iof101' in instances(fcoe_vm)


def test_link_down_keeps_the_instance_and_up_is_in_sync(fcoe_vm, tmp_path):
    assert fcoe(fcoe_vm, tmp_path, [{'interface': 'ens4'}])['failures'] == []
    fcoe_vm.ssh(['ip', 'link', 'set', 'ens4', 'down'])
    down = fcoe(fcoe_vm, tmp_path, [{'interface': 'ens4'}])
    assert down['actions'] == [] and 'ens4' in instances(fcoe_vm), down
    assert [p['waiting_for'] for p in down['pending']] == ['link'], down
    fcoe_vm.ssh(['ip', 'link', 'set', 'ens4', 'up'])
    up = fcoe(fcoe_vm, tmp_path, [{'interface': 'ens4'}])
    assert up['failures'] == [] and up['pending'] == [] and 'ens4' in instances(fcoe_vm), up


def test_removing_the_vlan_removes_its_instance(fcoe_vm, tmp_path):
    fcoe_vm.sh('ip link add link ens5 name iof102 type vlan id 102\nip link set iof102 up\n')
    assert fcoe(fcoe_vm, tmp_path, [{'interface': 'iof102'}])['failures'] == []
    fcoe_vm.ssh(['ip', 'link', 'del', 'iof102'])
    result = fcoe(fcoe_vm, tmp_path, [{'interface': 'iof102'}])
    assert 'iof102' not in instances(fcoe_vm)
    assert result['pending'][0]['reason'] == 'the network interface iof102 does not exist', result


def test_the_kernel_reuses_the_lowest_free_host_number(fcoe_vm, tmp_path):
    assert fcoe(fcoe_vm, tmp_path, [{'interface': 'ens4'}, {'interface': 'ens5'}])['failures'] == []
    before = instances(fcoe_vm)
    fcoe(fcoe_vm, tmp_path, [{'interface': 'ens4'}], state='deleted')
    assert fcoe(fcoe_vm, tmp_path, [{'interface': 'ens6'}])['failures'] == []
    assert instances(fcoe_vm)['ens6'] == before['ens4']  # what fabricsim must model (differential suite)


def test_destroy_and_create_in_one_run_with_a_reused_host_number(fcoe_vm, tmp_path):
    assert fcoe(fcoe_vm, tmp_path, [{'interface': 'ens4'}, {'interface': 'ens5'}])['failures'] == []
    before = instances(fcoe_vm)
    result = fcoe(fcoe_vm, tmp_path, [{'interface': 'ens5'}, {'interface': 'ens6'}], state='overridden')
    assert result['failures'] == [], result
    now = instances(fcoe_vm)
    assert set(now) == {'ens5', 'ens6'} and now['ens6'] == before['ens4'], now
