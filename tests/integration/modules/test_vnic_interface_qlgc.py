"""vnic_interface type=qlgc with ansible-playbook against fabricsim."""

import os

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
S2 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 2'
LATE = 'EVIC in Chassis 0x00066a00db00001f, Slot 2, Ioc 1'
CLASS = '/sys/class/infiniband_qlgc_vnic'

DECLARATION = [
    {'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1},
     'secondary': {'ioc_string': S2, 'port': 2}},
    {'type': 'qlgc', 'name': 'veth2', 'primary': {'ioc_string': LATE, 'hca': 'mlx4_0', 'port': 1}},
]


def task(config=tuple(DECLARATION), state='merged', name='vnics', **options):
    body = {'state': state}
    if config is not None:
        body['config'] = list(config)
    body.update(options)
    return {'name': name, 'iofabric.core.vnic_interface': body, 'register': 'out'}


def viport(sim, name, which='primary'):
    return sim.read('%s/interfaces/%s/%s_path/viport_state' % (CLASS, name, which)).strip()


def test_create_pending_and_idempotent_rerun(sim, playbook):
    run = playbook.run([task()], sim=sim)
    assert run.rc == 0, run.stdout
    result = run.task('vnics')
    assert result['changed'] is True
    assert [(a['object'], a['action']) for a in result['actions']] == [
        ('veth1', 'create-primary'), ('veth2', 'create-primary'), ('veth1', 'create-secondary'),
        ('/etc/infiniband/qlgc_vnic.cfg', 'write-config')]
    assert [(p['object'], p['waiting_for']) for p in result['pending']] == [('veth2', 'ioc')]
    assert LATE in result['pending'][0]['reason']
    assert result['tool_runs'] == {'ib_qlgc_vnic_query': 1}
    assert viport(sim, 'veth1') == viport(sim, 'veth1', 'secondary') == 'VIPORT_CONNECTED'
    assert sim.read(CLASS + '/interfaces/veth2/primary_path/link_state').strip() == 'INVALID STATE'
    cfg = sim.read('/etc/infiniband/qlgc_vnic.cfg')
    assert 'NAME="veth1"' in cfg and 'IOCSTRING="%s"' % LATE in cfg
    assert set(sim.store('qlgc')['objects']) == {'veth1', 'veth2'}
    writes = sim.write_count()
    again = playbook.run([task()], sim=sim)
    assert again.rc == 0 and again.recap['changed'] == 0, again.stdout
    assert again.task('vnics')['actions'] == [] and again.task('vnics')['tool_runs'] == {'ib_qlgc_vnic_query': 1}
    assert sim.write_count() == writes


def test_late_ioc_then_hot_swap_are_repaired(sim, playbook):
    assert playbook.run([task()], sim=sim).rc == 0
    sim.event('ioc-add', ioc='late')
    swap = sim.event('hot-swap', ioc='ioc1')
    sim.event('clock-advance', seconds=64)  # the driver notices a swap after 64 heartbeats (100 = 1 s)
    assert viport(sim, 'veth1') == 'VIPORT_DISCONNECTED'
    run = playbook.run([task()], sim=sim)
    assert run.rc == 0, run.stdout
    actions = {(a['object'], a['action']): a for a in run.task('vnics')['actions']}
    assert 'hot swap' in actions[('veth1', 'update-primary')]['reason']
    assert swap['new']['guid'] in actions[('veth1', 'update-primary')]['reason']
    assert 'late IOC appeared' in actions[('veth2', 'update-primary')]['reason']
    assert run.task('vnics')['pending'] == []
    assert viport(sim, 'veth1') == viport(sim, 'veth2') == 'VIPORT_CONNECTED'
    assert sim.read(CLASS + '/interfaces/veth1/primary_path/dgid').strip() == swap['new']['dgid']
    assert playbook.run([task()], sim=sim).recap['changed'] == 0


def test_check_mode_reports_drift_and_changes_nothing(sim, playbook):
    assert playbook.run([task()], sim=sim).rc == 0
    sim.event('hot-swap', ioc='ioc2')
    sim.event('clock-advance', seconds=64)  # the driver notices a swap after 64 heartbeats (100 = 1 s)
    writes = sim.write_count()
    cfg = sim.read('/etc/infiniband/qlgc_vnic.cfg')
    run = playbook.run([task()], sim=sim, check=True, diff=True)
    assert run.rc == 0 and run.recap['changed'] == 1
    result = run.task('vnics')
    assert [(a['object'], a['action'], a['status']) for a in result['actions']] == [
        ('veth1', 'update-secondary', 'planned')]
    diff = [d for d in result['diff'] if d['before_header'] == 'qlgc veth1'][0]
    assert diff['before']['secondary']['ioc_guid'] != diff['after']['secondary']['ioc_guid']
    assert sim.write_count() == writes and sim.read('/etc/infiniband/qlgc_vnic.cfg') == cfg
    assert viport(sim, 'veth1', 'secondary') == 'VIPORT_DISCONNECTED'
    assert '--- before: qlgc veth1' in run.stdout  # the callback rendered the diff


def test_delete_and_overridden(sim, playbook):
    assert playbook.run([task()], sim=sim).rc == 0
    with open(sim.path(CLASS + '/vnic-mlx4_1-2/create_primary'), 'wb', buffering=0) as handle:
        handle.write(b'ioc_guid=00066a02de000070,dgid=fe8000000000000000066a21de000070,pkey=ffff,name=manual0,'
                     b'instance=9')
    run = playbook.run([task(config=[{'type': 'qlgc', 'name': 'veth2'}], state='deleted')], sim=sim)
    assert run.rc == 0 and [a['action'] for a in run.task('vnics')['actions']] == ['delete', 'write-config']
    assert 'veth2' not in os.listdir(sim.path(CLASS + '/interfaces'))
    assert 'veth2' not in sim.store('qlgc')['objects']
    run = playbook.run([task(config=DECLARATION[:1], state='overridden')], sim=sim)
    assert run.rc == 0, run.stdout
    assert [(a['object'], a['action']) for a in run.task('vnics')['actions']][0] == ('manual0', 'delete')
    remaining = sorted(os.listdir(sim.path(CLASS + '/interfaces')))
    assert remaining == ['delete_vnic', 'force_failover', 'unfailover', 'veth1']
    assert sim.read('/etc/infiniband/qlgc_vnic.cfg').count('CREATE') == 1


def test_gathered_rendered_parsed(sim, playbook):
    assert playbook.run([task()], sim=sim).rc == 0
    writes = sim.write_count()
    run = playbook.run([
        task(config=None, state='gathered', name='gather'),
        task(state='rendered', name='render', sysroot='/nonexistent-is-not-touched'),
        {'name': 'parse', 'iofabric.core.vnic_interface': {'state': 'parsed', 'running_config': '{{ cfg }}'}},
    ], sim=sim, play_vars={'cfg': "{{ lookup('ansible.builtin.file', '%s') }}" % sim.path(
        '/etc/infiniband/qlgc_vnic.cfg')})
    assert run.rc == 0, run.stdout
    gathered = {v['name']: v for v in run.task('gather')['gathered']}
    assert gathered['veth1']['secondary']['ioc_string'] == S2 and gathered['veth1']['primary']['hca'] == 'mlx4_0'
    rendered = run.task('render')['rendered']
    assert [s['name'] for s in rendered['create_strings']] == ['veth1', 'veth1', 'veth2']
    assert 'ioc_string="%s",name=veth1' % S1 in rendered['create_strings'][0]['string']
    parsed = {v['name']: v for v in run.task('parse')['parsed']}
    assert parsed['veth2']['primary'] == {'ioc_string': LATE, 'hca': 'mlx4_0', 'port': 1, 'instance': 0}
    assert sim.write_count() == writes


def test_kernel_einval_fails_that_vnic_and_the_others_proceed(sim, playbook):
    with open(sim.path(CLASS + '/vnic-mlx4_0-1/create_primary'), 'wb', buffering=0) as handle:
        handle.write(b'ioc_guid=00066a01de000070,dgid=fe8000000000000000066a11de000070,pkey=ffff,name=squat0')
    config = [{'type': 'qlgc', 'name': 'clash', 'primary': {'ioc_string': S1, 'port': 1}},
              {'type': 'qlgc', 'name': 'fine', 'primary': {'ioc_string': S2, 'port': 1}}]
    run = playbook.run([task(config=config)], sim=sim)
    assert run.rc == 2
    result = run.task('vnics')
    assert run.status('vnics') == 'failed' and '1 VNIC(s) failed' in result['msg']
    failure = result['failures'][0]
    assert failure['object'] == 'clash' and failure['details']['errno'] == 'EINVAL'
    assert 'already used by another VNIC' in failure['error'] and 'name=clash' in failure['error']
    assert viport(sim, 'fine') == 'VIPORT_CONNECTED'
    assert 'clash' in sim.store('qlgc')['objects']  # kept, so that a later run or the reconciler retries


def test_bad_input_names_the_field_and_writes_nothing(sim, playbook):
    writes = sim.write_count()
    cases = [
        ({'type': 'qlgc', 'name': 'veth1,name=evil', 'primary': {'ioc_string': S1, 'port': 1}}, 'config[1].name'),
        ({'type': 'qlgc', 'name': 'veth9', 'primary': {'ioc_string': 'a"b', 'port': 1}},
         'config[1].primary.ioc_string'),
        ({'type': 'qlgc', 'name': 'veth9', 'primary': {'dgid': 'fe80' * 8, 'port': 1}}, 'config[1].primary'),
        ({'type': 'qlgc', 'name': 'veth9', 'primary': {'ioc_guid': '1', 'port': 1}, 'lower': 'eth1'},
         'config[1].lower'),
    ]
    for bad, field in cases:
        run = playbook.run([task(config=[DECLARATION[0], bad])], sim=sim)
        assert run.rc == 2
        assert run.task('vnics')['msg'].startswith(field + ':'), run.task('vnics')['msg']
    assert sim.write_count() == writes
    assert not os.path.exists(sim.path('/var/lib/iofabric/qlgc.json'))
