"""A failed declaration can be undone and never stops the others (issue 18.1), through ansible-playbook
against fabricsim: what the failed task recorded is visible, state=deleted removes it from the store although
the object never came up, and a reconciler pass with one bad recorded object still repairs the good ones."""

import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RECONCILE = os.path.join(REPO, '.venv', 'bin', 'iofabric-reconcile')
S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
GOOD = {'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1}}
TYPO = {'type': 'qlgc', 'name': 'veth9', 'primary': {'ioc_string': S1, 'hca': 'mlx4_0', 'port': 3}}


def vnic(config, state='merged', name='vnics'):
    return {'name': name, 'iofabric.core.vnic_interface': {'state': state, 'config': config},
            'register': 'out', 'ignore_errors': True}


def sdi(config, state='merged', name='luns'):
    return {'name': name, 'iofabric.core.sdi_device': {'state': state, 'config': config},
            'register': 'out', 'ignore_errors': True}


def stored(sim, kind):
    path = sim.path('/var/lib/iofabric/%s.json' % kind)
    return set(sim.store(kind)['objects']) if os.path.exists(path) else set()


def forgets(result):
    return [(a['object'], a['status']) for a in result['actions'] if a['action'] == 'forget']


def test_a_port_typo_vnic_is_visible_then_deleted_from_the_store(sim, playbook):
    run = playbook.run([vnic([TYPO])], sim=sim)
    result = run.task('vnics')
    assert run.status('vnics') == 'failed' or result['failures'], run.stdout
    assert 'veth9' in stored(sim, 'qlgc')                                   # what the failed task recorded ...
    assert [row['status'] for row in result['objects'] if row['object'] == 'veth9'] == ['failed']   # ... is visible
    info = playbook.run([{'name': 'info', 'iofabric.core.fabric_info': {}, 'register': 'out'}], sim=sim).task('info')
    rows = {(row['kind'], row['object']): row for row in info['objects']}
    assert rows[('qlgc', 'veth9')]['status'] != 'in_sync', rows            # fabric_info shows it too
    check = playbook.run([vnic([{'type': 'qlgc', 'name': 'veth9'}], state='deleted')], sim=sim, check=True)
    assert forgets(check.task('vnics')) == [('veth9', 'planned')] and 'veth9' in stored(sim, 'qlgc')
    run = playbook.run([vnic([{'type': 'qlgc', 'name': 'veth9'}], state='deleted')], sim=sim)
    assert run.status('vnics') == 'ok' and run.task('vnics')['changed'] is True, run.stdout
    assert forgets(run.task('vnics')) == [('veth9', 'done')]
    assert 'veth9' not in stored(sim, 'qlgc')


def test_overridden_removes_a_recorded_typo_from_the_store(sim, playbook):
    playbook.run([vnic([TYPO])], sim=sim)
    assert 'veth9' in stored(sim, 'qlgc')
    run = playbook.run([vnic([GOOD], state='overridden')], sim=sim)
    assert run.rc == 0, run.stdout
    assert stored(sim, 'qlgc') == {'veth1'}


def test_a_lun_typo_is_deleted_from_the_store(sim, playbook):
    run = playbook.run([sdi([{'address': '1:0:9:0'}])], sim=sim)
    assert '1:0:9:0' in stored(sim, 'sdi'), run.stdout
    run = playbook.run([sdi([{'address': '1:0:9:0'}], state='deleted')], sim=sim)
    assert run.status('luns') == 'ok', run.stdout
    assert forgets(run.task('luns')) == [('1:0:9:0', 'done')]
    assert '1:0:9:0' not in stored(sim, 'sdi')


def test_a_macvlan_on_a_missing_lower_link_is_deleted_from_the_store(sim, playbook):
    bad = {'type': 'macvlan', 'name': 'bad0', 'lower': 'nope0'}
    run = playbook.run([vnic([bad, {'type': 'macvlan', 'name': 'ok0', 'lower': 'eth1'}])], sim=sim)
    assert stored(sim, 'macvlan') >= {'bad0', 'ok0'}, run.stdout
    run = playbook.run([vnic([{'type': 'macvlan', 'name': 'bad0', 'lower': 'nope0'}], state='deleted')], sim=sim)
    assert run.status('vnics') == 'ok', run.stdout
    assert forgets(run.task('vnics')) == [('bad0', 'done')]
    assert stored(sim, 'macvlan') == {'ok0'}


def test_a_reconciler_pass_with_one_bad_recorded_object_still_repairs_the_good_ones(sim, playbook):
    assert playbook.run([vnic([GOOD], name='good')], sim=sim).task('good')['failures'] == []
    playbook.run([vnic([TYPO], name='typo')], sim=sim)
    assert stored(sim, 'qlgc') == {'veth1', 'veth9'}    # together they no longer validate (one IOC instance)
    sim.event('hot-swap', ioc='ioc1')
    sim.event('clock-advance', seconds=64)  # the driver notices a swap after 64 heartbeats (100 = 1 s)
    base = '/sys/class/infiniband_qlgc_vnic/interfaces/veth1/primary_path/viport_state'
    assert sim.read(base).strip() == 'VIPORT_DISCONNECTED'
    proc = subprocess.run([RECONCILE, '--sysroot', sim.root, '--netns', sim.netns], capture_output=True, text=True,
                          check=False, timeout=120)
    text = proc.stdout + proc.stderr
    assert proc.returncode & 8 and proc.returncode & 1, text            # error (veth9) and changed (veth1)
    assert 'qlgc veth9 failed: the recorded declaration is refused' in text
    assert 'qlgc error' not in text                                     # not the whole kind
    assert sim.read(base).strip() == 'VIPORT_CONNECTED'


def test_deleting_a_failed_vnic_also_drops_its_boot_config_block(sim, playbook):
    """The store entry of a VNIC whose create failed is forgotten by state=deleted; its block in the
    vendor init script's config goes with it, and the other VNICs' blocks stay."""
    cfg = '/etc/infiniband/qlgc_vnic.cfg'
    assert playbook.run([vnic([GOOD], name='good')], sim=sim).task('good')['failures'] == []
    playbook.run([vnic([TYPO], name='typo')], sim=sim)
    assert 'veth9' in stored(sim, 'qlgc') and 'veth9' not in sim.read(cfg)   # a failed create is not persisted
    with open(sim.path(cfg), 'a', encoding='utf-8') as handle:   # ... but an earlier version of the collection did
        handle.write('{CREATE; NAME="veth9";\n  PRIMARY={IOCSTRING="%s"; INSTANCE=0; HCA=mlx4_0; PORT=3; }\n}\n' % S1)
    run = playbook.run([vnic([{'type': 'qlgc', 'name': 'veth9'}], state='deleted')], sim=sim)
    assert run.status('vnics') == 'ok', run.stdout
    assert forgets(run.task('vnics')) == [('veth9', 'done')]
    text = sim.read(cfg)
    assert 'veth9' not in text and 'veth1' in text, text
    again = playbook.run([vnic([{'type': 'qlgc', 'name': 'veth9'}], state='deleted')], sim=sim)
    assert again.task('vnics')['changed'] is False, again.stdout


def test_overridden_with_a_failed_create_still_owns_the_boot_config(sim, playbook):
    """The config written without the failed create is rendered as overridden planned it: a hand-written block
    of a VNIC nobody declares goes, as the plan's diff said."""
    cfg = '/etc/infiniband/qlgc_vnic.cfg'
    os.makedirs(os.path.dirname(sim.path(cfg)), exist_ok=True)
    with open(sim.path(cfg), 'a', encoding='utf-8') as handle:
        handle.write('{CREATE; NAME="vethold";\n  PRIMARY={IOCGUID=0x66a0130000105; INSTANCE=3; PORT=1; }\n}\n')
    typo = dict(TYPO, primary=dict(TYPO['primary'], ioc_string=S1[:-1] + '2'))   # its own IOC: no instance clash
    run = playbook.run([vnic([GOOD, typo], state='overridden')], sim=sim)
    assert [f['object'] for f in run.task('vnics').get('failures', [])] == ['veth9'], run.stdout
    text = sim.read(cfg)
    assert 'vethold' not in text and 'veth9' not in text and 'veth1' in text, text
