"""vnic_interface type macvlan on the real 6.1 kernel, over a real 8021q VLAN and a real bond."""

from __future__ import annotations

import json

from tests.lib.vm import run_play


def vnics(vm, tmp_path, config: list, state: str = 'merged'):
    run = run_play(vm, tmp_path, [{'name': 'vnics', 'iofabric.core.vnic_interface': {'config': config, 'state': state},
                                   'ignore_errors': True}])
    result = run.task('vnics')
    assert 'failed' not in result or not result['failed'], '%s\n%s' % (result, run.stdout[-2000:])
    return result


def link(vm, name: str) -> dict:
    return json.loads(vm.ssh(['ip', '-j', '-d', 'link', 'show', 'dev', name], sudo=False).stdout)[0]


def test_macvlan_over_a_vlan_and_over_a_bond(clean_vm, tmp_path):
    clean_vm.sh('modprobe 8021q\nmodprobe bonding max_bonds=0\n'
                'ip link add link ens4 name iofv7 type vlan id 7\nip link set iofv7 up\n'
                'ip link add iofbond0 type bond mode active-backup\n'
                'ip link set ens5 down\nip link set ens6 down\n'
                'ip link set ens5 master iofbond0\nip link set ens6 master iofbond0\nip link set iofbond0 up\n')
    config = [{'type': 'macvlan', 'name': 'iofmv0', 'lower': 'iofv7'},
              {'type': 'macvlan', 'name': 'iofmv1', 'lower': 'iofbond0', 'mode': 'private'}]
    result = vnics(clean_vm, tmp_path, config)
    assert result['changed'] is True, result
    over_vlan, over_bond = link(clean_vm, 'iofmv0'), link(clean_vm, 'iofmv1')
    assert over_vlan['linkinfo']['info_kind'] == 'macvlan' and over_vlan['link'] == 'iofv7', over_vlan
    assert over_bond['linkinfo']['info_kind'] == 'macvlan' and over_bond['link'] == 'iofbond0', over_bond
    assert over_bond['linkinfo']['info_data']['mode'] == 'private'
    assert link(clean_vm, 'iofv7')['linkinfo']['info_kind'] == 'vlan'
    assert link(clean_vm, 'iofbond0')['linkinfo']['info_kind'] == 'bond'
    assert vnics(clean_vm, tmp_path, config)['changed'] is False
    gone = vnics(clean_vm, tmp_path, config, state='deleted')
    assert gone['changed'] is True
    assert clean_vm.ssh(['ip', 'link', 'show', 'dev', 'iofmv0'], sudo=False, check=False).returncode != 0
