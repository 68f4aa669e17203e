"""sdi_device against fabricsim's SCSI driver: the refusal matrix, adds, and real playbook runs."""

import itertools
import os

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.sdi_device import run_sdi

SAN_LUN = '1:0:3:0'  # sdb, one partition sdb1
USES = {
    'mount': ('mount', {'device': 'sdb1', 'target': '/data'}, 'mount: sdb1 is mounted on /data'),
    'swap': ('swapon', {'device': 'sdb1'}, 'protected: sdb1 is active swap (/dev/sdb1)'),
    'holder': ('dm-create', {'name': 'vg9-data', 'slaves': 'sdb'}, 'holder: sdb -> dm-0 (vg9-data) holds it'),
    'open': ('device-open', {'device': 'sdb', 'name': 'postgres'}, 'open: sdb is open by pid'),
    'io': ('io-start', {'device': 'sdb', 'count': '3', 'dir': 'write'}, 'io: 3 command(s) at the HBA'),
}


def item(address, **extra):
    return dict(dict(address=address, wwid=None, vendor=None, model=None, serial=None, force=None), **extra)


def sdi(sim, state, config, check=False):
    return run_sdi(dict(sysroot=sim.root, state=state, config=config, attach_timeout=3, remove_timeout=3,
                        lock_timeout=5), check)


def devices(sim):
    return sorted(os.listdir(sim.path('/sys/class/scsi_device')))


COMBINATIONS = [combo for size in (1, 2, 5) for combo in itertools.combinations(sorted(USES), size)]


@pytest.mark.parametrize('uses', COMBINATIONS, ids='+'.join)
def test_refusal_matrix(sim, uses):
    for use in uses:
        event, args, _text = USES[use]
        sim.event(event, **args)
    writes = sim.write_count()
    result = sdi(sim, 'deleted', [item(SAN_LUN)])
    failure = result['failures'][0]
    assert failure['object'] == SAN_LUN and failure['error'].startswith('refused to remove 1:0:3:0 (sdb)')
    for use in uses:
        assert any(line.startswith(USES[use][2]) for line in failure['details']['evidence']), use
    assert result['refused'][0]['evidence'] == failure['details']['evidence']
    assert SAN_LUN in devices(sim) and sim.write_count() == writes
    forced = sdi(sim, 'deleted', [item(SAN_LUN, force=True)])
    if 'swap' in uses:   # active swap is never removed, force or not
        assert 'never removed, even with force' in forced['failures'][0]['error']
        assert SAN_LUN in devices(sim) and sim.write_count() == writes
        return
    assert forced['failures'] == [] and SAN_LUN not in devices(sim)
    assert [a['action'] for a in forced['actions']] == ['flush', 'offline', 'delete']
    assert 'forced over' in forced['actions'][-1]['reason']


def test_the_root_disk_is_refused_even_with_force(sim):
    writes = sim.write_count()
    result = sdi(sim, 'deleted', [item('0:0:0:0', force=True)])
    assert 'never removed, even with force' in result['failures'][0]['error']
    assert result['failures'][0]['details']['evidence'] == ['protected: sda2 is mounted on /',
                                                            'protected: sda1 is mounted on /boot']
    assert '0:0:0:0' in devices(sim) and sim.write_count() == writes


def test_a_holder_that_cannot_be_read_fails_closed_even_with_force(sim):
    sim.event('holder-add', holder='dm-7', device='sdb')   # holders/dm-7 with no /sys/block/dm-7 behind it
    writes = sim.write_count()
    result = sdi(sim, 'deleted', [item(SAN_LUN, force=True)])
    assert result['failures'][0]['details']['evidence'] == [
        'unseen: sdb is held by dm-7, which has vanished or cannot be read']
    assert SAN_LUN in devices(sim) and sim.write_count() == writes


def test_an_unused_device_is_removed_in_order(sim):
    before = len(sim.writes())
    result = sdi(sim, 'deleted', [item('1:0:3:1')])
    assert result['failures'] == [] and '1:0:3:1' not in devices(sim)
    writes = [(w['path'].rsplit('/', 1)[1], w['data']) for w in sim.writes(before)]
    assert writes == [('state', 'offline\n'), ('delete', '1')]
    assert sim.state()['drivers']['scsi']['flushes'] == 1


def test_io_that_starts_after_the_checks_aborts_the_removal(sim):
    sim.fault(kind='path', target='/sys/devices/platform/host1/*/1:0:3:1/state', op='write', errno='EIO', count=1)
    result = sdi(sim, 'deleted', [item('1:0:3:1')])
    assert result['failures'][0]['error'].startswith('offline failed')
    assert '1:0:3:1' in devices(sim)


def test_add_is_idempotent_and_reports_empty_addresses_and_mismatches(sim):
    sim.event('lun-add', address='1:0:3:2')
    first = sdi(sim, 'merged', [item('1:0:3:2', wwid='naa.600a098038304437522b4d6c70583132'), item('1:0:5:0')])
    assert [a['object'] for a in first['actions']] == ['1:0:3:2', '1:0:5:0']
    assert first['failures'] == [{'object': '1:0:5:0', 'error': 'no device answered at 1:0:5:0 (scan "0 5 0" of host1)'}]
    assert '1:0:3:2' in devices(sim) and os.path.exists(sim.path('/sys/block/sdd'))
    again = sdi(sim, 'merged', [item('1:0:3:2', wwid='naa.600a098038304437522b4d6c70583132')])
    assert again['changed'] is False and again['actions'] == [] and again['failures'] == []
    wrong = sdi(sim, 'merged', [item('1:0:4:0', vendor='NETAPP')])
    assert wrong['failures'][0]['error'].startswith('a device answered at 1:0:4:0 but it is not the declared one: '
                                                    "vendor is 'LIO-ORG', declared 'NETAPP'")
    existing = sdi(sim, 'merged', [item('1:0:3:1', serial='nope')])
    assert "serial is '80D7R+MlpX11', declared 'nope'" in existing['failures'][0]['error']


def test_hosts_that_cannot_hot_plug(sim):
    assert 'no writable scan' in sdi(sim, 'merged', [item('2:0:1:0')])['failures'][0]['error']
    assert 'does not exist' in sdi(sim, 'merged', [item('9:0:1:0')])['failures'][0]['error']
    sim.event('host-state', host='1', state='cancel')
    assert 'is cancel, not running' in sdi(sim, 'merged', [item('1:0:4:0')])['failures'][0]['error']


def test_overridden_removes_unlisted_devices_on_named_hosts_only(sim):
    sim.event('mount', device='sdc', target='/srv')
    result = sdi(sim, 'overridden', [item('1:0:4:0')])
    assert [a['object'] for a in result['actions'] if a['action'] == 'delete'] == ['1:0:3:0']
    assert result['failures'][0]['object'] == '1:0:3:1'  # in use: refused, never forced
    assert devices(sim) == ['0:0:0:0', '1:0:3:1', '1:0:4:0']


def test_playbook_check_mode_lists_adds_removals_and_refusals(sim, playbook):
    sim.event('mount', device='sdb1', target='/data')
    writes = sim.write_count()
    run = playbook.run([{'name': 'luns', 'iofabric.core.sdi_device': {
        'config': [{'address': '1:0:4:0'}], 'state': 'overridden'}, 'register': 'out'}], sim=sim, check=True)
    result = run.task('luns')
    assert run.rc == 2 and sim.write_count() == writes
    assert [(a['object'], a['action']) for a in result['actions']] == [
        ('1:0:3:1', 'flush'), ('1:0:3:1', 'offline'), ('1:0:3:1', 'delete'), ('1:0:4:0', 'add')]
    assert result['refused'][0]['evidence'] == ['mount: sdb1 is mounted on /data']


def test_playbook_add_then_rerun_is_unchanged(sim, playbook):
    config = [{'address': '1:0:4:0', 'wwid': 'naa.6001405a5e7c2d0001'}]
    task = {'name': 'luns', 'iofabric.core.sdi_device': {'config': config}, 'register': 'out'}
    run = playbook.run([task], sim=sim)
    assert run.rc == 0 and run.task('luns')['changed'] is True, run.stdout
    assert playbook.run([task], sim=sim).recap['changed'] == 0
    gathered = playbook.run([{'name': 'g', 'iofabric.core.sdi_device': {'state': 'gathered'}}], sim=sim)
    assert {d['address'] for d in gathered.task('g')['gathered']} >= {'1:0:4:0', '0:0:0:0'}


def test_bad_addresses_name_the_field(sim, playbook):
    writes = sim.write_count()
    for bad in ('1:0:3', '1:0:3:x', '1:0:3:1\n', '-1:0:0:0'):
        run = playbook.run([{'name': 'luns', 'iofabric.core.sdi_device': {'config': [{'address': bad}]}}], sim=sim)
        assert run.rc == 2 and run.task('luns')['msg'].startswith('config[0].address:')
    assert sim.write_count() == writes
