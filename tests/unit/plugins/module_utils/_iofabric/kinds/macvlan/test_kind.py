"""The macvlan kind's phases on the real kernel: a network namespace of our own with veth lower links.

Each phase is given what the one before returned (Live, Plan) as the pipeline does; nothing is mocked."""

import itertools
import json
import os
import subprocess

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.macvlan import spec as mspec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.macvlan.kind import MacvlanKind
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from tests.lib.phases import planned

pytestmark = pytest.mark.netns
_NUMBERS = itertools.count()
MACHINE_ID = '5f3c1e0d2b6a4c8e9f7d1a2b3c4d5e6f'


def ip(netns: str, *args: str) -> str:
    return subprocess.run(['ip', '-n', netns] + list(args), check=True, capture_output=True, text=True).stdout


def macvlans(netns: str) -> dict:
    links = json.loads(ip(netns, '-j', '-d', 'link', 'show'))
    return {link['ifname']: link for link in links if link.get('linkinfo', {}).get('info_kind') == 'macvlan'}


@pytest.fixture
def netns():
    """A fresh namespace with two lowers, eth1 and eth2: veth pairs (MTU 1500, up; the kernel here has no dummy)."""
    name = 'iofu-mv-%d-%d' % (os.getpid(), next(_NUMBERS))
    subprocess.run(['ip', 'netns', 'add', name], check=True, capture_output=True)
    try:
        for lower in ('eth1', 'eth2'):
            ip(name, 'link', 'add', lower, 'type', 'veth', 'peer', 'name', lower + 'p')
            ip(name, 'link', 'set', lower + 'p', 'up')
            ip(name, 'link', 'set', lower, 'up')
        yield name
    finally:
        subprocess.run(['ip', 'netns', 'del', name], check=False, capture_output=True)


@pytest.fixture
def host(tmp_path, netns):
    (tmp_path / 'etc').mkdir()
    (tmp_path / 'etc/machine-id').write_text(MACHINE_ID + '\n')
    root = Sysroot(str(tmp_path))
    return root, netns, StateStore(root)


def applied(kind, document, config: list, state: str = 'merged'):
    """Every phase up to verify; returns (plan, verification)."""
    live, plan = planned(kind, document, config, state)
    for action in plan.actions:
        kind.apply(action, plan, document)
        action.status = 'done'
    want = dict(plan.context.want)
    deletes = [action.object for action in plan.actions if action.op == 'delete' and action.object not in want]
    verified = kind.verify(want, deletes, plan, document)
    for object_id, fields in verified.observations.items():   # as the pipeline records them
        document.observe(object_id, **fields)
    return plan, verified


@pytest.mark.parametrize('item, field', [
    ({'type': 'macvlan'}, 'config[0].lower'),
    ({'type': 'macvlan', 'lower': 'eth1', 'primary': {}}, 'config[0].primary'),
    ({'type': 'macvlan', 'lower': 'eth1', 'mode': 'bridged'}, 'config[0].mode'),
    ({'type': 'macvlan', 'lower': 'eth1', 'mtu': 40}, 'config[0].mtu'),
    ({'type': 'macvlan', 'lower': 'eth1', 'name': 'eth1'}, 'config[0].name'),
    ({'type': 'macvlan', 'lower': '-eth1'}, 'config[0].lower'),
    ({'type': 'macvlan', 'lower': 'eth1', 'mac': '01:00:5e:00:00:01'}, 'config[0].mac'),
])
def test_validate_names_the_field(item, field):
    with pytest.raises(ValidationError) as info:
        MacvlanKind(None).validate([item], 'merged', ['config[0]'])
    assert info.value.field == field


def test_read_live_finds_a_tagged_link_under_its_declaration_whatever_its_name(host):
    root, netns, store = host
    ip(netns, 'link', 'add', 'renamed0', 'link', 'eth1', 'type', 'macvlan', 'mode', 'private')
    ip(netns, 'link', 'property', 'add', 'dev', 'renamed0', 'altname', mspec.tag_for('data0'))
    ip(netns, 'link', 'add', 'mv7', 'link', 'eth2', 'type', 'macvlan', 'mode', 'vepa')
    kind = MacvlanKind(root, netns)
    kind.validate([{'type': 'macvlan', 'name': 'data0', 'lower': 'eth1'}], 'merged', ['config[0]'])
    with store.locked():
        live = kind.read_live(store.load('macvlan'))
    assert sorted(live.objects) == ['data0', 'mv7']
    assert live.objects['data0'] == {'type': 'macvlan', 'name': 'renamed0', 'lower': 'eth1', 'mode': 'private',
                                     'mac': live.view.link_of['data0'].address, 'mtu': 1500}
    assert live.objects['mv7']['lower'] == 'eth2' and live.objects['mv7']['mode'] == 'vepa'
    assert {link.name for link in live.view.links.values()} >= {'lo', 'eth1', 'eth2', 'renamed0', 'mv7'}
    # overridden's scope: a tagged link wherever it is, an untagged one only over a declared lower.
    assert kind.in_scope('data0', live.objects['data0'])
    assert not kind.in_scope('mv7', live.objects['mv7'])
    kind.validate([{'type': 'macvlan', 'lower': 'eth2'}], 'overridden', ['config[0]'])
    assert kind.in_scope('mv7', live.objects['mv7'])


def test_plan_allocates_a_name_and_derives_the_mac_without_touching_the_host(host):
    root, netns, store = host
    kind = MacvlanKind(root, netns)
    config = [{'type': 'macvlan', 'lower': 'eth1'}, {'type': 'macvlan', 'lower': 'eth1', 'mode': 'private', 'mtu': 1400}]
    with store.locked():
        _live, plan = planned(kind, store.load('macvlan'), config)
    assert [(action.object, action.op, action.detail['name']) for action in plan.actions] == [
        ('auto:eth1#0', 'create', 'vnic0'), ('auto:eth1#1', 'create', 'vnic1')]
    detail = plan.actions[0].detail
    assert detail['mac'] == mspec.derived_mac(MACHINE_ID, 'auto:eth1#0') and detail['tag'] == mspec.tag_for('auto:eth1#0')
    assert plan.predicted['auto:eth1#1'] == {'type': 'macvlan', 'name': 'vnic1', 'lower': 'eth1', 'mode': 'private',
                                             'mac': plan.actions[1].detail['mac'], 'mtu': 1400}
    assert plan.predicted['auto:eth1#0']['mtu'] == 1500   # the lower's
    assert {object_id: lower.name for object_id, lower in plan.context.lowers.items()} == {
        'auto:eth1#0': 'eth1', 'auto:eth1#1': 'eth1'}
    assert kind.extras['allocated_names'] == {'auto:eth1#0': 'vnic0', 'auto:eth1#1': 'vnic1'}
    assert plan.failures == [] and macvlans(netns) == {}


def test_plan_fails_a_missing_lower_and_an_mtu_above_the_lower(host):
    root, netns, store = host
    kind = MacvlanKind(root, netns)
    config = [{'type': 'macvlan', 'name': 'a0', 'lower': 'eth9'}, {'type': 'macvlan', 'name': 'b0', 'lower': 'eth1', 'mtu': 9000}]
    with store.locked():
        _live, plan = planned(kind, store.load('macvlan'), config)
    failures = {failure.object: failure.error for failure in plan.failures}
    assert failures['a0'] == 'lower link eth9 does not exist'
    assert 'mtu 9000 is above the MTU of its lower link eth1 (1500)' in failures['b0']
    assert plan.actions == [] and plan.predicted == {}


def test_apply_and_verify_create_for_real_then_a_rerun_plans_nothing(host):
    root, netns, store = host
    config = [{'type': 'macvlan', 'name': 'data0', 'lower': 'eth1', 'mode': 'private'}, {'type': 'macvlan', 'lower': 'eth2'}]
    with store.locked():
        document = store.load('macvlan')
        kind = MacvlanKind(root, netns)
        plan, verified = applied(kind, document, config)
        kind.record(document, plan.context.want, [], 'merged')
        assert verified.failures == [] and verified.pending == []
        live = macvlans(netns)
        assert sorted(live) == ['data0', 'vnic0']
        assert live['data0']['linkinfo']['info_data']['mode'] == 'private' and live['data0']['operstate'] != 'DOWN'
        assert mspec.tag_for('data0') in live['data0']['altnames']
        assert verified.after['data0']['name'] == 'data0' and verified.after['auto:eth2#0']['lower'] == 'eth2'
        # verify recorded what identifies the links now: a later rename of either is recognised.
        eth1 = json.loads(ip(netns, '-j', 'link', 'show', 'eth1'))[0]
        assert document.observation('data0')['lower'] == {'name': 'eth1', 'index': eth1['ifindex'],
                                                          'address': eth1['address'], 'perm_address': None}
        assert document.observation('auto:eth2#0')['name'] == 'vnic0'
        _live, again = planned(MacvlanKind(root, netns), document, config)
        assert again.actions == [] and again.failures == []


def test_drift_is_planned_and_repaired_on_the_link_read_live_saw(host):
    root, netns, store = host
    config = [{'type': 'macvlan', 'name': 'data0', 'lower': 'eth1', 'mode': 'bridge', 'mtu': 1400}]
    with store.locked():
        document = store.load('macvlan')
        applied(MacvlanKind(root, netns), document, config)
        ip(netns, 'link', 'set', 'data0', 'down')
        ip(netns, 'link', 'set', 'data0', 'name', 'other0')
        ip(netns, 'link', 'set', 'other0', 'type', 'macvlan', 'mode', 'vepa')
        ip(netns, 'link', 'set', 'other0', 'mtu', '1300')
        kind = MacvlanKind(root, netns)
        _live, plan = planned(kind, document, config)
        assert [action.op for action in plan.actions] == ['rename', 'set-mode', 'set-mtu', 'set-up']
        assert 'renamed outside iofabric to other0' in plan.actions[0].reason
        # merged keeps what the declaration does not give from the live link: here, none of the drift.
        _live, merged = planned(MacvlanKind(root, netns), document, [{'type': 'macvlan', 'name': 'data0', 'lower': 'eth1'}])
        assert [action.op for action in merged.actions] == ['rename', 'set-up']
        plan, verified = applied(MacvlanKind(root, netns), document, config)
        assert verified.failures == []
        link = macvlans(netns)['data0']
        assert (link['mtu'], link['linkinfo']['info_data']['mode'], link['operstate'] != 'DOWN') == (1400, 'bridge', True)


def test_a_renamed_lower_is_followed_by_its_recorded_identity(host):
    root, netns, store = host
    config = [{'type': 'macvlan', 'name': 'data0', 'lower': 'eth1'}]
    with store.locked():
        document = store.load('macvlan')
        applied(MacvlanKind(root, netns), document, config)
        ip(netns, 'link', 'set', 'eth1', 'name', 'uplink0')
        _live, plan = planned(MacvlanKind(root, netns), document, config)
    assert plan.actions == [] and plan.failures == []
    assert any('lower link eth1 of data0 was renamed to uplink0 (same ifindex and MAC)' in warning for warning in plan.warnings)


def test_overridden_deletes_the_tagged_and_those_over_a_declared_lower_only(host):
    root, netns, store = host
    with store.locked():
        document = store.load('macvlan')
        applied(MacvlanKind(root, netns), document, [{'type': 'macvlan', 'name': 'old0', 'lower': 'eth2'}])
        ip(netns, 'link', 'add', 'mine1', 'link', 'eth1', 'type', 'macvlan')   # untagged, over a declared lower
        ip(netns, 'link', 'add', 'mine2', 'link', 'eth2', 'type', 'macvlan')   # untagged, elsewhere: not ours
        kind = MacvlanKind(root, netns)
        config = [{'type': 'macvlan', 'name': 'new0', 'lower': 'eth1'}]
        plan, verified = applied(kind, document, config, 'overridden')
        assert sorted((action.object, action.op) for action in plan.actions) == [
            ('mine1', 'delete'), ('new0', 'create'), ('old0', 'delete')]
        assert all(action.reason == 'not declared (state overridden)' for action in plan.actions if action.op == 'delete')
        assert verified.failures == []
    assert sorted(macvlans(netns)) == ['mine2', 'new0']


def test_the_kind_keeps_only_its_construction_and_validation(host):
    root, netns, store = host
    kind = MacvlanKind(root, netns)
    with store.locked():
        applied(kind, store.load('macvlan'), [{'type': 'macvlan', 'name': 'data0', 'lower': 'eth1'}])
    assert set(vars(kind)) == {'extras', 'runner', 'sysroot', 'netns', 'items', 'declared_lowers'}
