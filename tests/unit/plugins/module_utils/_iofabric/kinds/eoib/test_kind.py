"""EoibKind's phases, each on its own: validate makes one object per parent; read_live reads mlx4_vnic's
files, the vendor config and /proc from a tree built here (and the guests from fabricsim); plan removes a
stale child only after its grace, and nothing while a guest source cannot be read or another collector
runs; apply writes the vendor line and the child request; verify confirms by the cmd files and keeps the
pass's grace records; record replaces only the parents it names."""

from __future__ import annotations

import os
import time

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.kind import Live, PlanInput
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib import mlx4_vnicd as vendor
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib import spec as espec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.sources import GuestView
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.kind import EoibKind
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.live import EoibView, read_parents
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state import cfgfile
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StoreDocument

NOW = 1_800_000_000.0
OWN = '00:25:8b:27:14:78'
VM1, VM2, TAP, BRIDGE = '52:54:00:a1:00:01', '52:54:00:a1:00:02', '52:54:00:a1:00:04', '52:54:00:ff:00:01'
CHILDREN = {OWN: 'eth4.c1', VM1: 'eth4.c2', VM2: 'eth4.c3', TAP: 'eth4.c4', BRIDGE: 'eth4.c5'}


class Tree:
    """mlx4_vnic's flat files (vnic<N>-info, vnic<N>-child, vnic-<name>-cmd), its daemon's config and /proc."""

    def __init__(self, tmp_path):
        self.root = str(tmp_path)
        self.sysroot = Sysroot(self.root)

    def path(self, system_path: str) -> str:
        return os.path.join(self.root, system_path.lstrip('/'))

    def put(self, system_path: str, text: str) -> None:
        os.makedirs(os.path.dirname(self.path(system_path)), exist_ok=True)
        with open(self.path(system_path), 'w', encoding='ascii', newline='') as handle:
            handle.write(text)

    def read(self, system_path: str) -> str:
        with open(self.path(system_path), encoding='ascii', newline='') as handle:
            return handle.read()

    def parent(self, name: str, number: int, mac: str, children: dict) -> None:
        module = '/sys/module/mlx4_vnic/'
        self.put(module + 'vnic%d-info' % number, 'NETDEV_NAME   %s\nIOA_PORT      mlx4_0:1\nMAC           %s\n'
                 % (name, mac.upper()))
        self.put(module + 'vnic%d-child' % number, '')
        for child_mac, child in children.items():
            self.child(name, child, child_mac)

    def child(self, parent: str, name: str, mac: str) -> None:
        self.put('/sys/module/mlx4_vnic/vnic-%s-cmd' % name, 'name=%s mac=%s vnic_id=1 parent=%s\n'
                 % (name, mac.upper(), parent))

    def daemon(self, pid: int, argv: list) -> None:
        self.put('/proc/%d/comm' % pid, 'mlx4_vnicd\n')
        self.put('/proc/%d/cmdline' % pid, '\0'.join(argv) + '\0')


@pytest.fixture
def tree(tmp_path):
    tree = Tree(tmp_path)
    tree.parent('eth4', 1, OWN, CHILDREN)
    return tree


def settings(**params) -> dict:
    return espec.normalize(dict({'parents': ['eth4'], 'grace': {'seconds': 60, 'observations': 2},
                                 'confirm_timeout': 0.3}, **params))


def guests(**values) -> GuestView:
    """What the guest sources said about eth4: vm1 attached by libvirt, vm4's macvtap, the host's bridge."""
    view = GuestView('eth4', own_mac=OWN, checked=['libvirt: 3 running domains'])
    view.add(VM1, 'libvirt domain vm1 (vnet0 on br0)')
    view.add(TAP, 'libvirt domain vm4 (macvtap0 on eth4)')
    view.local = {TAP: 'macvtap0 (macvtap)', BRIDGE: 'br0 (bridge)'}
    for key, value in values.items():
        setattr(view, key, value)
    return view


def seen(tree, guest_view=None, error='') -> Live:
    """A live state as read_live leaves it once the guest sources answered (or not) for eth4."""
    parents = {name: parent for name, parent in read_parents(tree.sysroot).items() if name == 'eth4'}
    view = EoibView(cfgfile.read(tree.sysroot, vendor.CONFIG), vendor.running(tree.sysroot), parents,
                    {'eth4': guest_view}, error=error)
    return Live({name: parent.shape() for name, parent in parents.items()}, view)


def planned(kind, live: Live, document=None):
    document = document or StoreDocument('eoib')
    want = dict(kind.validate([kind.settings], 'merged', ['config[0]']))
    return kind.plan(PlanInput(want, [], live, document, 'merged'))


def stale_for(seconds: float, seen_count: int, *macs) -> StoreDocument:
    document = StoreDocument('eoib')
    document.observe('eth4', stale={mac: {'since': NOW - seconds, 'seen': seen_count} for mac in macs})
    return document


# -- validate ---------------------------------------------------------------------------------
def test_validate_makes_one_object_per_parent_with_the_shared_settings():
    kind = EoibKind(None, None, None, settings(parents=['eth6', 'eth4']))
    items = kind.validate([kind.settings], 'merged', ['config[0]'])
    assert [object_id for object_id, _spec in items] == ['eth4', 'eth6']
    assert items[0][1] == {'parent': 'eth4', 'source': ['auto'], 'libvirt_uri': None, 'confirm_timeout': 0.3,
                           'grace': {'seconds': 60, 'observations': 2}}
    every = EoibKind(None, None, None, settings(parents='all'))
    assert [object_id for object_id, _spec in every.validate([every.settings], 'merged', ['config[0]'])] == ['*']


@pytest.mark.parametrize('params, field', [
    ({'parents': ['eth4', '-eth5']}, 'parents[1]'),
    ({'parents': ['all', 'eth4']}, 'parents'),
    ({'grace': {'seconds': -1}}, 'grace.seconds'),
    ({'source': ['auto', 'bridge']}, 'source'),
    ({'vendor_daemon': {'state': 'unmanaged', 'interval': 5}}, 'vendor_daemon.interval'),
])
def test_the_settings_a_kind_is_built_with_name_the_bad_field(params, field):
    with pytest.raises(ValidationError) as caught:
        settings(**params)
    assert caught.value.field == field


# -- read_live --------------------------------------------------------------------------------
def test_without_the_module_nothing_is_read_and_plan_says_why(tmp_path):
    tree = Tree(tmp_path)
    tree.put(vendor.CONFIG, 'mlx4_vnicd=yes gc_enable=no\n')
    named = EoibKind(tree.sysroot, None, None, settings())
    live = named.read_live(StoreDocument('eoib'))
    assert live.objects == {} and live.view.error == 'the mlx4_vnic module is not loaded (no /sys/module/mlx4_vnic)'
    assert live.view.vendor_text == 'mlx4_vnicd=yes gc_enable=no\n'
    plan = planned(named, live)
    assert [(f.object, f.error) for f in plan.failures] == [('eth4', live.view.error)] and plan.actions == []
    every = EoibKind(tree.sysroot, None, None, settings(parents='all'))
    plan = planned(every, every.read_live(StoreDocument('eoib')))
    assert plan.failures == [] and plan.warnings == ['nothing to collect: ' + live.view.error]


def test_read_live_keeps_only_the_parents_asked_for_and_sees_the_vendor_daemon(tree):
    tree.daemon(4242, ['/usr/bin/python3', '/sbin/mlx4_vnicd', 'gc_enable=no', 'interval=5'])
    kind = EoibKind(tree.sysroot, None, None, settings(parents=['eth9']))
    live = kind.read_live(StoreDocument('eoib'))
    assert live.objects == {} and live.view.parents == {} and live.view.error == ''
    assert [(d.pid, d.params) for d in live.view.daemons] == [(4242, {'gc_enable': 'no', 'interval': '5'})]
    plan = planned(kind, live)
    assert plan.failures[0].object == 'eth9'
    assert plan.failures[0].error.startswith('no EoIB vNic named eth9')


# -- plan -------------------------------------------------------------------------------------
def test_a_stale_child_waits_for_its_grace_and_the_others_are_kept_with_the_reason(tree):
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()))
    assert plan.actions == [] and [(p.object, p.waiting_for) for p in plan.pending] == [('eth4', 'grace')]
    reasons = {entry['mac']: entry['reason'] for entry in kind.extras['kept']}
    assert reasons[OWN] == "the parent's own MAC"
    assert reasons[VM1] == 'attached' and reasons[TAP] == 'attached'   # a macvtap's MAC is its guest's
    assert reasons[BRIDGE] == 'the MAC of local link br0 (bridge): never collected'
    assert reasons[VM2] == 'in grace: stale for 1 of 2 observation(s) and 0 of 60 s'
    assert [(s['mac'], s['would_remove']) for s in kind.extras['stale']] == [(VM2, False)]
    assert plan.context.staleness['eth4'][VM2].record() == {'since': NOW, 'seen': 1}


def test_after_its_grace_a_stale_child_is_removed_through_its_parents_child_file(tree):
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()), stale_for(61, 1, VM2))
    assert [(a.object, a.op, a.detail) for a in plan.actions] == [
        ('eth4', 'remove_child', {'mac': VM2, 'child': 'eth4.c3', 'file': 'vnic1-child', 'write': '-' + VM2})]
    assert plan.actions[0].reason == 'no guest NIC attached to eth4 has this MAC (libvirt: 3 running domains)'
    assert VM2 not in plan.predicted['eth4']['children'] and VM1 in plan.predicted['eth4']['children']
    assert kind.extras['stale'][0]['would_remove'] is True


@pytest.mark.parametrize('guest_view, error, why', [
    (guests(error='libvirt: cannot connect to test:///default'), '', 'libvirt: cannot connect to test:///default'),
    (None, 'rtnetlink: EPERM', 'rtnetlink: EPERM'),
])
def test_an_unreadable_guest_source_removes_nothing_and_keeps_its_records(tree, guest_view, error, why):
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guest_view, error), stale_for(600, 5, VM2))
    assert plan.actions == []
    assert [(p.object, p.reason, p.waiting_for) for p in plan.pending] == [
        ('eth4', 'nothing removed under eth4: ' + why, 'guest source')]
    assert {entry['mac']: entry['reason'] for entry in kind.extras['kept']} == {
        mac: 'guest source unreadable: ' + why for mac in CHILDREN}
    assert plan.context.unreadable == {'eth4'} and plan.context.staleness == {}


def test_while_mlx4_vnicd_collects_nothing_is_removed(tree):
    tree.daemon(77, ['/sbin/mlx4_vnicd', 'gc_enable=yes'])
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()), stale_for(61, 1, VM2))
    assert plan.actions == [] and plan.failures[0].object == 'mlx4_vnicd'
    assert plan.failures[0].error.startswith('mlx4_vnicd (pid 77) is running with its garbage collector on')
    assert kind.extras['stale'][0]['would_remove'] is False
    assert kind.extras['vendor_daemon']['running'] == [{'pid': 77, 'gc_enable': 'yes', 'collects': True}]


def test_collector_off_rewrites_the_daemons_line_and_then_collects(tree):
    tree.put(vendor.CONFIG, '# site\r\nmlx4_vnicd=yes gc_enable=yes interval=5\r\n')
    kind = EoibKind(tree.sysroot, None, None, settings(vendor_daemon={'state': 'collector_off'}), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()), stale_for(61, 1, VM2))
    assert [(a.object, a.op) for a in plan.actions] == [('mlx4_vnicd', 'configure'), ('eth4', 'remove_child')]
    assert plan.actions[0].detail == {'path': vendor.CONFIG, 'line': 'mlx4_vnicd=yes gc_enable=no interval=5'}
    assert plan.context.vendor_new.render() == 'mlx4_vnicd=yes gc_enable=no interval=5'
    assert plan.diffs[0]['after'] == '# site\nmlx4_vnicd=yes gc_enable=no interval=5\n'
    assert kind.extras['vendor_daemon']['config_line'] == 'mlx4_vnicd=yes gc_enable=no interval=5'


@pytest.mark.parametrize('config, vendor_daemon, error', [
    ('mlx4_vnicd=yes\nmlx4_vnicd=no\n', 'unmanaged', 'vendor_daemon: /etc/infiniband/mlx4_vnic.conf has 2 '
                                                     'mlx4_vnicd= lines'),
    ('mlx4_vnicd=yes gc_enable=yes\n', 'unmanaged', '/etc/infiniband/mlx4_vnic.conf starts mlx4_vnicd with its '
                                                    'garbage collector on'),
])
def test_a_config_that_collects_or_cannot_be_read_stops_every_removal(tree, config, vendor_daemon, error):
    tree.put(vendor.CONFIG, config)
    kind = EoibKind(tree.sysroot, None, None, settings(vendor_daemon={'state': vendor_daemon}), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()), stale_for(61, 1, VM2))
    assert plan.actions == [] and plan.failures[0].object == 'mlx4_vnicd'
    assert plan.failures[0].error.startswith(error)


def test_collector_on_only_reports(tree):
    kind = EoibKind(tree.sysroot, None, None, settings(vendor_daemon={'state': 'collector_on'}), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()), stale_for(61, 1, VM2))
    assert [a.op for a in plan.actions] == ['configure'] and plan.failures == []
    reasons = {entry['mac']: entry['reason'] for entry in kind.extras['kept']}
    assert reasons[VM2] == 'vendor_daemon.state=collector_on: mlx4_vnicd collects; eoib_gc only reports'


# -- apply ------------------------------------------------------------------------------------
def test_configure_replaces_only_the_daemons_line_keeping_crlf(tree):
    tree.put(vendor.CONFIG, '# site\r\nmlx4_vnicd=yes gc_enable=yes\r\n')
    kind = EoibKind(tree.sysroot, None, None, settings(vendor_daemon={'state': 'collector_off'}), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()))
    kind.apply(plan.actions[0], plan, StoreDocument('eoib'))
    assert tree.read(vendor.CONFIG) == '# site\r\nmlx4_vnicd=yes gc_enable=no\r\n'


def test_remove_child_writes_the_request_and_refuses_anything_but_a_mac(tree):
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()), stale_for(61, 1, VM2))
    action = plan.actions[0]
    kind.apply(action, plan, StoreDocument('eoib'))
    assert tree.read('/sys/module/mlx4_vnic/vnic1-child') == '-' + VM2
    tree.put('/sys/module/mlx4_vnic/vnic1-child', '')
    action.detail['mac'] = VM2 + ' -52:54:00:a1:00:01'
    with pytest.raises(ValidationError):
        kind.apply(action, plan, StoreDocument('eoib'))
    assert tree.read('/sys/module/mlx4_vnic/vnic1-child') == ''


# -- verify and record ------------------------------------------------------------------------
def applied(kind, tree, document):
    plan = planned(kind, seen(tree, guests()), document)
    for action in plan.actions:
        kind.apply(action, plan, document)
        action.status = 'done'
    return plan


def recorded(document, verified, parent: str) -> dict:
    """What the store keeps for a parent once the pipeline has recorded verify's observations."""
    for object_id, fields in verified.observations.items():
        document.observe(object_id, **fields)
    return document.observation(parent)


def test_a_removal_the_cmd_files_confirm_is_removed_and_its_grace_record_dropped(tree):
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    document = stale_for(61, 1, VM2)
    plan = applied(kind, tree, document)
    os.remove(tree.path('/sys/module/mlx4_vnic/vnic-eth4.c3-cmd'))   # what mlx4_vnic does on '-<mac>'
    verified = kind.verify({}, [], plan, document)
    assert verified.pending == [] and verified.failures == []
    assert [(e['parent'], e['mac']) for e in kind.extras['removed']] == [('eth4', VM2)]
    assert VM2 not in verified.after['eth4']['children']
    assert VM2 in document.observation('eth4')['stale']   # verify returns observations; the pipeline records them
    assert recorded(document, verified, 'eth4') == {}


def test_an_unconfirmed_removal_is_pending_and_counted_for_the_next_pass(tree):
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    document = stale_for(61, 1, VM2)
    document.observe('eth4', unconfirmed={VM2: 2})
    plan = applied(kind, tree, document)
    verified = kind.verify({}, [], plan, document)
    assert [(p.object, p.waiting_for) for p in verified.pending] == [('eth4', 'mlx4_vnic')]
    assert kind.extras['unconfirmed'][0]['attempts'] == 3 and kind.extras['removed'] == []
    assert recorded(document, verified, 'eth4') == {'stale': {VM2: {'since': NOW - 61, 'seen': 2}}, 'unconfirmed': {VM2: 3}}


def test_a_pass_that_could_not_read_the_guests_leaves_the_grace_records_as_they_were(tree):
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    document = stale_for(600, 5, VM2)
    before = dict(document.observation('eth4'))
    plan = planned(kind, seen(tree, guests(error='xenstore: EACCES')), document)
    verified = kind.verify({}, [], plan, document)
    assert 'eth4' not in verified.observations and recorded(document, verified, 'eth4') == before


def test_a_guest_seen_again_loses_its_grace_record(tree):
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    document = stale_for(30, 1, VM2)
    attached = guests()
    attached.add(VM2, 'libvirt domain vm2 (vnet1 on br0)')
    plan = planned(kind, seen(tree, attached), document)
    verified = kind.verify({}, [], plan, document)
    assert recorded(document, verified, 'eth4') == {}


def test_record_replaces_only_the_parents_named_unless_all(tree):
    document = StoreDocument('eoib')
    for parent in ('eth4', 'eth5', 'eth6'):
        document.declare(parent, {'parent': parent})
    named = EoibKind(tree.sysroot, None, None, settings(parents=['eth4']))
    named.record(document, dict(named.validate([named.settings], 'merged', ['config[0]'])), [], 'merged')
    assert sorted(document.objects) == ['eth4', 'eth5', 'eth6'] and document.spec('eth4')['grace']['seconds'] == 60
    every = EoibKind(tree.sysroot, None, None, settings(parents='all'))
    every.record(document, dict(every.validate([every.settings], 'merged', ['config[0]'])), [], 'merged')
    assert sorted(document.objects) == ['*']


# -- facts ------------------------------------------------------------------------------------
def test_facts_show_each_parent_with_its_guests_and_the_line_the_plan_writes(tree):
    tree.put(vendor.CONFIG, 'mlx4_vnicd=yes\n')
    kind = EoibKind(tree.sysroot, None, None, settings(vendor_daemon={'state': 'disabled'}), clock=lambda: NOW)
    live = seen(tree, guests())
    gathered = kind.facts(live, None)
    assert gathered['parents']['eth4']['guest_macs'][VM1] == ['libvirt domain vm1 (vnet0 on br0)']
    assert gathered['parents']['eth4']['port'] == 'mlx4_0:1' and 'error' not in gathered
    assert gathered['vendor_daemon']['config_line'] == 'mlx4_vnicd=yes'
    planned_facts = kind.facts(live, planned(kind, live))
    assert planned_facts['vendor_daemon']['config_line'] == 'mlx4_vnicd=no'
    failed = kind.facts(seen(tree, guests(error='libvirt: down'), 'rtnetlink: EPERM'), None)
    assert failed['parents']['eth4']['source_error'] == 'libvirt: down' and failed['error'] == 'rtnetlink: EPERM'


# -- every phase on fabricsim: libvirt's test driver, real bridges in the simulator's namespace ------
def test_on_fabricsim_a_stopped_guests_mac_is_removed_and_the_others_stay(sim):
    sim.event('guest-stop', name='vm2')
    sysroot = Sysroot(sim.root)
    kind = EoibKind(sysroot, Runner(sysroot, netns=sim.netns), sim.netns,
                    settings(source=['libvirt'], grace={'seconds': 0, 'observations': 1}, confirm_timeout=3),
                    clock=time.time)
    document = StoreDocument('eoib')
    live = kind.read_live(document)
    assert sorted(live.view.guests['eth4'].macs) == [VM1, '52:54:00:a1:00:03']
    plan = planned(kind, live, document)
    assert [(a.op, a.detail['mac']) for a in plan.actions] == [('remove_child', VM2)]
    for action in plan.actions:
        kind.apply(action, plan, document)
        action.status = 'done'
    verified = kind.verify({}, [], plan, document)
    assert verified.pending == [] and verified.after['eth4']['children'] == [VM1, '52:54:00:a1:00:03']
    assert sorted(sim.state()['drivers']['mlx4_vnic']['eth4']['children']) == [VM1, '52:54:00:a1:00:03']


# -- mutation testing (docs/mutation.md): what no test above pinned ------------------------------------
@pytest.mark.parametrize('name', ['eth9', 'Eth9', 'ab0'])   # names that sort after and before 'all'
def test_a_parent_named_that_is_not_here_is_a_failure_and_no_other_is_read(tree, name):
    kind = EoibKind(tree.sysroot, None, None, settings(parents=[name]))
    live = kind.read_live(StoreDocument('eoib'))
    assert live.objects == {} and live.view.parents == {}
    plan = planned(kind, live)
    assert [f.object for f in plan.failures] == [name] and plan.warnings == []


@pytest.mark.parametrize('name', ['eth4', 'Eth4', 'ab0'])
def test_without_the_module_a_named_parent_fails_and_no_nothing_to_collect_warning_is_given(tmp_path, name):
    tree = Tree(tmp_path)
    kind = EoibKind(tree.sysroot, None, None, settings(parents=[name]))
    plan = planned(kind, kind.read_live(StoreDocument('eoib')))
    assert [f.object for f in plan.failures] == [name] and plan.warnings == []


def test_a_network_namespace_that_cannot_be_entered_keeps_every_child_and_says_why(tree):
    kind = EoibKind(tree.sysroot, None, 'iofabric-no-such-netns', settings(), clock=lambda: NOW)
    live = kind.read_live(StoreDocument('eoib'))
    assert live.view.guests == {'eth4': None}
    assert live.view.error.startswith('rtnetlink: cannot open rtnetlink in network namespace iofabric-no-such-netns: ')
    plan = planned(kind, live, stale_for(600, 5, VM2))
    assert plan.actions == [] and [p.reason for p in plan.pending] == ['nothing removed under eth4: ' + live.view.error]


def test_a_daemon_collecting_while_its_config_no_longer_does_is_to_be_restarted(tree):
    tree.put(vendor.CONFIG, 'mlx4_vnicd=yes gc_enable=no\n')
    tree.daemon(77, ['/sbin/mlx4_vnicd', 'gc_enable=yes'])
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()), stale_for(61, 1, VM2))
    assert plan.actions == [] and [f.object for f in plan.failures] == ['mlx4_vnicd']
    assert plan.failures[0].error.endswith('(it reads /etc/infiniband/mlx4_vnic.conf only when it starts: restart it)')


@pytest.mark.parametrize('op', ['a', 'bogus', 'zap'])   # sorting before, between and after the real ones
def test_an_unknown_action_is_refused_by_name_and_nothing_is_written(tree, op):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Action
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()))
    with pytest.raises(IofabricError) as caught:
        kind.apply(Action('eth4', op, 'test', {'mac': VM2, 'file': 'vnic1-child'}), plan, StoreDocument('eoib'))
    assert str(caught.value) == 'unknown action %s' % op
    assert tree.read('/sys/module/mlx4_vnic/vnic1-child') == ''


@pytest.mark.parametrize('status', ['failed', 'skipped', 'planned'])
def test_verify_confirms_only_the_removals_that_were_done(tree, status):
    """A configure done and a removal not done (its write failed, or it never ran) are no removals to confirm."""
    tree.put(vendor.CONFIG, 'mlx4_vnicd=yes gc_enable=yes\n')
    kind = EoibKind(tree.sysroot, None, None, settings(vendor_daemon={'state': 'collector_off'}), clock=lambda: NOW)
    document = stale_for(61, 1, VM2)
    plan = planned(kind, seen(tree, guests()), document)
    assert [a.op for a in plan.actions] == ['configure', 'remove_child']
    plan.actions[0].status, plan.actions[1].status = 'done', status
    verified = kind.verify({}, [], plan, document)
    assert kind.extras['removed'] == [] and kind.extras['unconfirmed'] == [] and verified.pending == []


def test_a_removal_the_cmd_files_already_confirm_is_not_waited_for(tree):
    """With a confirmation timeout of 10 minutes, a verify that did not see the removal confirmed would
    hang this test (nothing here measures time)."""
    kind = EoibKind(tree.sysroot, None, None, settings(confirm_timeout=600), clock=lambda: NOW)
    document = stale_for(61, 1, VM2)
    plan = applied(kind, tree, document)
    os.remove(tree.path('/sys/module/mlx4_vnic/vnic-eth4.c3-cmd'))
    kind.verify({}, [], plan, document)
    assert [e['mac'] for e in kind.extras['removed']] == [VM2]


@pytest.mark.parametrize('removed_under, kept_under', [('eth5', 'eth4'), ('eth4', 'eth5')])
def test_a_mac_removed_under_one_parent_keeps_its_grace_record_under_another(removed_under, kept_under):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.grace import observe
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.kind import EoibContext, pass_observations
    grace = {'seconds': 60, 'observations': 2}
    view = EoibView('', [], {'eth4': None, 'eth5': None}, {})
    context = EoibContext(view, staleness={'eth4': observe({}, {VM2}, grace, NOW), 'eth5': observe({}, {VM2}, grace, NOW)})
    observations = pass_observations(context, [{'parent': removed_under, 'mac': VM2}], [])
    assert observations == {kept_under: {'stale': {VM2: {'since': NOW, 'seen': 1}}, 'unconfirmed': None},
                            removed_under: {'stale': None, 'unconfirmed': None}}


def test_all_reads_every_parent(tree):
    tree.parent('eth5', 2, '00:25:8b:27:14:79', {})
    kind = EoibKind(tree.sysroot, None, None, settings(parents='all'))
    kind.settings['source'] = ['bridge']   # no libvirt here; the rtnetlink dump of this namespace is real
    live = kind.read_live(StoreDocument('eoib'))
    assert sorted(live.objects) == ['eth4', 'eth5']


def test_collector_on_given_as_a_string_built_at_run_time_only_reports(tree):
    """Ansible hands the module strings it built, never the interned literals of the code."""
    tree.daemon(77, ['/sbin/mlx4_vnicd', 'gc_enable=yes'])
    state = ''.join(['collector', '_on'])
    kind = EoibKind(tree.sysroot, None, None, settings(vendor_daemon={'state': state}), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()), stale_for(61, 1, VM2))
    assert plan.failures == [] and [a.op for a in plan.actions] == ['configure']


def test_a_local_links_mac_is_kept_even_when_a_guest_source_names_it_unless_a_macvtap(tree):
    view = guests()
    view.add(BRIDGE, 'libvirt domain odd (claims the bridge MAC)')
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    planned(kind, seen(tree, view))
    reasons = {entry['mac']: entry['reason'] for entry in kind.extras['kept']}
    assert reasons[BRIDGE] == 'the MAC of local link br0 (bridge): never collected'
    assert reasons[TAP] == 'attached'


@pytest.mark.parametrize('gone_from', ['eth5', 'eth4'])   # the parent sorting after, then before, the other
def test_a_removal_under_one_parent_leaves_the_same_mac_under_another_in_the_prediction(tree, gone_from):
    """A guest moved from one parent's bridge to the other's: its old child is stale, its new one attached."""
    tree.parent('eth5', 2, '00:25:8b:27:14:79', {VM2: 'eth5.c1'})
    parents = read_parents(tree.sysroot)
    views = {'eth4': guests(), 'eth5': GuestView('eth5', own_mac='00:25:8b:27:14:79', checked=['libvirt: 3 running domains'])}
    attached_to = 'eth4' if gone_from == 'eth5' else 'eth5'
    views[attached_to].add(VM2, 'libvirt domain vm2 (vnet1 on br0)')
    view = EoibView(cfgfile.read(tree.sysroot, vendor.CONFIG), vendor.running(tree.sysroot), parents, views)
    live = Live({name: parent.shape() for name, parent in parents.items()}, view)
    document = StoreDocument('eoib')
    document.observe(gone_from, stale={VM2: {'since': NOW - 61, 'seen': 1}})
    kind = EoibKind(tree.sysroot, None, None, settings(parents=['eth4', 'eth5']), clock=lambda: NOW)
    plan = planned(kind, live, document)
    assert [(a.object, a.detail['mac']) for a in plan.actions if a.detail['mac'] == VM2] == [(gone_from, VM2)]
    assert VM2 in plan.predicted[attached_to]['children'] and VM2 not in plan.predicted[gone_from]['children']


@pytest.mark.parametrize('names', [['eth4'], ['Eth9'], ['ab0', 'eth4']])   # names sorting after and before 'all'
def test_validate_names_each_object_by_its_parent(names):
    kind = EoibKind(None, None, None, settings(parents=names))
    assert [object_id for object_id, _spec in kind.validate([kind.settings], 'merged', ['config[0]'])] == sorted(names)


def test_a_confirmed_removal_after_a_configure_is_reported_removed(tree):
    tree.put(vendor.CONFIG, 'mlx4_vnicd=yes gc_enable=yes\n')
    kind = EoibKind(tree.sysroot, None, None, settings(vendor_daemon={'state': 'collector_off'}), clock=lambda: NOW)
    document = stale_for(61, 1, VM2)
    plan = applied(kind, tree, document)
    assert [a.op for a in plan.actions] == ['configure', 'remove_child']
    os.remove(tree.path('/sys/module/mlx4_vnic/vnic-eth4.c3-cmd'))
    kind.verify({}, [], plan, document)
    assert [(e['parent'], e['mac']) for e in kind.extras['removed']] == [('eth4', VM2)]


@pytest.mark.parametrize('before, after', [(None, 1), (2, 3), (3, 4)])
def test_each_unconfirmed_pass_adds_one_attempt(tree, before, after):
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    document = stale_for(61, 1, VM2)
    if before is not None:
        document.observe('eth4', unconfirmed={VM2: before})
    plan = applied(kind, tree, document)
    kind.verify({}, [], plan, document)
    assert kind.extras['unconfirmed'][0]['attempts'] == after


def test_a_parent_whose_sources_failed_is_left_out_and_the_next_one_still_observed():
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.grace import observe
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.kind import EoibContext, pass_observations
    view = EoibView('', [], {'eth4': None, 'eth5': None}, {})
    context = EoibContext(view, staleness={'eth5': observe({}, {VM2}, {'seconds': 60, 'observations': 2}, NOW)},
                          unreadable={'eth4'})
    assert pass_observations(context, [], []) == {'eth5': {'stale': {VM2: {'since': NOW, 'seen': 1}}, 'unconfirmed': None}}


@pytest.fixture
def netns():
    """A fresh network namespace on the real kernel, deleted after the test."""
    import subprocess
    name = 'iofu-eoib-%d' % os.getpid()
    subprocess.run(['ip', 'netns', 'add', name], check=True, capture_output=True)
    yield name
    subprocess.run(['ip', 'netns', 'del', name], check=False, capture_output=True)


@pytest.mark.netns
def test_the_bridge_source_alone_reads_the_forwarding_table(tree, netns):
    """eth4 in br0 with a port g0 whose far end is in no bridge; br0 was told VM2 is behind g0 (static entry)."""
    import subprocess

    def run(*argv):
        subprocess.run(list(argv), check=True, capture_output=True)
    run('ip', '-n', netns, 'link', 'add', 'eth4', 'type', 'veth', 'peer', 'name', 'eth4p')
    run('ip', '-n', netns, 'link', 'add', 'g0', 'type', 'veth', 'peer', 'name', 'g1')
    run('ip', '-n', netns, 'link', 'add', 'br0', 'type', 'bridge')
    for port in ('eth4', 'g0'):
        run('ip', '-n', netns, 'link', 'set', port, 'master', 'br0')
    run('bridge', '-n', netns, 'fdb', 'add', VM2, 'dev', 'g0', 'master', 'static')
    kind = EoibKind(tree.sysroot, None, netns, settings(source=['bridge']), clock=lambda: NOW)
    live = kind.read_live(StoreDocument('eoib'))
    assert live.view.guests['eth4'].macs[VM2] == ['bridge br0 learned %s on port g0' % VM2]


def test_the_configure_action_names_the_state_asked_for(tree):
    tree.put(vendor.CONFIG, 'mlx4_vnicd=yes gc_enable=yes\n')
    kind = EoibKind(tree.sysroot, None, None, settings(vendor_daemon={'state': 'collector_off'}), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()))
    assert [(a.op, a.reason) for a in plan.actions] == [('configure', 'vendor_daemon.state=collector_off')]


VM3 = '52:54:00:a1:00:03'


def test_only_the_removals_done_are_confirmed_and_reported(tree):
    tree.child('eth4', 'eth4.c6', VM3)
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    document = stale_for(61, 1, VM2, VM3)
    plan = planned(kind, seen(tree, guests()), document)
    assert sorted(a.detail['mac'] for a in plan.actions) == [VM2, VM3]
    for action in plan.actions:
        action.status = 'done' if action.detail['mac'] == VM2 else 'failed'
    os.remove(tree.path('/sys/module/mlx4_vnic/vnic-eth4.c3-cmd'))
    kind.verify({}, [], plan, document)
    assert [e['mac'] for e in kind.extras['removed']] == [VM2] and kind.extras['unconfirmed'] == []


def test_the_same_mac_removed_under_two_parents_is_reported_once_under_each(tree):
    tree.parent('eth5', 2, '00:25:8b:27:14:79', {VM2: 'eth5.c1'})
    parents = read_parents(tree.sysroot)
    elsewhere = GuestView('eth5', own_mac='00:25:8b:27:14:79', checked=['libvirt: 3 running domains'])
    view = EoibView(cfgfile.read(tree.sysroot, vendor.CONFIG), vendor.running(tree.sysroot), parents,
                    {'eth4': guests(), 'eth5': elsewhere})
    live = Live({name: parent.shape() for name, parent in parents.items()}, view)
    document = StoreDocument('eoib')
    for parent in ('eth4', 'eth5'):
        document.observe(parent, stale={VM2: {'since': NOW - 61, 'seen': 1}})
    kind = EoibKind(tree.sysroot, None, None, settings(parents=['eth4', 'eth5']), clock=lambda: NOW)
    plan = planned(kind, live, document)
    for action in plan.actions:
        action.status = 'done'
    for child in ('eth4.c3', 'eth5.c1'):
        os.remove(tree.path('/sys/module/mlx4_vnic/vnic-%s-cmd' % child))
    kind.verify({}, [], plan, document)
    removed = [(e['parent'], e['mac'], e['child']) for e in kind.extras['removed']]
    assert removed == [('eth4', VM2, 'eth4.c3'), ('eth5', VM2, 'eth5.c1')]


def test_a_daemon_line_already_as_asked_is_not_written_again(tree):
    tree.put(vendor.CONFIG, 'mlx4_vnicd=yes gc_enable=no\n')
    kind = EoibKind(tree.sysroot, None, None, settings(vendor_daemon={'state': 'collector_off'}), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()))
    assert plan.actions == [] and plan.diffs == [] and plan.context.vendor_new is None


def test_a_daemon_line_that_cannot_be_read_is_named_in_every_stale_childs_reason(tree):
    tree.put(vendor.CONFIG, 'mlx4_vnicd=yes\nmlx4_vnicd=no\n')
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()), stale_for(61, 1, VM2))
    assert plan.actions == []
    reasons = {entry['mac']: entry['reason'] for entry in kind.extras['kept']}
    assert reasons[VM2] == 'the /etc/infiniband/mlx4_vnic.conf line cannot be read'


def test_unmanaged_given_as_a_string_built_at_run_time_writes_no_daemon_line(tree):
    """Ansible hands the module strings it built: with no config file, unmanaged must still write none."""
    state = ''.join(['un', 'managed'])
    kind = EoibKind(tree.sysroot, None, None, settings(vendor_daemon={'state': state}), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()), stale_for(61, 1, VM2))
    assert [(a.object, a.op) for a in plan.actions] == [('eth4', 'remove_child')] and plan.diffs == []


def test_a_daemon_line_that_sorts_after_the_one_asked_for_is_rewritten(tree):
    """The line is compared for equality: 'mlx4_vnicd=no' becomes 'mlx4_vnicd=yes gc_enable=no', which sorts after it."""
    tree.put(vendor.CONFIG, 'mlx4_vnicd=no\n')
    kind = EoibKind(tree.sysroot, None, None, settings(vendor_daemon={'state': 'collector_off'}), clock=lambda: NOW)
    plan = planned(kind, seen(tree, guests()))
    assert [(a.op, a.detail['line']) for a in plan.actions] == [('configure', 'mlx4_vnicd=yes gc_enable=no')]


def test_a_local_links_child_sorting_first_leaves_the_next_children_read(tree):
    """The child of a local link (here a macvlan whose MAC sorts before every guest's) is kept, and the
    children after it are still looked at: the stale one is removed."""
    local = '02:00:00:00:00:01'
    tree.child('eth4', 'eth4.c0', local)
    view = guests()
    view.local = dict(view.local, **{local: 'mv0 (macvlan)'})
    kind = EoibKind(tree.sysroot, None, None, settings(), clock=lambda: NOW)
    plan = planned(kind, seen(tree, view), stale_for(61, 1, VM2))
    assert [a.detail['mac'] for a in plan.actions] == [VM2]
    reasons = {entry['mac']: entry['reason'] for entry in kind.extras['kept']}
    assert reasons[local] == 'the MAC of local link mv0 (macvlan): never collected' and reasons[VM1] == 'attached'
