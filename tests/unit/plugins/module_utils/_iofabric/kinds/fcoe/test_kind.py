"""FcoeKind's phases on a real network namespace (conftest.py: veth links, a macvlan over one) and a sysfs tree built in a
temporary sysroot: validate names the field, read_live returns its reading in Live.view, plan leaves what apply
and verify need in the plan's context, and facts reads only its arguments."""


import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.kind import PlanInput
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.kind import FcoeKind, FcoeOptions
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.live import real_device
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StoreDocument
from tests.lib.sysfs_tree import fcoe_host


@pytest.fixture
def root(tmp_path):
    """The FCoE bus (ctlr_create, ctlr_destroy) and /etc/fcoe, as plain files: writes land, nothing reacts."""
    bus = tmp_path / 'sys/bus/fcoe'
    (bus / 'devices').mkdir(parents=True)
    for name in ('ctlr_create', 'ctlr_destroy'):
        (bus / name).write_text('')
    (tmp_path / 'etc/fcoe').mkdir(parents=True)
    (tmp_path / 'etc/fcoe/cfg-ethx').write_text('FCOE_ENABLE="yes"\n')   # fcoe-utils' template: never an object
    return tmp_path


def make_kind(root, netns, **options) -> FcoeKind:
    sysroot = Sysroot(str(root))
    return FcoeKind(sysroot, Runner(sysroot, netns=netns), netns,
                    FcoeOptions(**dict({'dcb_timeout': 0, 'destroy_timeout': 0}, **options)))


def planned(kind, config: list, document=None, state: str = 'merged'):
    """validate, read_live and plan as the pipeline runs them (state=merged: every declaration complete)."""
    document = document or StoreDocument('fcoe')
    items = kind.validate(config, state, ['config[%d]' % n for n in range(len(config))])
    live = kind.read_live(document)
    want = {interface: kind.complete(spec) for interface, spec in items}
    return live, kind.plan(PlanInput(want, [], live, document, state)), document


def test_validate_names_the_field(root, netns):
    kind = make_kind(root, netns)
    with pytest.raises(ValidationError) as caught:
        kind.validate([{'interface': 'eth1'}, {'interface': 'eth2', 'mode': 'loop'}], 'merged', ['config[0]', 'config[1]'])
    assert str(caught.value).startswith('config[1].mode')
    with pytest.raises(ValidationError) as caught:
        kind.validate([{'interface': '-eth1'}], 'merged', ['config[0]'])
    assert str(caught.value).startswith('config[0].interface')


def test_read_live_returns_its_reading_in_the_view(root, netns):
    fcoe_host(root, 'host3', 'ctlr_0', 'eth1')
    (root / 'etc/fcoe/cfg-eth1').write_text('FCOE_ENABLE="yes"\nDCB_REQUIRED="no"\n')
    (root / 'etc/fcoe/cfg-eth2').write_text('FCOE_ENABLE="no"\n')
    live = make_kind(root, netns).read_live(StoreDocument('fcoe'))
    assert sorted(live.objects) == ['eth1', 'eth2']
    assert (live.objects['eth1']['dcb_required'], live.objects['eth1']['mode']) == (False, 'fabric')
    assert live.objects['eth2']['enabled'] is False
    assert (live.view.instances['eth1'].host, live.view.instances['eth1'].ctlr) == ('host3', 'ctlr_0')
    assert sorted(live.view.cfg) == ['eth1', 'eth2'] and 'DCB_REQUIRED' in live.view.cfg['eth1']
    # The real device under a macvlan is its lower link (IFLA_LINK), not a name's guess.
    assert real_device(live.view.links, 'fcoe0') == 'eth1' and real_device(live.view.links, 'eth2') == 'eth2'
    assert real_device(live.view.links, 'eth9') is None


def test_plan_creates_waits_and_reads_dcb_on_the_real_device(root, netns):
    kind = make_kind(root, netns, check_mode=True)
    live, plan, document = planned(kind, [{'interface': 'eth1', 'dcb_required': False},
                                          {'interface': 'eth2', 'dcb_required': False}, {'interface': 'fcoe0'}])
    assert [(a.object, a.op) for a in plan.actions] == [
        ('eth1', 'write-config'), ('eth1', 'create'), ('eth1', 'enable'), ('eth2', 'write-config'),
        ('fcoe0', 'write-config')]
    assert [(p.object, p.waiting_for) for p in plan.pending] == [('eth2', 'link'), ('fcoe0', 'dcb')]
    assert plan.context.decisions['eth1'].action == 'create' and plan.context.decisions['eth2'].waits_for == 'link'
    # fcoe0's DCB is eth1's: a veth has none in the kernel, which is a failed step (a retry), recorded.
    assert plan.context.dcb_states['fcoe0']['device'] == 'eth1' and 'eth1 is not DCB-capable' in plan.pending[1].reason
    # What the store keeps of it goes to verify, which hands it to the pipeline; planning writes nothing.
    kept = plan.context.observations
    assert isinstance(kept['fcoe0']['unmet_since'], float) and kept['fcoe0']['next_retry'] > kept['fcoe0']['unmet_since']
    assert kept['eth1']['unmet_since'] is None and kept['eth1']['retries'] is None   # None: the store drops the key
    assert document.observations == {}
    assert sorted(plan.context.config_text) == ['eth1', 'eth2', 'fcoe0']


def test_plan_a_missing_netdev(root, netns):
    kind = make_kind(root, netns, check_mode=True)
    with pytest.raises(ValidationError) as caught:
        planned(kind, [{'interface': 'eth1'}, {'interface': 'eth9'}])
    assert str(caught.value).startswith('config[1].interface: eth9 does not exist')
    _live, plan, _document = planned(kind, [{'interface': 'eth1.200'}])
    assert [(p.object, p.waiting_for) for p in plan.pending] == [('eth1.200', 'netif')]
    assert plan.warnings and 'FIP VLAN discovery' in plan.warnings[0]


def test_facts_read_only_their_arguments(root, netns):
    fcoe_host(root, 'host3', 'ctlr_0', 'eth1')
    live, plan, _document = planned(make_kind(root, netns, check_mode=True), [{'interface': 'fcoe0'}])
    stranger = make_kind(root, netns)
    facts = stranger.facts(live, plan)
    assert facts['instances']['eth1'] == {'ctlr': 'ctlr_0', 'host': 'host3', 'enabled': True, 'mode': 'fabric',
                                          'port_state': 'Online'}
    assert list(facts['dcb']) == ['fcoe0'] and facts['dcb']['fcoe0']['device'] == 'eth1'
    assert stranger.facts(live, None)['dcb'] == {}


def test_apply_and_verify_on_the_tree(root, netns):
    """The writes land where the kernel takes them; nothing in a plain tree reacts, which verify reports: no fc_host
    after the create (a failure), the instance still there after the destroy (pending on the kernel)."""
    fcoe_host(root, 'host3', 'ctlr_0', 'eth2')
    kind = make_kind(root, netns)
    _live, plan, document = planned(kind, [{'interface': 'eth1', 'dcb_required': False},
                                           {'interface': 'eth2', 'enabled': False}])
    assert [(a.object, a.op) for a in plan.actions] == [
        ('eth1', 'write-config'), ('eth1', 'create'), ('eth1', 'enable'), ('eth2', 'write-config'), ('eth2', 'destroy')]
    for action in plan.actions:
        if action.op == 'enable':   # no controller appeared for eth1 in a plain tree
            with pytest.raises(IofabricError, match='no FCoE controller found for eth1 after create'):
                kind.apply(action, plan, document)
            action.status = 'failed'
            continue
        kind.apply(action, plan, document)
        action.status = 'done'
    assert (root / 'etc/fcoe/cfg-eth1').read_text().count('DCB_REQUIRED="no"') == 1
    assert (root / 'sys/bus/fcoe/ctlr_create').read_text() == 'eth1'
    assert (root / 'sys/bus/fcoe/ctlr_destroy').read_text() == 'eth2'
    assert document.observation('eth2')['destroying']
    verified = kind.verify(dict(plan.predicted), [], plan, document)
    assert verified.observations is plan.context.observations and sorted(verified.observations) == ['eth1', 'eth2']
    assert [(f.object, f.error) for f in verified.failures] == [
        ('eth1', 'no fc_host whose symbolic name ends in " over eth1" after create')]
    assert [(p.object, p.waiting_for) for p in verified.pending] == [('eth2', 'kernel')]
    assert verified.after['eth2']['enabled'] is False and kind.extras['instances']['eth2']['host'] == 'host3'
