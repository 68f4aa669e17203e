"""sdi_device against fabricsim's stacks scenario: whole stacks above the disk, by device number.

Every refusal is asserted with its evidence text and with zero writes (no `delete`, no `state`, no store).
"""

import os

import pytest

from tests.integration.modules.test_sdi_device import devices, item, sdi


@pytest.fixture
def stacks(sim_pool):
    return sim_pool.get('stacks')


def store_bytes(sim):
    path = sim.path('/var/lib/iofabric/sdi.json')
    return open(path, 'rb').read() if os.path.exists(path) else None


def refused(sim, address, force=False):
    """Remove, expecting a refusal: nothing written to the kernel, the device and the store untouched."""
    writes, store = sim.write_count(), store_bytes(sim)
    result = sdi(sim, 'deleted', [item(address, force=force)])
    assert [f['object'] for f in result['failures']] == [address], result
    assert address in devices(sim)
    assert sim.write_count() == writes and store_bytes(sim) == store
    assert not any(a['action'] in ('offline', 'delete') and a.get('status') == 'done' for a in result['actions'])
    return result['failures'][0]


def test_lvm_root_is_refused_with_force_naming_the_chain(stacks):
    failure = refused(stacks, '0:0:0:0', force=True)
    evidence = failure['details']['evidence']
    assert 'protected: sda1 -> dm-0 (vg0-root) mounted on /' in evidence
    assert 'protected: sda1 -> dm-1 (vg0-usr) mounted on /usr' in evidence
    assert 'never removed, even with force' in failure['error']


def test_boot_alone_is_refused_with_force(stacks):
    failure = refused(stacks, '1:0:1:0', force=True)
    assert failure['details']['evidence'] == ['protected: sdb1 is mounted on /boot']


def test_holders_on_a_partition_name_the_whole_chain(stacks):
    failure = refused(stacks, '1:0:2:0')
    evidence = failure['details']['evidence']
    assert 'mount: sdc1 -> dm-2 (vg1-pv) -> dm-3 (vg1-data) mounted on /data' in evidence
    assert 'holder: sdc1 -> dm-2 (vg1-pv) -> dm-3 (vg1-data) holds it' in evidence
    assert 'force: true overrides' in failure['error']


def test_force_overrides_a_data_stack_an_admin_can_judge(stacks):
    result = sdi(stacks, 'deleted', [item('1:0:2:0', force=True)])
    assert result['failures'] == [] and '1:0:2:0' not in devices(stacks)
    assert 'holder: sdc1 -> dm-2 (vg1-pv) -> dm-3 (vg1-data) holds it' in result['actions'][-1]['reason']


def test_swap_on_dm_is_refused_with_force(stacks):
    failure = refused(stacks, '1:0:3:0', force=True)
    assert 'protected: sdd -> dm-4 (vg2-swap) active swap (/dev/dm-4)' in failure['details']['evidence']


@pytest.mark.parametrize('address,disk', [('1:0:4:0', 'sde'), ('1:0:5:0', 'sdf')])
def test_each_btrfs_member_is_refused(stacks, address, disk):
    # sdf is not the mount source and its number is nowhere in mountinfo (btrfs shows 0:40): only
    # /sys/fs/btrfs/<fsid>/devices tells that it is in use.
    failure = refused(stacks, address)
    assert ('btrfs: %s is a member of btrfs 0d5c1f3e-7a61-4c1b-9d3e-2b4f6a8c0e11 (devices sde, sdf) mounted on /srv'
            % disk) in failure['details']['evidence']


def test_a_btrfs_mount_is_found_by_its_source_though_mountinfo_shows_0_nn(stacks):
    failure = refused(stacks, '1:0:4:0')
    assert 'mount: sde is mounted on /srv' in failure['details']['evidence']


def test_an_open_through_a_udev_alias_node_is_refused(stacks):
    stacks.event('block-open', device='sdg1', node='/dev/oracleasm/disks/DATA1', name='oracle')
    failure = refused(stacks, '1:0:6:0')
    assert any(line.startswith('open: sdg1 is open by pid ') and line.endswith('(oracle) fd 3 through '
                                                                               '/dev/oracleasm/disks/DATA1')
               for line in failure['details']['evidence']), failure


def test_a_process_holding_a_partition_open_is_refused(stacks):
    stacks.event('block-open', device='sdg1', name='backup')
    failure = refused(stacks, '1:0:6:0')
    assert any(line.startswith('open: sdg1 is open by pid ') and line.endswith('(backup) fd 3 through /dev/sdg1')
               for line in failure['details']['evidence'])


def test_a_holder_on_the_partition_alone_is_refused(stacks):
    stacks.event('md-create', name='md127', slaves='sdg1')
    failure = refused(stacks, '1:0:6:0')
    assert failure['details']['evidence'] == ['holder: sdg1 -> md127 holds it']


def test_a_stale_open_is_overridden_by_force(stacks):
    stacks.event('block-open', device='sdg', name='stale')
    result = sdi(stacks, 'deleted', [item('1:0:6:0', force=True)])
    assert result['failures'] == [] and '1:0:6:0' not in devices(stacks)


@pytest.mark.parametrize('counter', ['inflight', 'device_busy'])
def test_io_in_one_counter_alone_is_refused_at_plan_time(stacks, counter):
    stacks.event('io-queue', device='sdh', counter=counter, count=2)
    failure = refused(stacks, '1:0:7:0')
    expected = '2 command(s) at the HBA, 0 read(s)' if counter == 'device_busy' else '0 command(s) at the HBA, 2 read(s)'
    assert failure['details']['evidence'] == ['io: %s' % expected + (' and 0 write(s) in flight')]


@pytest.mark.parametrize('counter', ['inflight', 'device_busy'])
def test_io_in_one_counter_alone_at_delete_time_aborts_the_removal(stacks, counter):
    # The plan saw nothing; the I/O arrives the moment the device goes offline.
    stacks.fault(kind='trigger', target='/sys/devices/platform/host1/*/1:0:7:0/state', mode='io-queue',
                 args={'device': 'sdh', 'counter': counter, 'count': '1'}, count=1)
    before = len(stacks.writes())
    result = sdi(stacks, 'deleted', [item('1:0:7:0')])
    assert result['failures'][0]['error'] == (
        'delete failed: I/O still in flight after taking 1:0:7:0 offline: io: %s and 0 write(s) in flight; '
        'put back online, not deleted'
        % ('1 command(s) at the HBA, 0 read(s)' if counter == 'device_busy' else '0 command(s) at the HBA, 1 read(s)'))
    assert '1:0:7:0' in devices(stacks)
    writes = [(w['path'].rsplit('/', 1)[1], w['data']) for w in stacks.writes(before)]
    assert writes == [('state', 'offline\n'), ('state', 'running\n')]   # back online, no delete
    assert stacks.state()['drivers']['scsi']['devices']['1:0:7:0']['state'] == 'running'


def test_a_wwid_less_lun_does_not_fail_the_others(stacks):
    result = sdi(stacks, 'merged', [item('1:0:9:0', wwid='naa.600a0980383044375200000000000009')])
    assert result['failures'] == [] and '1:0:9:0' in devices(stacks)
    gathered = {d['address']: d for d in sdi(stacks, 'gathered', [])['gathered']}
    assert gathered['1:0:8:0'].get('wwid') is None and gathered['1:0:8:0']['serial'] == 'nowwn'


def test_a_lun_without_vpd_page_0x83_does_not_fail_the_others(stacks):
    # Debian 6.1 answers a wwid read of a QEMU disk without a WWN with ENXIO (no page 0x83), not EINVAL:
    # seen in the VM lane (tests/vm/test_sdi_device.py).
    stacks.event('lun-add', address='1:0:10:0', vendor='QEMU', model='QEMU HARDDISK', serial='novpd', designator='no-vpd')
    result = sdi(stacks, 'merged', [item('1:0:10:0')])
    assert result['failures'] == [] and '1:0:10:0' in devices(stacks), result
    gathered = {d['address']: d for d in sdi(stacks, 'gathered', [])['gathered']}
    assert gathered['1:0:10:0'].get('wwid') is None and gathered['1:0:10:0']['serial'] == 'novpd'


def test_an_idle_disk_is_removed(stacks):
    before = len(stacks.writes())
    result = sdi(stacks, 'deleted', [item('1:0:7:0')])
    assert result['failures'] == [] and '1:0:7:0' not in devices(stacks)
    assert [w['path'].rsplit('/', 1)[1] for w in stacks.writes(before)] == ['state', 'delete']


# -- the same promises through ansible-playbook ----------------------------------------------------
REFUSALS = {   # task name: (address, force, evidence lines that must all be there)
    'lvm root': ('0:0:0:0', True, ['protected: sda1 -> dm-0 (vg0-root) mounted on /']),
    'boot alone': ('1:0:1:0', True, ['protected: sdb1 is mounted on /boot']),
    'swap on dm': ('1:0:3:0', True, ['protected: sdd -> dm-4 (vg2-swap) active swap (/dev/dm-4)']),
    'btrfs member': ('1:0:5:0', False, ['btrfs: sdf is a member of btrfs 0d5c1f3e-7a61-4c1b-9d3e-2b4f6a8c0e11 '
                                        '(devices sde, sdf) mounted on /srv']),
    'holders on a partition': ('1:0:2:0', False, ['holder: sdc1 -> dm-2 (vg1-pv) -> dm-3 (vg1-data) holds it',
                                                  'mount: sdc1 -> dm-2 (vg1-pv) -> dm-3 (vg1-data) mounted on /data']),
    'opens and a holder on a partition': ('1:0:6:0', False, ['holder: sdg1 -> md127 holds it']),
}


def test_playbook_refusals_name_the_stack_and_write_nothing(stacks, playbook):
    stacks.event('block-open', device='sdg1', node='/dev/oracleasm/disks/DATA1', name='oracle')
    stacks.event('block-open', device='sdg1', name='backup')
    stacks.event('md-create', name='md127', slaves='sdg1')
    writes, store = stacks.write_count(), store_bytes(stacks)
    tasks = [{'name': name, 'ignore_errors': True,
              'iofabric.core.sdi_device': {'config': [{'address': address, 'force': force}], 'state': 'deleted'}}
             for name, (address, force, _lines) in REFUSALS.items()]
    run = playbook.run(tasks, sim=stacks)
    for name, (address, force, lines) in REFUSALS.items():
        result = run.task(name)
        assert run.status(name) == 'failed' and result['refused'][0]['address'] == address, (name, result)
        assert result['refused'][0]['forced'] is force
        for line in lines:
            assert line in result['refused'][0]['evidence'], (name, line, result['refused'][0]['evidence'])
    opens = [line for line in run.task('opens and a holder on a partition')['refused'][0]['evidence']
             if line.startswith('open: ')]
    expected = ['fd 3 through /dev/oracleasm/disks/DATA1', 'fd 3 through /dev/sdg1']
    assert [line.split(') ', 1)[1] for line in opens] == expected
    assert stacks.write_count() == writes and store_bytes(stacks) == store
    assert devices(stacks) == ['0:0:0:0', '1:0:1:0', '1:0:2:0', '1:0:3:0', '1:0:4:0', '1:0:5:0', '1:0:6:0', '1:0:7:0',
                               '1:0:8:0']


@pytest.mark.parametrize('counter', ['inflight', 'device_busy'])
def test_playbook_io_in_one_counter_at_delete_time_aborts(stacks, playbook, counter):
    stacks.fault(kind='trigger', target='/sys/devices/platform/host1/*/1:0:7:0/state', mode='io-queue',
                 args={'device': 'sdh', 'counter': counter, 'count': '1'}, count=1)
    before = len(stacks.writes())
    run = playbook.run([{'name': 'remove', 'iofabric.core.sdi_device': {'config': [{'address': '1:0:7:0'}],
                                                                        'state': 'deleted'}, 'ignore_errors': True}],
                       sim=stacks)
    assert run.status('remove') == 'failed'
    expected = '1 command(s) at the HBA, 0 read(s)' if counter == 'device_busy' else '0 command(s) at the HBA, 1 read(s)'
    assert 'I/O still in flight after taking 1:0:7:0 offline: io: %s' % expected in run.task('remove')['msg']
    writes = [(w['path'].rsplit('/', 1)[1], w['data']) for w in stacks.writes(before)]
    assert writes == [('state', 'offline\n'), ('state', 'running\n')] and '1:0:7:0' in devices(stacks)


def test_playbook_add_next_to_a_wwid_less_lun_and_parse_garbage(stacks, playbook):
    add = {'config': [{'address': '1:0:9:0', 'wwid': 'naa.600a0980383044375200000000000009'}]}
    garbage = {'state': 'parsed', 'running_config': 'Attached devices:\nHost: scsiX Channel: 00 Id: 00'}
    run = playbook.run([{'name': 'add', 'iofabric.core.sdi_device': add},
                        {'name': 'gather', 'iofabric.core.sdi_device': {'state': 'gathered'}},
                        {'name': 'parse garbage', 'iofabric.core.sdi_device': garbage, 'ignore_errors': True}], sim=stacks)
    assert run.status('add') == 'ok' and run.task('add')['changed'] is True and '1:0:9:0' in devices(stacks)
    nowwn = [d for d in run.task('gather')['gathered'] if d['address'] == '1:0:8:0']
    assert nowwn and nowwn[0].get('wwid') is None and nowwn[0]['serial'] == 'nowwn'
    assert run.status('parse garbage') == 'failed'
    assert run.task('parse garbage')['msg'].startswith('running_config: line 2 is not "Host: scsiH')
