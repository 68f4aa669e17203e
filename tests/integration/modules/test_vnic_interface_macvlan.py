"""vnic_interface type=macvlan on real links in the simulator's network namespace."""

import json
import subprocess


def links(sim):
    out = subprocess.run(['ip', '-n', sim.netns, '-j', '-d', 'link', 'show'], capture_output=True, text=True,
                         check=True).stdout
    return {link['ifname']: link for link in json.loads(out)}


def macvlans(sim):
    return {name: link for name, link in links(sim).items()
            if link.get('linkinfo', {}).get('info_kind') == 'macvlan'}


def task(config, state='merged', name='vnics'):
    return {'name': name, 'iofabric.core.vnic_interface': {'config': config, 'state': state}, 'register': 'out'}


AUTO = [{'type': 'macvlan', 'lower': 'eth1'}, {'type': 'macvlan', 'lower': 'eth1', 'mode': 'private', 'mtu': 1400}]


def test_automatic_names_are_the_lowest_free_and_stable(sim, playbook):
    run = playbook.run([task(AUTO)], sim=sim)
    assert run.rc == 0, run.stdout
    result = run.task('vnics')
    assert result['allocated_names'] == {'auto:eth1#0': 'vnic0', 'auto:eth1#1': 'vnic1'}
    live = macvlans(sim)
    assert sorted(live) == ['vnic0', 'vnic1']
    assert live['vnic1']['linkinfo']['info_data']['mode'] == 'private' and live['vnic1']['mtu'] == 1400
    assert live['vnic0']['address'].startswith('02:')  # explicit, locally administered
    assert all(any(alt.startswith('iofabric-') for alt in link.get('altnames', [])) for link in live.values())
    again = playbook.run([task(AUTO)], sim=sim)
    assert again.recap['changed'] == 0 and sorted(macvlans(sim)) == ['vnic0', 'vnic1'], again.stdout


def test_auto_name_skips_names_in_use(sim, playbook):
    sim.event('link-add', name='vnic0', kind='veth', peer='vnic0p')
    run = playbook.run([task([{'type': 'macvlan', 'lower': 'eth2'}])], sim=sim)
    assert run.task('vnics')['allocated_names'] == {'auto:eth2#0': 'vnic1'}


def test_rename_of_the_vnic_is_recognised_not_duplicated(sim, playbook):
    config = [{'type': 'macvlan', 'name': 'data0', 'lower': 'eth1'}, {'type': 'macvlan', 'lower': 'eth2'}]
    assert playbook.run([task(config)], sim=sim).rc == 0
    sim.event('link-rename', name='data0', to='renamed0')
    sim.event('link-rename', name='vnic0', to='mine7')
    check = playbook.run([task(config)], sim=sim, check=True)
    assert [(a['object'], a['action']) for a in check.task('vnics')['actions']] == [('data0', 'rename')]
    run = playbook.run([task(config)], sim=sim)
    assert run.rc == 0, run.stdout
    result = run.task('vnics')
    assert 'renamed outside iofabric to renamed0' in result['actions'][0]['reason']
    assert any('is now named mine7' in warning for warning in result.get('warnings', []))
    assert sorted(macvlans(sim)) == ['data0', 'mine7']  # no duplicate was created


def test_rename_of_the_lower_link_is_recognised(sim, playbook):
    config = [{'type': 'macvlan', 'name': 'data0', 'lower': 'eth1'}]
    assert playbook.run([task(config)], sim=sim).rc == 0
    sim.event('link-rename', name='eth1', to='uplink0')
    run = playbook.run([task(config)], sim=sim)
    assert run.rc == 0, run.stdout
    assert run.recap['changed'] == 0
    assert any('was renamed to uplink0' in warning for warning in run.task('vnics')['warnings'])
    assert list(macvlans(sim)) == ['data0']


def test_overridden_removes_tagged_vnics_and_leaves_foreign_lowers_alone(sim, playbook):
    sim.event('link-add', name='foreign0', kind='macvlan', lower='eth2')
    assert playbook.run([task(AUTO)], sim=sim).rc == 0
    run = playbook.run([task([{'type': 'macvlan', 'name': 'keep0', 'lower': 'eth1'}], state='overridden')], sim=sim)
    assert run.rc == 0, run.stdout
    assert sorted(macvlans(sim)) == ['foreign0', 'keep0']


def test_unknown_lower_fails_that_vnic_only(sim, playbook):
    config = [{'type': 'macvlan', 'name': 'bad0', 'lower': 'nope0'}, {'type': 'macvlan', 'name': 'ok0', 'lower': 'eth1'}]
    run = playbook.run([task(config)], sim=sim)
    assert run.rc == 2
    assert run.task('vnics')['failures'][0]['object'] == 'bad0'
    assert 'ok0' in macvlans(sim)


def test_an_mtu_above_the_lower_links_fails_that_vnic_before_any_change(sim, playbook):
    config = [{'type': 'macvlan', 'name': 'jumbo0', 'lower': 'eth1', 'mtu': 9000},
              {'type': 'macvlan', 'name': 'ok0', 'lower': 'eth1'}]
    run = playbook.run([task(config)], sim=sim)
    assert run.rc == 2
    [failure] = run.task('vnics')['failures']
    assert failure['object'] == 'jumbo0'
    assert failure['error'] == ('mtu 9000 is above the MTU of its lower link eth1 (1500), which the kernel refuses; '
                                'raise the MTU of eth1 first')
    assert [action['object'] for action in run.task('vnics')['actions']] == ['ok0']
    assert sorted(macvlans(sim)) == ['ok0']
