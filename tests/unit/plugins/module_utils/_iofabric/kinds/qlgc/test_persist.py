"""The qlgc boot config as a plan decides it and apply writes it, on a tmp sysroot (a plain file)."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Failure, Pending, Plan
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import persist
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import spec as qspec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StoreDocument

CFG = '/etc/infiniband/qlgc_vnic.cfg'
S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'


def want(*names: str) -> dict:
    specs = {}
    for instance, name in enumerate(names):
        _name, spec = qspec.normalize({'type': 'qlgc', 'name': name,
                                       'primary': {'ioc_string': S1, 'port': 1, 'instance': instance}}, 'config[0]')
        specs[name] = qspec.merge(spec, qspec.defaults(spec))
    return specs


def test_nothing_is_created_without_a_vnic_to_write_nor_in_a_state_that_does_not_persist(tmp_path):
    root, document = Sysroot(str(tmp_path)), StoreDocument('qlgc')
    assert persist.plan_config(root, CFG, Plan(), {}, [], document, 'overridden', {}) is None
    assert persist.plan_config(root, CFG, Plan(), want('veth1'), [], document, 'gathered', {}) is None
    assert not (tmp_path / 'etc').exists()


def test_a_new_file_is_planned_and_an_unresolved_vnic_left_out(tmp_path):
    root, document, plan = Sysroot(str(tmp_path)), StoreDocument('qlgc'), Plan()
    plan.pending.append(Pending('veth2', 'primary path: two IOCs answer to this string', 'ambiguous'))
    plan.failures.append(Failure('veth3', 'no HCA mlx4_9'))
    write = persist.plan_config(root, CFG, plan, want('veth1', 'veth2', 'veth3'), [], document, 'merged', {})
    assert [(action.object, action.op) for action in plan.actions] == [(CFG, 'write-config')]
    assert list(write.want) == ['veth1'] and 'NAME="veth1"' in write.text and 'veth2' not in write.text
    assert plan.diffs[0]['before'] == '' and write.record['file'] == persist.digest(write.text)
    assert document.observation(CFG) == {}    # observed once written, by apply
    assert not (tmp_path / 'etc').exists()


def test_an_unchanged_file_rendered_from_the_same_declaration_is_not_rendered_again(tmp_path):
    root, document = Sysroot(str(tmp_path)), StoreDocument('qlgc')
    first = persist.plan_config(root, CFG, Plan(), want('veth1'), [], document, 'merged', {})
    first.config.write(first.text)
    document.observe(CFG, **first.record)
    plan = Plan()
    again = persist.plan_config(root, CFG, plan, want('veth1'), [], document, 'merged', {})
    assert again.text is None and plan.actions == [] and again.record == first.record


def test_a_failed_create_is_taken_out_and_the_record_no_longer_claims_the_inputs(tmp_path):
    root, document = Sysroot(str(tmp_path)), StoreDocument('qlgc')
    (tmp_path / 'etc/infiniband').mkdir(parents=True)
    (tmp_path / 'etc/infiniband/qlgc_vnic.cfg').write_text('# the admin\'s comment\n')
    write = persist.plan_config(root, CFG, Plan(), want('veth1', 'veth2'), [], document, 'merged', {})
    assert persist.without_failed_creates(write, {'veth1': True, 'veth2': True}) == (write.text, write.record)
    text, record = persist.without_failed_creates(write, {'veth1': True, 'veth2': False})
    assert 'NAME="veth1"' in text and 'NAME="veth2"' not in text and text.startswith("# the admin's comment")
    assert record['file'] == persist.digest(text) and record['inputs'] is None


def test_forgotten_declarations_are_those_the_kernel_never_had():
    document = StoreDocument('qlgc', {'objects': {name: {'spec': {}} for name in ('veth1', 'veth2', 'veth3')}})
    vnics = {'veth1': object()}
    assert persist.forgotten('deleted', ['veth1', 'veth2', 'veth9'], {}, document, vnics) == ['veth2']
    assert persist.forgotten('overridden', [], {'veth2': {}}, document, vnics) == ['veth3']
    assert persist.forgotten('merged', ['veth2'], {}, document, vnics) == []
