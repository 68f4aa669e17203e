"""The qlgc kind's phases against fabricsim's qlgc_vnic driver and ib_qlgc_vnic_query (there is no QLogic
VNIC hardware to test on): validate, read_live, plan, apply and verify, each given what the one before
returned (Live, Plan) as the pipeline does; nothing is mocked."""

import os

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import DONE, FAILED
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.kind import QlgcKind, QlgcOptions
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from tests.lib.phases import planned

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
S2 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 2'
LATE = 'EVIC in Chassis 0x00066a00db00001f, Slot 2, Ioc 1'
CLASS = '/sys/class/infiniband_qlgc_vnic'
CFG = '/etc/infiniband/qlgc_vnic.cfg'
VETH1 = {'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1}, 'secondary': {'ioc_string': S2, 'port': 2}}
VETH2 = {'type': 'qlgc', 'name': 'veth2', 'primary': {'ioc_string': LATE, 'hca': 'mlx4_0', 'port': 1}}


def kind_for(sim, **options) -> QlgcKind:
    root = Sysroot(sim.root)
    return QlgcKind(root, Runner(root), QlgcOptions(**dict({'connect_timeout': 5.0}, **options)))


def applied(kind, document, config: list, state: str = 'merged'):
    """Every phase up to verify, as the pipeline's _apply does it (an object's later actions are skipped
    after its failure); returns (plan, verification)."""
    _live, plan = planned(kind, document, config, state)
    broken = set()
    for action in plan.actions:
        if action.object in broken:
            continue
        try:
            kind.apply(action, plan, document)
            action.status = DONE
        except IofabricError:
            action.status = FAILED
            broken.add(action.object)
    deletes = [action.object for action in plan.actions if action.op == 'delete' and action.object not in plan.context.want]
    return plan, kind.verify(plan.context.want, deletes, plan, document)


@pytest.mark.parametrize('item, field', [
    ({'type': 'qlgc', 'primary': {'ioc_string': S1, 'port': 1}}, 'config[0].name'),
    ({'type': 'qlgc', 'name': '-veth1', 'primary': {'ioc_string': S1, 'port': 1}}, 'config[0].name'),
    ({'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 0}}, 'config[0].primary.port'),
    ({'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1, 'hca': '-mlx4_0'}}, 'config[0].primary.hca'),
    ({'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1, 'pkey': 'zz'}}, 'config[0].primary.pkey'),
    ({'type': 'qlgc', 'name': 'veth1', 'primary': {'port': 1}}, 'config[0].primary'),
    ({'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1}, 'lower': 'eth1'}, 'config[0].lower'),
])
def test_validate_names_the_field(item, field):
    with pytest.raises(ValidationError) as info:
        QlgcKind(None, None).validate([item], 'merged', ['config[0]'])
    assert info.value.field == field


def test_plan_refuses_a_new_vnic_without_a_primary_naming_where_it_was_declared(sim):
    kind = kind_for(sim)
    config = [VETH1, {'type': 'qlgc', 'name': 'veth3'}]
    with StateStore(Sysroot(sim.root)).locked() as store:
        with pytest.raises(ValidationError) as info:
            planned(kind, store.load('qlgc'), config)
    assert info.value.field == 'config[1].primary'


def test_read_live_gives_the_objects_and_the_query_in_its_view(sim):
    kind = kind_for(sim)
    with StateStore(Sysroot(sim.root)).locked() as store:
        live = kind.read_live(store.load('qlgc'))
    assert live.objects == {} and live.view.vnics == {}
    ports = {(port.hca, port.port): port for port in live.view.index.ports}
    assert sorted(ports) == [('mlx4_0', 1), ('mlx4_0', 2), ('mlx4_1', 1), ('mlx4_1', 2)]
    assert sorted(ioc.ioc_string for ioc in ports[('mlx4_0', 1)].iocs) == [S1, S2]   # the late IOC is absent
    facts = kind.facts(live, None)
    assert [(port['hca'], port['port'], port['state']) for port in facts['ports']][2] == ('mlx4_1', 1, 'Down')
    assert 'query_error' not in facts and kind.runner.runs == {'ib_qlgc_vnic_query': 1}


def test_facts_say_why_the_ports_are_unknown_when_the_query_fails(sim):
    sim.fault(kind='tool', target='ib_qlgc_vnic_query', mode='rc', value=3)
    kind = kind_for(sim)
    with StateStore(Sysroot(sim.root)).locked() as store:
        live = kind.read_live(store.load('qlgc'))
    facts = kind.facts(live, None)
    assert facts['ports'] == [] and 'ib_qlgc_vnic_query' in facts['query_error']


def test_plan_orders_the_creates_waits_for_the_late_ioc_and_changes_nothing(sim):
    kind = kind_for(sim)
    writes = sim.write_count()
    with StateStore(Sysroot(sim.root)).locked() as store:
        _live, plan = planned(kind, store.load('qlgc'), [VETH1, VETH2])
    assert [(action.object, action.op) for action in plan.actions] == [
        ('veth1', 'create-primary'), ('veth2', 'create-primary'), ('veth1', 'create-secondary'), (CFG, 'write-config')]
    assert [(item.object, item.waiting_for) for item in plan.pending] == [('veth2', 'ioc')]
    assert plan.warnings == []    # as in a reconciler pass (no task's allow_disruption): the pending line says it
    assert sorted(plan.context.targets) == [('veth1', 'primary'), ('veth1', 'secondary'), ('veth2', 'primary')]
    assert plan.context.targets[('veth1', 'secondary')].ioc_string == S2
    assert plan.predicted['veth1']['secondary']['port_guid'] == '0002c903000010f6'
    config = plan.context.config
    assert config.old_text == '' and 'NAME="veth1"' in config.text and 'IOCSTRING="%s"' % LATE in config.text
    assert sim.write_count() == writes and not os.path.exists(sim.path(CFG))


def test_a_task_warns_of_a_late_ioc_naming_the_field_and_what_it_waits_for(sim):
    with StateStore(Sysroot(sim.root)).locked() as store:
        _live, plan = planned(kind_for(sim, allow_disruption=True, warn_late_iocs=True), store.load('qlgc'), [VETH1, VETH2])
    assert plan.warnings == ['config[1].primary: veth2 primary path: IOC "%s" is not visible on mlx4_0:1 yet; it stays '
                             'pending (created idle) and connects when that IOC appears' % LATE]


def test_an_ioc_string_typo_is_created_idle_and_pending_with_a_warning_naming_the_field_and_the_near_match(sim):
    kind = kind_for(sim)    # a reconciler pass's options: a likely typo is a warning there too
    typo = {'type': 'qlgc', 'name': 'veth3', 'primary': {'ioc_string': S1.lower(), 'port': 1}}
    with StateStore(Sysroot(sim.root)).locked() as store:
        document = store.load('qlgc')
        plan, verification = applied(kind, document, [typo])
    assert [(item.object, item.waiting_for) for item in verification.pending] == [('veth3', 'ioc')]
    assert [warning.split(': a typo?')[0] for warning in plan.warnings] == [
        'config[0].primary.ioc_string: veth3 primary path: IOC "%s" is not visible on mlx4_0:1, but "%s" (differs in '
        'case or whitespace) is' % (S1.lower(), S1)]
    # Created idle: zeros, never the near IOC's GUID.
    assert int(sim.read(CLASS + '/interfaces/veth3/primary_path/ioc_guid'), 16) == 0
    assert sim.read(CLASS + '/interfaces/veth3/primary_path/viport_state').strip() != 'VIPORT_CONNECTED'


def test_a_port_typo_fails_that_vnic_in_the_plan_and_keeps_it_out_of_the_boot_config(sim):
    kind = kind_for(sim)
    typo = {'type': 'qlgc', 'name': 'veth3', 'primary': {'ioc_string': S1, 'hca': 'mlx4_9', 'port': 1, 'instance': 1}}
    with StateStore(Sysroot(sim.root)).locked() as store:
        _live, plan = planned(kind, store.load('qlgc'), [VETH1, typo])
    assert [failure.object for failure in plan.failures] == ['veth3']
    assert 'veth3' not in {action.object for action in plan.actions}
    assert 'veth3' not in plan.context.config.want and 'NAME="veth3"' not in plan.context.config.text
    assert 'veth3' not in plan.predicted


def test_apply_and_verify_create_connect_and_persist_then_a_rerun_plans_nothing(sim):
    kind = kind_for(sim)
    with StateStore(Sysroot(sim.root)).locked() as store:
        document = store.load('qlgc')
        plan, verified = applied(kind, document, [VETH1, VETH2])
        kind.record(document, plan.context.want, [], 'merged')
        store.save(document)
        assert plan.context.created == {'veth1': True, 'veth2': True}
        assert verified.failures == []
        assert [(item.object, item.waiting_for) for item in verified.pending] == [('veth2', 'ioc')]
        after = verified.after['veth1']
        assert after['primary']['ioc_string'] == S1 and after['secondary']['port'] == 2
        assert document.observation('veth1')['instance'] == {'primary': 0, 'secondary': 0}
        assert document.observation(CFG)['file'] == plan.context.config.record['file']
        for which in ('primary', 'secondary'):
            assert sim.read('%s/interfaces/veth1/%s_path/viport_state' % (CLASS, which)).strip() == 'VIPORT_CONNECTED'
        assert 'NAME="veth1"' in sim.read(CFG)
        writes = sim.write_count()
        live, again = planned(kind_for(sim), document, [VETH1, VETH2])
        assert again.actions == [] and again.failures == [] and again.context.config.text is None
        assert sorted(live.view.vnics) == ['veth1', 'veth2'] and sim.write_count() == writes


def test_a_create_the_kernel_refuses_stays_out_of_the_boot_config(sim):
    sim.fault(kind='path', target=CLASS + '/vnic-mlx4_0-1/create_primary', op='write', errno='EINVAL', count=1)
    kind = kind_for(sim)
    with StateStore(Sysroot(sim.root)).locked() as store:
        plan, verified = applied(kind, store.load('qlgc'), [VETH1, VETH2])
    statuses = {(action.object, action.op): action.status for action in plan.actions}
    assert statuses[('veth1', 'create-primary')] == FAILED and statuses[(CFG, 'write-config')] == DONE
    assert plan.context.created == {'veth1': False, 'veth2': True}
    text = sim.read(CFG)
    assert 'NAME="veth2"' in text and 'NAME="veth1"' not in text
    assert [failure.object for failure in verified.failures] == ['veth1']


def test_deleted_deletes_and_verify_reads_it_back(sim):
    with StateStore(Sysroot(sim.root)).locked() as store:
        document = store.load('qlgc')
        kind = kind_for(sim)
        plan, _verified = applied(kind, document, [VETH1])
        kind.record(document, plan.context.want, [], 'merged')
        kind = kind_for(sim)
        plan, verified = applied(kind, document, [{'type': 'qlgc', 'name': 'veth1'}], 'deleted')
    assert [(action.object, action.op, action.status) for action in plan.actions] == [
        ('veth1', 'delete', DONE), (CFG, 'write-config', DONE)]
    assert 'veth1' not in verified.after and verified.failures == []
    assert 'NAME="veth1"' not in sim.read(CFG)
    assert 'instance' not in document.observation('veth1')


def test_a_refused_disruption_is_read_from_the_store_in_a_reconciler_pass(sim):
    with StateStore(Sysroot(sim.root)).locked() as store:
        document = store.load('qlgc')
        task = kind_for(sim, allow_disruption=False)
        plan, _verified = applied(task, document, [VETH1])
        task.record(document, plan.context.want, [], 'merged')
        assert document.observation('veth1')['allow_disruption'] is False
        moved = dict(VETH1, primary={'ioc_string': S1, 'port': 2})   # another port: a recreate, a disruption
        reconciler = kind_for(sim, allow_disruption=None)
        assert reconciler.disruption_allowed('veth1', document) is False
        assert reconciler.disruption_allowed('veth9', document) is True
        _live, plan = planned(reconciler, document, [moved])
    assert [action.op for action in plan.actions if action.object == 'veth1'] == []
    assert [item.waiting_for for item in plan.pending] == ['disruption']


def test_the_kind_keeps_only_its_construction_and_validation(sim):
    kind = kind_for(sim)
    with StateStore(Sysroot(sim.root)).locked() as store:
        applied(kind, store.load('qlgc'), [VETH1])
    assert set(vars(kind)) == {'extras', 'runner', 'sysroot', 'options', 'fields'}
