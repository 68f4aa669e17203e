"""SdiKind's phases, each on its own: validate names the field; read_live reads a sysfs tree built here;
plan refuses what is in use (and what it cannot see) and adds only on a host that can hot-plug; apply
checks the device afresh before offline and before delete; apply + verify on fabricsim's SCSI driver.
Offline states: state=parsed reads /proc/scsi/scsi or raises the project's ParseError naming the line."""

from __future__ import annotations

import os
import shutil

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ParseError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.kind import PlanInput
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.kind import RefusedError, SdiKind, SdiOptions
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StoreDocument

PROC_SCSI = ('Attached devices:\n'
             'Host: scsi1 Channel: 00 Id: 03 Lun: 01\n'
             '  Vendor: NETAPP   Model: LUN C-Mode       Rev: 9800\n'
             '  Type:   Direct-Access                    ANSI  SCSI revision: 06\n')
LUN = '1:0:3:0'
WWID = 'naa.600a098038304437522b4d6c70583130'
SERIAL = '80D7R+MlpX10'


class Tree:
    """A sysfs/proc tree as the kernel lays it out for one FC host and its LUNs (scsi_sysfs.c, genhd.c)."""

    def __init__(self, tmp_path):
        self.root = str(tmp_path)
        self.sysroot = Sysroot(self.root)
        self.put('/proc/self/mountinfo', '22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n')
        self.put('/proc/swaps', 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n')

    def path(self, system_path: str) -> str:
        return os.path.join(self.root, system_path.lstrip('/'))

    def put(self, system_path: str, text: str, mode: int = 0o644) -> None:
        path = self.path(system_path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='ascii') as handle:
            handle.write(text)
        os.chmod(path, mode)

    def read(self, system_path: str) -> str:
        with open(self.path(system_path), encoding='ascii') as handle:
            return handle.read()

    def host(self, number: int, state: str = 'running', scan_mode: int = 0o200) -> None:
        base = '/sys/class/scsi_host/host%d' % number
        self.put(base + '/state', state + '\n')
        self.put(base + '/proc_name', 'qla2xxx\n')
        self.put(base + '/scan', '', scan_mode)

    def lun(self, address: str, disk: str | None, minor: int, vendor: str = 'NETAPP  ', wwid: str = WWID,
            serial: str = SERIAL, partitions: int = 0) -> None:
        base = '/sys/class/scsi_device/%s/device' % address
        for name, text in (('state', 'running\n'), ('vendor', vendor + '\n'), ('model', 'LUN C-Mode      \n'),
                           ('rev', '9800\n'), ('type', '0\n'), ('wwid', wwid + '\n'), ('device_busy', '0\n')):
            self.put('%s/%s' % (base, name), text)
        page = bytes([0, 0x80, 0, len(serial)]) + serial.encode('ascii')
        os.makedirs(self.path(base), exist_ok=True)
        with open(self.path(base + '/vpd_pg80'), 'wb') as handle:
            handle.write(page)
        if disk is None:
            return
        os.makedirs(self.path('%s/block/%s' % (base, disk)))
        self.put('/sys/block/%s/dev' % disk, '8:%d\n' % minor)
        self.put('/sys/block/%s/inflight' % disk, '       0        0\n')
        os.makedirs(self.path('/sys/block/%s/holders' % disk))
        for number in range(1, partitions + 1):
            self.put('/sys/block/%s/%s%d/dev' % (disk, disk, number), '8:%d\n' % (minor + number))

    def mount(self, major_minor: str, source: str, target: str) -> None:
        self.put('/proc/self/mountinfo', self.read('/proc/self/mountinfo')
                 + '90 22 %s / %s rw,relatime shared:9 - xfs %s rw\n' % (major_minor, target, source))


@pytest.fixture
def tree(tmp_path):
    tree = Tree(tmp_path)
    tree.host(1)
    tree.lun(LUN, 'sdb', 16, partitions=1)
    return tree


def item(address, **extra):
    return dict(dict(address=address, wwid=None, vendor=None, model=None, serial=None, force=None), **extra)


def phases_input(kind, state: str, config: list) -> tuple:
    """validate and read_live as the pipeline runs them; want and deletes as state merged/deleted make them."""
    items = kind.validate(config, state, ['config[%d]' % n for n in range(len(config))])
    live = kind.read_live(StoreDocument('sdi'))
    want = {} if state == 'deleted' else dict(items)
    deletes = [address for address, _spec in items] if state == 'deleted' else []
    return want, deletes, live


def planned(kind, state: str, config: list):
    want, deletes, live = phases_input(kind, state, config)
    return live, kind.plan(PlanInput(want, deletes, live, StoreDocument('sdi'), state))


# -- validate -------------------------------------------------------------------------------
@pytest.mark.parametrize('config, field', [
    ({'address': '1:0:3'}, 'tasks[2].config[1].address'),
    ({'address': '-1:0:0:0'}, 'tasks[2].config[1].address'),
    ({}, 'tasks[2].config[1].address'),
    ({'address': LUN, 'wwid': 'wwn-0x5000'}, 'tasks[2].config[1].wwid'),
    ({'address': LUN, 'wwid': WWID, 'vendor': 'NETAPP'}, 'tasks[2].config[1].wwid'),
    ({'address': LUN, 'vendor': 'A VENDOR TOO LONG'}, 'tasks[2].config[1].vendor'),
    ({'address': LUN, 'force': 'yes'}, 'tasks[2].config[1].force'),
    ({'address': LUN, 'colour': 'red'}, 'tasks[2].config[1].colour'),
])
def test_validate_names_the_field_of_the_bad_item(config, field):
    with pytest.raises(ValidationError) as caught:
        SdiKind(None, None).validate([{'address': '0:0:0:0'}, config], 'merged',
                                     ['tasks[2].config[0]', 'tasks[2].config[1]'])
    assert caught.value.field == field


def test_validate_normalizes_and_keeps_the_scope_and_force():
    kind = SdiKind(None, None)
    items = kind.validate([{'address': '01:0:3:00', 'force': True}, {'address': 2 * '7' + ':0:0:1'}], 'overridden',
                          ['config[0]', 'config[1]'])
    assert [address for address, _spec in items] == ['1:0:3:0', '77:0:0:1']
    assert kind.in_scope('1:0:9:9', {}) and not kind.in_scope('2:0:0:0', {})
    assert kind.forced == {'1:0:3:0': True, '77:0:0:1': False}


# -- read_live -------------------------------------------------------------------------------
def test_read_live_reads_identity_stripped_and_the_disk_with_its_partitions(tree):
    tree.lun('1:0:3:1', None, 0, vendor='LIO-ORG', wwid='', serial='')
    live = SdiKind(tree.sysroot, None).read_live(StoreDocument('sdi'))
    assert live.objects == {
        LUN: {'address': LUN, 'wwid': WWID, 'vendor': 'NETAPP', 'model': 'LUN C-Mode', 'serial': SERIAL},
        '1:0:3:1': {'address': '1:0:3:1', 'wwid': None, 'vendor': 'LIO-ORG', 'model': 'LUN C-Mode', 'serial': None}}
    device = live.view.devices[LUN]
    assert (device.disk, device.partitions, device.type, device.state) == ('sdb', ['sdb1'], 0, 'running')
    assert live.view.devices['1:0:3:1'].disk is None


def test_facts_read_the_devices_read_live_saw_and_every_host(tree):
    tree.host(2, state='blocked')
    kind = SdiKind(tree.sysroot, None)
    live = kind.read_live(StoreDocument('sdi'))
    tree.lun('1:0:3:7', 'sdz', 112)   # attached after read_live: not in the facts of this run
    facts = kind.facts(live, None)
    assert facts['devices'] == {LUN: {'state': 'running', 'disk': 'sdb', 'partitions': ['sdb1']}}
    assert facts['hosts'] == [{'host': 1, 'proc_name': 'qla2xxx', 'state': 'running', 'hotplug': True},
                              {'host': 2, 'proc_name': 'qla2xxx', 'state': 'blocked', 'hotplug': False}]


# -- plan: removals ---------------------------------------------------------------------------
def test_an_unused_disk_is_flushed_taken_offline_and_deleted(tree):
    _live, plan = planned(SdiKind(tree.sysroot, None), 'deleted', [item(LUN)])
    assert [(a.op, a.detail) for a in plan.actions] == [
        ('flush', {'device': '/dev/sdb'}), ('offline', {'force': False}), ('delete', {'force': False})]
    assert plan.failures == [] and plan.predicted == {}


def test_a_mounted_partition_is_refused_and_force_overrides_it(tree):
    tree.mount('8:17', '/dev/sdb1', '/data')
    kind = SdiKind(tree.sysroot, None)
    _live, plan = planned(kind, 'deleted', [item(LUN)])
    assert plan.actions == []
    assert plan.failures[0].error.startswith('refused to remove 1:0:3:0 (sdb): mount: sdb1 is mounted on /data')
    assert plan.failures[0].error.endswith('force: true overrides')
    assert kind.extras['refused'] == [{'address': LUN, 'disk': 'sdb', 'forced': False,
                                       'evidence': ['mount: sdb1 is mounted on /data']}]
    _live, forced = planned(SdiKind(tree.sysroot, None), 'deleted', [item(LUN, force=True)])
    assert [a.op for a in forced.actions] == ['flush', 'offline', 'delete'] and forced.failures == []
    assert 'forced over: mount: sdb1 is mounted on /data' in forced.actions[-1].reason


def test_the_disk_holding_root_is_never_removed_even_with_force(tree):
    tree.mount('8:17', '/dev/sdb1', '/')
    _live, plan = planned(SdiKind(tree.sysroot, None), 'deleted', [item(LUN, force=True)])
    assert plan.actions == [] and 'never removed, even with force' in plan.failures[0].error
    assert plan.failures[0].details['evidence'] == ['protected: sdb1 is mounted on /']


@pytest.mark.parametrize('damage, seen', [
    (lambda tree: os.symlink('../dm-7', tree.path('/sys/block/sdb/holders/dm-7')),
     'unseen: sdb is held by dm-7, which has vanished or cannot be read'),
    (lambda tree: tree.put('/sys/class/scsi_device/1:0:3:0/device/device_busy', 'garbage\n'),
     "unseen: device_busy of 1:0:3:0 is 'garbage', not a count"),
    (lambda tree: os.remove(tree.path('/sys/block/sdb/dev')),
     'unseen: the device number of sdb (sdb) could not be read'),
])
def test_what_cannot_be_read_fails_closed_even_with_force(tree, damage, seen):
    damage(tree)
    _live, plan = planned(SdiKind(tree.sysroot, None), 'deleted', [item(LUN, force=True)])
    assert plan.actions == [] and 'never removed, even with force' in plan.failures[0].error
    assert seen in plan.failures[0].details['evidence']


def test_io_in_flight_is_refused_and_force_overrides_it(tree):
    tree.put('/sys/block/sdb/inflight', '       0        3\n')
    _live, plan = planned(SdiKind(tree.sysroot, None), 'deleted', [item(LUN)])
    assert plan.failures[0].details['evidence'] == ['io: 0 command(s) at the HBA, 0 read(s) and 3 write(s) in flight']
    _live, forced = planned(SdiKind(tree.sysroot, None), 'deleted', [item(LUN, force=True)])
    assert [a.op for a in forced.actions] == ['flush', 'offline', 'delete']


# -- plan: adds -------------------------------------------------------------------------------
def test_an_absent_lun_on_a_host_that_can_hot_plug_is_added_by_a_scan(tree):
    _live, plan = planned(SdiKind(tree.sysroot, None), 'merged', [item('1:0:4:2', vendor='LIO-ORG')])
    assert [(a.object, a.op, a.detail) for a in plan.actions] == [('1:0:4:2', 'add', {'host': 'host1', 'scan': '0 4 2'})]
    assert plan.predicted['1:0:4:2'] == {'address': '1:0:4:2', 'wwid': None, 'vendor': 'LIO-ORG', 'model': None,
                                         'serial': None}
    assert LUN in plan.predicted


@pytest.mark.parametrize('setup, error', [
    (lambda tree: None, 'cannot add 3:0:0:1: SCSI host 3 does not exist'),
    (lambda tree: tree.host(3, state='cancel'), 'cannot add 3:0:0:1: SCSI host 3 (qla2xxx) is cancel, not running'),
    (lambda tree: tree.host(3, scan_mode=0o444), 'cannot add 3:0:0:1: SCSI host 3 (qla2xxx) has no writable scan '
                                                 'attribute; it cannot hot-plug'),
])
def test_an_add_on_a_host_that_cannot_hot_plug_fails(tree, setup, error):
    setup(tree)
    _live, plan = planned(SdiKind(tree.sysroot, None), 'merged', [item('3:0:0:1')])
    assert plan.actions == [] and [(f.object, f.error) for f in plan.failures] == [('3:0:0:1', error)]


def test_a_present_device_of_another_identity_fails_and_one_without_its_disk_waits(tree):
    tree.lun('1:0:3:1', None, 0)
    _live, plan = planned(SdiKind(tree.sysroot, None), 'merged', [item(LUN, serial='nope'), item('1:0:3:1')])
    assert plan.actions == []
    assert plan.failures[0].error == ("the device at 1:0:3:0 is not the declared one: serial is %r, declared 'nope'"
                                      % SERIAL)
    assert [(p.object, p.waiting_for) for p in plan.pending] == [('1:0:3:1', 'kernel')]


# -- apply: the checks right before each write ------------------------------------------------
def test_a_mount_that_appears_after_the_plan_stops_the_offline_and_nothing_is_written(tree):
    kind = SdiKind(tree.sysroot, None)
    _live, plan = planned(kind, 'deleted', [item(LUN)])
    tree.mount('8:16', '/dev/sdb', '/late')
    offline = [a for a in plan.actions if a.op == 'offline'][0]
    with pytest.raises(RefusedError, match='still in use before taking 1:0:3:0 offline: mount: sdb is mounted on /late'):
        kind.apply(offline, plan, StoreDocument('sdi'))
    assert tree.read('/sys/class/scsi_device/1:0:3:0/device/state') == 'running\n'


def test_io_after_offline_puts_the_device_back_online_and_it_is_not_deleted(tree):
    kind = SdiKind(tree.sysroot, None)
    _live, plan = planned(kind, 'deleted', [item(LUN)])
    offline, delete = [a for a in plan.actions if a.op in ('offline', 'delete')]
    kind.apply(offline, plan, StoreDocument('sdi'))
    assert tree.read('/sys/class/scsi_device/1:0:3:0/device/state') == 'offline\n'
    tree.put('/sys/class/scsi_device/1:0:3:0/device/device_busy', '2\n')
    with pytest.raises(RefusedError, match='I/O still in flight after taking 1:0:3:0 offline'):
        kind.apply(delete, plan, StoreDocument('sdi'))
    assert tree.read('/sys/class/scsi_device/1:0:3:0/device/state') == 'running\n'
    assert not os.path.exists(tree.path('/sys/class/scsi_device/1:0:3:0/device/delete'))


def test_an_add_writes_the_scan_of_its_host(tree):
    kind = SdiKind(tree.sysroot, None)
    _live, plan = planned(kind, 'merged', [item('1:0:4:2')])
    kind.apply(plan.actions[0], plan, StoreDocument('sdi'))
    assert tree.read('/sys/class/scsi_host/host1/scan') == '0 4 2'


# -- apply + verify on fabricsim's SCSI driver -------------------------------------------------
def run_phases(kind, state: str, config: list):
    """Every phase in the pipeline's order, each action marked done as the pipeline does after apply."""
    want, deletes, live = phases_input(kind, state, config)
    document = StoreDocument('sdi')
    plan = kind.plan(PlanInput(want, deletes, live, document, state))
    for action in plan.actions:
        kind.apply(action, plan, document)
        action.status = 'done'
    return live, plan, kind.verify(want, deletes, plan, document)


def sim_kind(sim):
    sysroot = Sysroot(sim.root)
    return SdiKind(sysroot, Runner(sysroot), SdiOptions(attach_timeout=3, remove_timeout=3))


def test_on_fabricsim_an_add_is_verified_by_its_identity_and_a_removal_by_absence(sim):
    _live, plan, verified = run_phases(sim_kind(sim), 'merged', [item('1:0:4:0', wwid='naa.6001405a5e7c2d0001')])
    assert [a.op for a in plan.actions] == ['add'] and verified.failures == [] and verified.pending == []
    assert verified.after['1:0:4:0']['wwid'] == 'naa.6001405a5e7c2d0001'
    _live, plan, verified = run_phases(sim_kind(sim), 'deleted', [item('1:0:3:1')])
    assert [a.op for a in plan.actions] == ['flush', 'offline', 'delete'] and verified.failures == []
    assert '1:0:3:1' not in verified.after and not os.path.exists(sim.path('/sys/class/scsi_device/1:0:3:1'))


def test_on_fabricsim_a_device_of_another_identity_is_reported_and_left_attached(sim):
    _live, _plan, verified = run_phases(sim_kind(sim), 'merged', [item('1:0:4:0', vendor='NETAPP')])
    assert verified.failures[0].error.startswith("a device answered at 1:0:4:0 but it is not the declared one: vendor "
                                                 "is 'LIO-ORG', declared 'NETAPP'")
    assert '1:0:4:0' in verified.after


def test_on_fabricsim_an_empty_address_is_a_failure(sim):
    _live, _plan, verified = run_phases(sim_kind(sim), 'merged', [item('1:0:5:0')])
    assert [(f.object, f.error) for f in verified.failures] == [
        ('1:0:5:0', 'no device answered at 1:0:5:0 (scan "0 5 0" of host1)')]


# -- offline states ---------------------------------------------------------------------------
def test_rendered_names_the_scan_file_and_what_is_written():
    assert SdiKind(None, None).render([{'address': '1:0:3:1'}]) == {
        'rendered': [{'address': '1:0:3:1', 'file': '/sys/class/scsi_host/host1/scan', 'write': '0 3 1'}]}


def test_parsed_reads_the_kernel_format():
    assert SdiKind(None, None).parse(PROC_SCSI) == [{'address': '1:0:3:1', 'vendor': 'NETAPP', 'model': 'LUN C-Mode'}]


@pytest.mark.parametrize('text,line', [
    ('Host: scsiX Channel: 00 Id: 00 Lun: 00\n', 1),                       # int() of this was a bare ValueError
    ('Attached devices:\nHost: scsi1 Channel: 00 Id: 03\n', 2),           # too few fields
    ('Host: scsi1 Channel: 00 Id: 03 Lun: 01\n  Vendor: NETAPP\n', 2),    # Vendor without Model/Rev
    ('Attached devices:\ngarbage\n', 2),
])
def test_parsed_refuses_malformed_text_naming_the_line(text, line):
    with pytest.raises(ParseError) as caught:
        SdiKind(None, None).parse(text)
    assert str(caught.value).startswith('running_config: line %d ' % line)


# -- mutation testing (docs/mutation.md): what no test above pinned ------------------------------------
@pytest.mark.parametrize('op', ['a', 'bogus', 'zap'])   # sorting before, between and after the real ones
def test_an_unknown_action_is_refused_by_name_and_nothing_is_written(tree, op):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Action, Plan
    kind = SdiKind(tree.sysroot, None)
    with pytest.raises(IofabricError) as caught:
        kind.apply(Action(LUN, op, 'test', {'force': False, 'host': 'host1', 'scan': '0 3 0'}), Plan(), StoreDocument('sdi'))
    assert str(caught.value) == 'unknown action %s' % op
    assert tree.read('/sys/class/scsi_host/host1/scan') == ''
    assert tree.read('/sys/class/scsi_device/1:0:3:0/device/state') == 'running\n'
    assert not os.path.exists(tree.path('/sys/class/scsi_device/1:0:3:0/device/delete'))


@pytest.mark.parametrize('op, error', [('offline', '1:0:3:0 vanished before its removal; nothing written'),
                                       ('delete', '1:0:3:0 vanished before its delete; nothing written')])
def test_a_device_that_vanished_before_its_offline_or_delete_is_refused_naming_it(tree, op, error):
    import shutil
    kind = SdiKind(tree.sysroot, None)
    _live, plan = planned(kind, 'deleted', [item(LUN)])
    shutil.rmtree(tree.path('/sys/class/scsi_device/1:0:3:0'))
    with pytest.raises(RefusedError) as caught:
        kind.apply([a for a in plan.actions if a.op == op][0], plan, StoreDocument('sdi'))
    assert str(caught.value) == error
    assert not os.path.exists(tree.path('/sys/class/scsi_device/1:0:3:0'))   # nothing written (no file created)


def test_an_added_disk_sd_has_not_probed_within_the_timeout_is_pending_saying_how_long(tree):
    kind = SdiKind(tree.sysroot, None, SdiOptions(attach_timeout=0.2))
    want, deletes, live = phases_input(kind, 'merged', [item('1:0:4:2')])
    plan = kind.plan(PlanInput(want, deletes, live, StoreDocument('sdi'), 'merged'))
    tree.lun('1:0:4:2', None, 0)   # the scan attached it: a disk (type 0) whose block device sd has not made yet
    plan.actions[0].status = 'done'
    verified = kind.verify(want, deletes, plan, StoreDocument('sdi'))
    assert verified.failures == []
    assert [(p.object, p.reason, p.waiting_for) for p in verified.pending] == [
        ('1:0:4:2', 'the scsi_device 1:0:4:2 is attached, but sd has not probed its disk yet (no block device) after 0.2 s',
         'kernel')]


def test_a_model_that_names_model_again_is_read_whole():
    text = 'Host: scsi1 Channel: 00 Id: 03 Lun: 01\n  Vendor: ACME     Model: X Model: Y      Rev: 1.0\n'
    assert SdiKind(None, None).parse(text) == [{'address': '1:0:3:1', 'vendor': 'ACME', 'model': 'X Model: Y'}]


def test_a_vendor_that_names_vendor_again_is_read_whole():
    text = 'Host: scsi1 Channel: 00 Id: 03 Lun: 01\n  Vendor: Vendor:X Model: Y        Rev: 1.0\n'
    assert SdiKind(None, None).parse(text) == [{'address': '1:0:3:1', 'vendor': 'Vendor:X', 'model': 'Y'}]


def verified_after(kind, tree, state: str, config: list, before_verify=lambda: None):
    """Plan, mark every action done as the pipeline does after apply (nothing written here), then verify."""
    want, deletes, live = phases_input(kind, state, config)
    plan = kind.plan(PlanInput(want, deletes, live, StoreDocument('sdi'), state))
    for action in plan.actions:
        action.status = 'done'
    before_verify()
    return kind.verify(want, deletes, plan, StoreDocument('sdi'))


def test_an_added_device_that_is_no_disk_is_settled_without_waiting_for_a_block_device(tree):
    """A CD-ROM (type 5) gets no sd block device: verify must not wait for one. With an attach timeout of
    10 minutes, a verify that waited would hang this test (nothing here measures time)."""
    def attach():
        tree.lun('1:0:4:2', None, 0)
        tree.put('/sys/class/scsi_device/1:0:4:2/device/type', '5\n')
    verified = verified_after(SdiKind(tree.sysroot, None, SdiOptions(attach_timeout=600)), tree, 'merged',
                              [item('1:0:4:2')], attach)
    assert verified.failures == [] and verified.pending == []
    assert '1:0:4:2' in verified.after


def test_every_add_that_failed_is_reported_not_only_the_first(tree):
    def attach():
        tree.lun('1:0:4:3', 'sdc', 32, serial='OTHER')   # answers, but not the declared one
    verified = verified_after(SdiKind(tree.sysroot, None, SdiOptions(attach_timeout=0.2)), tree, 'merged',
                              [item('1:0:4:2'), item('1:0:4:3', serial=SERIAL)], attach)
    assert [(f.object, f.error.split(':')[0]) for f in verified.failures] == [
        ('1:0:4:2', 'no device answered at 1'), ('1:0:4:3', 'a device answered at 1')]


def test_a_device_still_present_after_its_delete_fails_saying_how_long_it_was_awaited(tree):
    verified = verified_after(SdiKind(tree.sysroot, None, SdiOptions(remove_timeout=0.2)), tree, 'deleted', [item(LUN)])
    assert [(f.object, f.error) for f in verified.failures] == [(LUN, 'still present 0.2 s after delete')]


@pytest.mark.parametrize('text', ['Host: scsi1 Channel: 00 Id: 03 Lun: 01 ' + 'x' * 200 + '\n',
                                  'Host: scsi1 Channel: 00 Id: 03 Lun: 01\n  Vendor: ' + 'x' * 200 + '\n',
                                  'Attached devices:\n' + 'x' * 200 + '\n'])
def test_a_malformed_line_is_quoted_up_to_120_characters(text):
    bad = [line for line in text.splitlines() if 'x' * 10 in line][0]
    with pytest.raises(ParseError) as caught:
        SdiKind(None, None).parse(text)
    assert str(caught.value).endswith(': %r' % bad[:120])


def test_a_present_device_without_its_disk_waits_saying_so(tree):
    tree.lun('1:0:3:1', None, 0)
    _live, plan = planned(SdiKind(tree.sysroot, None), 'merged', [item('1:0:3:1')])
    assert [(p.object, p.reason) for p in plan.pending] == [
        ('1:0:3:1', 'the scsi_device 1:0:3:1 is attached, but sd has not probed its disk yet (no block device)')]


def test_a_removals_reason_names_the_state_asked_for(tree):
    _live, plan = planned(SdiKind(tree.sysroot, None), 'deleted', [item(LUN)])
    assert [(a.op, a.reason) for a in plan.actions if a.op != 'offline'] == [('flush', 'state=deleted'), ('delete', 'state=deleted')]


def test_a_declared_identity_that_sorts_before_the_devices_is_a_mismatch_too(tree):
    _live, plan = planned(SdiKind(tree.sysroot, None), 'merged', [item(LUN, serial='0000', vendor='AAAA')])
    assert plan.actions == [] and plan.failures[0].error == (
        "the device at 1:0:3:0 is not the declared one: vendor is 'NETAPP', declared 'AAAA'; serial is %r, declared '0000'"
        % SERIAL)


def test_an_undeclared_device_overridden_removes_is_not_forced_over_its_use(tree):
    """state=overridden removes the devices of the declared hosts that are not declared: those were never
    declared with force, so anything in use among them is refused."""
    tree.mount('8:17', '/dev/sdb1', '/data')
    kind = SdiKind(tree.sysroot, None)
    items = kind.validate([{'address': '1:0:3:1', 'force': True}], 'overridden', ['config[0]'])
    live = kind.read_live(StoreDocument('sdi'))
    plan = kind.plan(PlanInput(dict(items), [LUN], live, StoreDocument('sdi'), 'overridden'))
    assert [a for a in plan.actions if a.object == LUN] == []
    assert plan.failures[0].object == LUN and plan.failures[0].error.endswith('force: true overrides')


def test_an_add_that_cannot_be_made_leaves_the_others_planned(tree):
    _live, plan = planned(SdiKind(tree.sysroot, None), 'merged', [item('0:0:0:1'), item('1:0:4:2')])
    assert [(f.object, f.error) for f in plan.failures] == [('0:0:0:1', 'cannot add 0:0:0:1: SCSI host 0 does not exist')]
    assert [(a.object, a.op) for a in plan.actions] == [('1:0:4:2', 'add')]


def test_a_run_that_applies_nothing_verifies_on_the_devices_read_live_read(tree):
    """An unchanged re-run reads each device once (1,024 LUNs read twice doubled it): verify takes what read_live
    read when nothing was applied; a device that went away since is seen by the next run."""
    kind = SdiKind(tree.sysroot, None)
    live, plan = planned(kind, 'merged', [item(LUN)])
    assert not plan.actions
    shutil.rmtree(tree.path('/sys/class/scsi_device/%s' % LUN))
    assert LUN in kind.verify({LUN: live.objects[LUN]}, [], plan, StoreDocument('sdi')).after


# -- session 6 of the mutation measure (docs/mutation.md) ------------------------------------------------------------
def test_a_refusal_names_only_what_force_cannot_override_when_there_is_such(tree):
    tree.mount('8:17', '/dev/sdb1', '/')
    tree.put('/sys/block/sdb/inflight', '       0        3\n')
    kind = SdiKind(tree.sysroot, None)
    _live, plan = planned(kind, 'deleted', [item(LUN)])
    assert [(f.object, f.error) for f in plan.failures] == [
        (LUN, 'refused to remove 1:0:3:0 (sdb): protected: sdb1 is mounted on /; that is never removed, even with force')]
    assert plan.failures[0].details['evidence'] == ['protected: sdb1 is mounted on /',
                                                    'io: 0 command(s) at the HBA, 0 read(s) and 3 write(s) in flight']
    assert kind.extras['refused'][0]['forced'] is False


def test_a_refusal_of_overridable_use_names_all_of_it_and_says_force_overrides(tree):
    tree.mount('8:17', '/dev/sdb1', '/data')
    tree.put('/sys/block/sdb/inflight', '       0        3\n')
    _live, plan = planned(SdiKind(tree.sysroot, None), 'deleted', [item(LUN)])
    assert [f.error for f in plan.failures] == [
        'refused to remove 1:0:3:0 (sdb): mount: sdb1 is mounted on /data; io: 0 command(s) at the HBA, 0 read(s) and 3 '
        'write(s) in flight; force: true overrides']


def test_a_device_without_a_disk_is_removed_without_a_flush(tree):
    tree.lun('1:0:3:5', None, 0)
    tree.put('/sys/class/scsi_device/1:0:3:5/device/type', '1\n')   # a tape: no sd block device, nothing to flush
    _live, plan = planned(SdiKind(tree.sysroot, None), 'deleted', [item('1:0:3:5')])
    assert [(a.object, a.op) for a in plan.actions] == [('1:0:3:5', 'offline'), ('1:0:3:5', 'delete')]


def test_an_add_only_run_waits_for_the_attach_timeout_not_the_removal_one(tree):
    """remove_timeout 600 s: a verify that waited for it would hang this test into the mutation timeout (nothing
    here measures time); an add that never answers fails after the attach timeout."""
    verified = verified_after(SdiKind(tree.sysroot, None, SdiOptions(attach_timeout=0.2, remove_timeout=600)), tree,
                              'merged', [item('1:0:4:2')])
    assert [(f.object, f.error) for f in verified.failures] == [
        ('1:0:4:2', 'no device answered at 1:0:4:2 (scan "0 4 2" of host1)')]


def test_a_removal_only_run_waits_for_the_removal_timeout_not_the_attach_one(tree):
    verified = verified_after(SdiKind(tree.sysroot, None, SdiOptions(attach_timeout=600, remove_timeout=0.2)), tree,
                              'deleted', [item(LUN)])
    assert [(f.object, f.error) for f in verified.failures] == [(LUN, 'still present 0.2 s after delete')]


def test_refusals_are_reported_in_address_order(tree):
    tree.lun('1:0:10:0', 'sdc', 32)
    tree.mount('8:32', '/dev/sdc', '/data')
    tree.mount('8:16', '/dev/sdb', '/srv')
    kind = SdiKind(tree.sysroot, None)
    _live, plan = planned(kind, 'deleted', [item('1:0:10:0'), item(LUN)])
    assert [r['address'] for r in kind.extras['refused']] == [LUN, '1:0:10:0']   # by number: 3 before 10
    assert [f.object for f in plan.failures] == [LUN, '1:0:10:0']


def test_the_kinds_default_waits_are_the_modules_documented_defaults():
    """The registry makes an SdiKind with the default SdiOptions (fabric_info, the reconciler): its waits are the
    ones sdi_device documents and its argument spec defaults to."""
    import yaml
    from ansible_collections.iofabric.core.plugins.modules import sdi_device
    documented = yaml.safe_load(sdi_device.DOCUMENTATION)['options']
    options = SdiKind(None, None).options
    assert (options.attach_timeout, options.remove_timeout) == (documented['attach_timeout']['default'],
                                                                documented['remove_timeout']['default'])
    assert (options.attach_timeout, options.remove_timeout) == (sdi_device.ARGUMENT_SPEC['attach_timeout']['default'],
                                                                sdi_device.ARGUMENT_SPEC['remove_timeout']['default'])


def test_an_added_device_whose_type_cannot_be_read_is_settled_and_not_awaited_as_a_disk(tree):
    """No type attribute (read as None): not known to be a disk, so no block device is awaited (attach timeout 600 s:
    a verify that waited would hang this test; nothing here measures time) and nothing fails."""
    def attach():
        tree.lun('1:0:4:2', None, 0)
        os.unlink(tree.path('/sys/class/scsi_device/1:0:4:2/device/type'))
    verified = verified_after(SdiKind(tree.sysroot, None, SdiOptions(attach_timeout=600)), tree, 'merged',
                              [item('1:0:4:2')], attach)
    assert verified.failures == [] and verified.pending == []
    assert '1:0:4:2' in verified.after


def test_a_mount_that_appears_after_offline_is_refused_as_a_use_not_as_io(tree):
    kind = SdiKind(tree.sysroot, None)
    _live, plan = planned(kind, 'deleted', [item(LUN)])
    offline, delete = [a for a in plan.actions if a.op in ('offline', 'delete')]
    kind.apply(offline, plan, StoreDocument('sdi'))
    tree.mount('8:16', '/dev/sdb', '/late')
    with pytest.raises(RefusedError) as caught:
        kind.apply(delete, plan, StoreDocument('sdi'))
    assert str(caught.value) == ('still in use after taking 1:0:3:0 offline: mount: sdb is mounted on /late; put back '
                                 'online, not deleted')
    assert tree.read('/sys/class/scsi_device/1:0:3:0/device/state') == 'running\n'


@pytest.mark.parametrize('status', ['failed', 'skipped', 'planned'])
def test_only_deletes_that_were_done_are_awaited_and_reported(tree, status):
    """A delete refused at its recheck (failed), skipped after an earlier failure or never run is not awaited: the
    device is still there, as it should be, and the pipeline reports why from the action itself."""
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import DONE, FAILED, PLANNED, SKIPPED
    kind = SdiKind(tree.sysroot, None, SdiOptions(remove_timeout=0.2))
    want, deletes, live = phases_input(kind, 'deleted', [item(LUN)])
    plan = kind.plan(PlanInput(want, deletes, live, StoreDocument('sdi'), 'deleted'))
    for action in plan.actions:
        action.status = DONE if action.op != 'delete' else {'failed': FAILED, 'skipped': SKIPPED, 'planned': PLANNED}[status]
    verified = kind.verify(want, deletes, plan, StoreDocument('sdi'))
    assert verified.failures == [] and LUN in verified.after


def test_an_add_sd_has_not_probed_leaves_the_next_add_verified(tree):
    def attach():
        tree.lun('1:0:4:2', None, 0)   # a disk without its block device yet: pending
    verified = verified_after(SdiKind(tree.sysroot, None, SdiOptions(attach_timeout=0.2)), tree, 'merged',
                              [item('1:0:4:2'), item('1:0:4:3')], attach)
    assert [p.object for p in verified.pending] == ['1:0:4:2']
    assert [(f.object, f.error) for f in verified.failures] == [
        ('1:0:4:3', 'no device answered at 1:0:4:3 (scan "0 4 3" of host1)')]


@pytest.mark.parametrize('status', ['failed', 'skipped', 'planned'])
def test_a_run_whose_actions_all_failed_or_never_ran_verifies_on_what_read_live_read(tree, status):
    """Nothing applied, nothing changed by this run: verify takes read_live's devices (a LUN attached meanwhile by
    someone else is seen by the next run), as for a run without actions."""
    kind = SdiKind(tree.sysroot, None, SdiOptions(remove_timeout=0.2))
    want, deletes, live = phases_input(kind, 'deleted', [item(LUN)])
    plan = kind.plan(PlanInput(want, deletes, live, StoreDocument('sdi'), 'deleted'))
    for action in plan.actions:
        action.status = status
    tree.lun('1:0:3:7', 'sdz', 112)
    verified = kind.verify(want, deletes, plan, StoreDocument('sdi'))
    assert sorted(verified.after) == [LUN]


@pytest.mark.parametrize('status', ['failed', 'skipped', 'planned'])
def test_an_add_that_failed_or_never_ran_is_neither_awaited_nor_reported_again(tree, status):
    """Only adds that ran are awaited and checked: one that failed already carries its apply error, one skipped or
    still planned attached nothing. Verified as added, it would add a second failure ('no device answered')."""
    kind = SdiKind(tree.sysroot, None, SdiOptions(attach_timeout=0.2))
    want, deletes, live = phases_input(kind, 'merged', [item('1:0:4:2')])
    plan = kind.plan(PlanInput(want, deletes, live, StoreDocument('sdi'), 'merged'))
    assert [a.op for a in plan.actions] == ['add']
    for action in plan.actions:
        action.status = status
    verified = kind.verify(want, deletes, plan, StoreDocument('sdi'))
    assert verified.failures == [] and verified.pending == []
    assert '1:0:4:2' not in verified.after


def test_a_holder_that_appears_after_offline_is_refused_as_a_use_not_as_io(tree):
    kind = SdiKind(tree.sysroot, None)
    _live, plan = planned(kind, 'deleted', [item(LUN)])
    offline, delete = [a for a in plan.actions if a.op in ('offline', 'delete')]
    kind.apply(offline, plan, StoreDocument('sdi'))
    tree.put('/sys/block/dm-0/dev', '253:0\n')   # 'holder' sorts before 'io'
    os.makedirs(tree.path('/sys/block/dm-0/holders'))
    os.symlink('../../dm-0', tree.path('/sys/block/sdb/holders/dm-0'))
    with pytest.raises(RefusedError) as caught:
        kind.apply(delete, plan, StoreDocument('sdi'))
    assert str(caught.value) == 'still in use after taking 1:0:3:0 offline: holder: sdb -> dm-0 holds it; put back online, not deleted'
