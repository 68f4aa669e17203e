"""fcoe_interface with ansible-playbook against fabricsim's FCoE and DCB, on real veth links."""

import os
import re
import subprocess
import time


def task(config, state='merged', name='fcoe', **options):
    body = dict({'config': config, 'state': state, 'dcb_timeout': 0.5}, **options)
    return {'name': name, 'iofabric.core.fcoe_interface': body, 'register': 'out'}


def hosts(sim):
    return sorted(os.listdir(sim.path('/sys/class/fc_host')))


def over(sim):
    return {sim.read('/sys/class/fc_host/%s/symbolic_name' % host).split()[-1] for host in hosts(sim)}


def test_pending_until_dcb_is_ready_then_created(sim, playbook):
    sim.event('dcb-set', iface='eth2', **{'pfc.oper': 'false'})
    run = playbook.run([task([{'interface': 'eth1'}, {'interface': 'eth2', 'mode': 'vn2vn'}])], sim=sim)
    assert run.rc == 0, run.stdout
    result = run.task('fcoe')
    assert [(p['object'], p['reason'], p['waiting_for']) for p in result['pending']] == [
        ('eth2', 'PFC is not operational on eth2', 'dcb')]
    assert over(sim) == {'eth1'}
    # lldpad is asked over its socket: no dcbtool process.
    assert result['dcb']['eth1']['source'] == 'lldpad (CEE)' and 'dcbtool' not in result['tool_runs']
    assert sim.read('/etc/fcoe/cfg-eth2').count('MODE="vn2vn"') == 1
    assert sim.store('fcoe')['observations']['eth2']['retries'] >= 1
    sim.event('dcb-set', iface='eth2', **{'pfc.oper': 'true'})
    run = playbook.run([task([{'interface': 'eth1'}, {'interface': 'eth2', 'mode': 'vn2vn'}])], sim=sim)
    assert [(a['object'], a['action']) for a in run.task('fcoe')['actions']] == [
        ('eth2', 'create'), ('eth2', 'set-mode'), ('eth2', 'enable')]
    assert over(sim) == {'eth1', 'eth2'}
    host = [h for h in hosts(sim) if sim.read('/sys/class/fc_host/%s/symbolic_name' % h).endswith('eth2\n')][0]
    ctlr = re.search(r'/(ctlr_\d+)/', os.readlink(sim.path('/sys/class/fc_host/' + host))).group(1)
    assert sim.read('/sys/bus/fcoe/devices/%s/mode' % ctlr) == 'VN2VN\n'
    observed = sim.store('fcoe')['observations']['eth2']
    assert 'retries' not in observed and 'next_retry' not in observed  # retries reset once created
    assert observed['in_sync_since'] and 'status' not in observed
    again = playbook.run([task([{'interface': 'eth1'}, {'interface': 'eth2', 'mode': 'vn2vn'}])], sim=sim)
    assert again.recap['changed'] == 0, again.stdout


def test_check_mode_changes_nothing(sim, playbook):
    writes = sim.write_count()
    run = playbook.run([task([{'interface': 'eth1'}])], sim=sim, check=True, diff=True)
    assert run.rc == 0 and run.recap['changed'] == 1
    assert [a['status'] for a in run.task('fcoe')['actions']] == ['planned'] * 3
    assert hosts(sim) == [] and sim.write_count() == writes and not os.path.exists(sim.path('/etc/fcoe/cfg-eth1'))


def test_destroyed_when_dcb_or_app_fcoe_is_disabled(sim, playbook):
    assert playbook.run([task([{'interface': 'eth1'}, {'interface': 'eth2'}])], sim=sim).rc == 0
    sim.event('dcb-set', iface='eth1', dcb='off')
    sim.event('dcb-set', iface='eth2', **{'app.enable': 'false'})
    run = playbook.run([task([{'interface': 'eth1'}, {'interface': 'eth2'}])], sim=sim)
    assert run.rc == 0, run.stdout
    reasons = {a['object']: a['reason'] for a in run.task('fcoe')['actions'] if a['action'] == 'destroy'}
    assert reasons == {'eth1': 'DCB is off on eth1', 'eth2': 'App:FCoE is disabled on eth2'}
    assert hosts(sim) == []


def test_declared_disabled_is_destroyed_and_in_sync(sim, playbook):
    """enabled: false is a state like any other: the run that destroys the instance reports nothing pending
    (it waits for no condition), and the next finds nothing to do."""
    assert playbook.run([task([{'interface': 'eth1'}])], sim=sim).rc == 0 and over(sim) == {'eth1'}
    run = playbook.run([task([{'interface': 'eth1', 'enabled': False}])], sim=sim)
    assert run.rc == 0, run.stdout
    result = run.task('fcoe')
    assert [(a['object'], a['action']) for a in result['actions'] if a['action'] == 'destroy'] == [('eth1', 'destroy')]
    assert result['pending'] == [] and result['failures'] == [], result
    assert hosts(sim) == [] and 'FCOE_ENABLE="no"' in sim.read('/etc/fcoe/cfg-eth1')
    again = playbook.run([task([{'interface': 'eth1', 'enabled': False}])], sim=sim)
    assert again.recap['changed'] == 0 and again.task('fcoe')['pending'] == [], again.stdout


def test_link_down_keeps_and_link_delete_removes(sim, playbook):
    assert playbook.run([task([{'interface': 'eth1'}])], sim=sim).rc == 0
    sim.event('link-down', name='eth1')
    run = playbook.run([task([{'interface': 'eth1'}])], sim=sim)
    assert run.task('fcoe')['actions'] == [] and over(sim) == {'eth1'}
    assert run.task('fcoe')['pending'][0]['waiting_for'] == 'link'
    sim.event('link-delete', name='eth1')
    run = playbook.run([task([{'interface': 'eth1'}])], sim=sim)
    assert hosts(sim) == []  # the kernel destroys the instance with its netdev
    assert run.task('fcoe')['pending'][0]['reason'] == 'the network interface eth1 does not exist'


def test_destroyed_after_the_maximum_retries(sim, playbook):
    assert playbook.run([task([{'interface': 'eth1'}])], sim=sim).rc == 0
    sim.event('dcb-set', iface='eth1', **{'app.oper': 'false'})  # unmet, but not a destroy condition
    # A run whose DCB wait covers the seed's window (11 s) makes the ten retries itself, then destroys.
    run = playbook.run([task([{'interface': 'eth1'}], dcb_timeout=12)], sim=sim)
    assert run.rc == 0, run.stdout
    actions = run.task('fcoe')['actions']
    assert [a['action'] for a in actions] == ['destroy']
    assert 'App:FCoE is not operational on eth1, still after 10 retries' == actions[0]['reason']
    assert hosts(sim) == []
    observed = sim.store('fcoe')['observations']['eth1']
    assert observed['retries'] == 10 and 'next_retry' not in observed   # exhausted: no more retries
    again = playbook.run([task([{'interface': 'eth1'}], dcb_timeout=0)], sim=sim)
    assert again.task('fcoe')['actions'] == [] and 'still after 10 retries' in again.task('fcoe')['pending'][0]['reason']


def test_the_retry_schedule_is_counted_from_the_first_failed_step(sim, playbook):
    assert playbook.run([task([{'interface': 'eth1'}])], sim=sim).rc == 0
    sim.event('dcb-set', iface='eth1', **{'pfc.oper': 'false'})
    run = playbook.run([task([{'interface': 'eth1'}], dcb_timeout=0)], sim=sim)
    assert run.rc == 0 and run.task('fcoe')['actions'] == [] and over(sim) == {'eth1'}
    observed = sim.store('fcoe')['observations']['eth1']
    # The first failed step: no retry made yet, the first one due 0.2 s after it (not one ahead).
    assert 'retries' not in observed and round(observed['next_retry'] - observed['unmet_since'], 3) == 0.2
    # A flap inside the window destroys nothing and resets the count.
    sim.event('link-down', name='eth1')
    run = playbook.run([task([{'interface': 'eth1'}], dcb_timeout=0)], sim=sim)
    assert run.task('fcoe')['actions'] == [] and over(sim) == {'eth1'}
    observed = sim.store('fcoe')['observations']['eth1']
    assert not {'retries', 'unmet_since', 'next_retry'} & set(observed)
    sim.event('link-up', name='eth1')
    sim.event('dcb-set', iface='eth1', **{'pfc.oper': 'true'})
    run = playbook.run([task([{'interface': 'eth1'}], dcb_timeout=0)], sim=sim)
    assert run.task('fcoe')['actions'] == [] and run.task('fcoe')['pending'] == [] and over(sim) == {'eth1'}


def test_dcb_not_synchronised_is_retried_not_created(sim, playbook):
    sim.event('dcb-set', iface='eth1', **{'pfc.syncd': 'false', 'app.syncd': 'false'})
    run = playbook.run([task([{'interface': 'eth1'}])], sim=sim)
    assert run.rc == 0, run.stdout
    result = run.task('fcoe')
    assert [(p['object'], p['reason'], p['waiting_for']) for p in result['pending']] == [
        ('eth1', 'PFC is not synchronised with the peer, App:FCoE is not synchronised with the peer on eth1', 'dcb')]
    assert hosts(sim) == [] and [a['action'] for a in result['actions']] == ['write-config']
    assert result['dcb']['eth1']['pfc']['syncd'] is False
    assert sim.store('fcoe')['observations']['eth1']['next_retry']


def test_a_failing_dcb_query_is_a_failed_step(sim, playbook):
    assert playbook.run([task([{'interface': 'eth1'}])], sim=sim).rc == 0
    sim.fault(kind='tool', target='lldpad', mode='garbage')    # lldpad's socket answers garbage
    run = playbook.run([task([{'interface': 'eth1'}], dcb_timeout=0)], sim=sim)
    assert run.rc == 0, run.stdout
    pending = run.task('fcoe')['pending']
    assert [(p['object'], p['waiting_for']) for p in pending] == [('eth1', 'dcb')]
    assert pending[0]['reason'].startswith('DCB state of eth1 is unknown: DCB query failed')
    assert over(sim) == {'eth1'} and sim.store('fcoe')['observations']['eth1']['next_retry']


def test_a_macvlan_stands_for_a_vlan_and_dcb_is_read_on_its_real_device(sim, playbook):
    sim.event('link-add', name='fcoe0', kind='macvlan', lower='eth2')
    run = playbook.run([task([{'interface': 'fcoe0'}])], sim=sim)
    assert run.rc == 0, run.stdout
    assert run.task('fcoe')['dcb']['fcoe0']['device'] == 'eth2'
    assert over(sim) == {'fcoe0'}
    sim.event('dcb-set', iface='eth2', dcb='off')
    playbook.run([task([{'interface': 'fcoe0'}])], sim=sim)
    assert hosts(sim) == []


def test_overridden_and_deleted(sim, playbook):
    assert playbook.run([task([{'interface': 'eth1'}, {'interface': 'eth2'}])], sim=sim).rc == 0
    run = playbook.run([task([{'interface': 'eth1'}], state='overridden')], sim=sim)
    assert run.rc == 0 and over(sim) == {'eth1'} and not os.path.exists(sim.path('/etc/fcoe/cfg-eth2'))
    run = playbook.run([task([{'interface': 'eth1'}], state='deleted')], sim=sim)
    assert run.rc == 0 and hosts(sim) == [] and os.listdir(sim.path('/etc/fcoe')) == []


def test_destroy_on_one_netdev_and_create_on_another_in_one_run(sim, playbook):
    """The new instance is found by its netdev even when the kernel hands it the host number just freed."""
    assert playbook.run([task([{'interface': 'eth1'}])], sim=sim).rc == 0
    freed = hosts(sim)
    run = playbook.run([task([{'interface': 'eth2', 'mode': 'vn2vn'}], state='overridden')], sim=sim)
    assert run.rc == 0, run.stdout
    result = run.task('fcoe')
    assert [(a['object'], a['action'], a['status']) for a in result['actions'] if a['object'] == 'eth2'] == [
        ('eth2', 'write-config', 'done'), ('eth2', 'create', 'done'), ('eth2', 'set-mode', 'done'),
        ('eth2', 'enable', 'done')]
    assert over(sim) == {'eth2'} and list(result['instances']) == ['eth2'], (freed, hosts(sim))
    host = result['instances']['eth2']['host']
    assert sim.read('/sys/class/fc_host/%s/symbolic_name' % host).split()[-1] == 'eth2'
    ctlr = result['instances']['eth2']['ctlr']
    assert sim.read('/sys/bus/fcoe/devices/%s/mode' % ctlr) == 'VN2VN\n'
    assert sim.read('/sys/bus/fcoe/devices/%s/enabled' % ctlr) == '1\n'


def test_a_netdev_that_cannot_appear_fails_before_anything_changes(sim, playbook):
    writes = sim.write_count()
    run = playbook.run([task([{'interface': 'eth1'}, {'interface': 'eth9'}])], sim=sim)
    assert run.rc == 2 and run.recap['changed'] == 0, run.stdout
    message = run.task('fcoe')['msg']
    assert message.startswith('config[1].interface: eth9 does not exist'), message
    assert hosts(sim) == [] and sim.write_count() == writes and not os.path.exists(sim.path('/etc/fcoe'))
    run = playbook.run([task([{'interface': 'eth9.101'}])], sim=sim)
    assert run.rc == 2 and 'neither does eth9' in run.task('fcoe')['msg']


def test_a_vlan_that_fip_discovery_creates_waits_with_a_warning(sim, playbook):
    run = playbook.run([task([{'interface': 'eth2.101-fcoe'}])], sim=sim)
    assert run.rc == 0, run.stdout
    warning = 'eth2.101-fcoe does not exist yet: it waits for the VLAN on eth2 that FIP VLAN discovery'
    assert warning in ' '.join((run.stdout + run.stderr).split()), run.stdout + run.stderr   # the default output
    assert [(p['object'], p['waiting_for']) for p in run.task('fcoe')['pending']] == [('eth2.101-fcoe', 'netif')]
    # Once it appears (a stand-in for the VLAN fipvlan creates), it is served.
    sim.event('link-add', name='eth2.101-fcoe', kind='macvlan', lower='eth2')
    run = playbook.run([task([{'interface': 'eth2.101-fcoe'}])], sim=sim)
    assert run.rc == 0 and over(sim) == {'eth2.101-fcoe'}, run.stdout


def test_fcoemon_is_detected(sim, playbook):
    sim.event('process-start', name='fcoemon', argv='/usr/sbin/fcoemon --foreground')
    run = playbook.run([task([{'interface': 'eth1'}])], sim=sim)
    assert run.rc == 2 and 'fcoemon (pid' in run.task('fcoe')['msg'] and hosts(sim) == []
    run = playbook.run([task([{'interface': 'eth1'}], fcoemon_policy='defer')], sim=sim)
    assert run.rc == 0 and hosts(sim) == [] and os.path.exists(sim.path('/etc/fcoe/cfg-eth1'))
    assert run.task('fcoe')['pending'][0]['waiting_for'] == 'fcoemon'


def test_rendered_and_parsed(sim, playbook):
    run = playbook.run([
        task([{'interface': 'eth2.101', 'dcb_required': False}], state='rendered', name='render'),
        {'name': 'parse', 'iofabric.core.fcoe_interface': {'state': 'parsed', 'running_config': {
            'eth5': 'FCOE_ENABLE="yes"\nDCB_REQUIRED=no\n'}}},
    ], sim=sim)
    assert run.rc == 0, run.stdout
    assert 'DCB_REQUIRED="no"' in run.task('render')['rendered']['/etc/fcoe/cfg-eth2.101']
    parsed = run.task('parse')
    assert parsed['parsed'][0]['ignored_by_fcoemon'] is True and parsed['quirks'][0]['file'] == 'cfg-eth5'


def test_real_lldpad_on_veth_reports_not_dcb_capable(sim_pool, playbook):
    sim = sim_pool.get('lldpad')
    lldpad = subprocess.Popen(['ip', 'netns', 'exec', sim.netns, 'lldpad'], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            probe = subprocess.run(['ip', 'netns', 'exec', sim.netns, 'dcbtool', 'gc', 'eth1', 'dcb'],
                                   capture_output=True, text=True, check=False)
            if 'Status:' in probe.stdout:
                break
            time.sleep(0.2)
        run = playbook.run([task([{'interface': 'eth1'}])], sim=sim)
        assert run.rc == 0, run.stdout
        result = run.task('fcoe')
        assert result['pending'][0]['reason'] == 'eth1 is not DCB-capable (lldpad: Device not capable)'
        assert result['dcb']['eth1']['source'] == 'lldpad (CEE)' and hosts(sim) == []
        # The real lldpad answered status 8 on its socket: no dcbtool (nor any other tool) ran.
        assert 'dcbtool' not in result['tool_runs'] and 'lldptool' not in result['tool_runs']
    finally:
        lldpad.terminate()
        lldpad.wait(10)
    run = playbook.run([task([{'interface': 'eth1'}])], sim=sim)  # lldpad gone: the kernel's dcbnl answers
    assert run.task('fcoe')['dcb']['eth1']['source'] == 'kernel dcbnl'
    assert 'not DCB-capable' in run.task('fcoe')['pending'][0]['reason'] and hosts(sim) == []


def test_a_cee_rerun_asks_lldpad_on_its_socket_forks_no_dcbtool_and_reads_what_dcbtool_reads(sim, playbook):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.reader import DcbReader
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
    sim.event('dcb-set', iface='eth2', **{'app.willing': 'false', 'pfc.error': '0x01'})   # not all defaults
    config = [{'interface': 'eth1'}, {'interface': 'eth2'}]
    assert playbook.run([task(config)], sim=sim).rc == 0
    before = sim.state()['drivers']['dcb']['clif_requests']
    again = playbook.run([task(config)], sim=sim)
    result = again.task('fcoe')
    assert again.rc == 0 and again.recap['changed'] == 0, again.stdout
    assert 'dcbtool' not in result['tool_runs'] and 'lldptool' not in result['tool_runs'], result['tool_runs']
    assert sim.state()['drivers']['dcb']['clif_requests'] - before == 10   # fcoemon's five requests per interface
    assert result['lldpad_queries'] == 10
    # The same state through dcbtool (the fallback), run as a process by the engine's runner:
    tools = Runner(Sysroot(sim.root), netns=sim.netns)
    for name in ('eth1', 'eth2'):
        via_dcbtool = DcbReader(tools, sim.netns, socket_first=False).read(name).as_dict()
        assert dict(result['dcb'][name], device=None) == dict(via_dcbtool, device=None), name
    assert tools.runs == {'dcbtool': 10}


def test_an_fc_host_the_kernel_is_tearing_down_is_no_instance_and_fails_nothing(sim, playbook):
    """Linux answers ENODEV from a destroyed instance's fc_host attributes while its removal work runs (seen
    on 6.1 in the VM lane): that host is going, and a task about another interface must not fail on it."""
    assert playbook.run([task([{'interface': 'eth1', 'dcb_required': False}])], sim=sim).rc == 0
    assert over(sim) == {'eth1'}
    sim.fault(kind='path', target='*fc_host/host*/port_state', op='read', errno='ENODEV')
    run = playbook.run([task([{'interface': 'eth2'}], state='deleted')], sim=sim)
    assert run.rc == 0 and run.task('fcoe')['changed'] is False, run.stdout
