"""The pipeline with a small in-memory kind: ordering, check mode, failure isolation, the store."""

import os

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.kind import Kind, Live, Verification
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.pipeline import Request, run
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Action, Plan
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot


class Broken(IofabricError):
    def details(self):
        return {'errno': 'EINVAL'}


class MemoryKind(Kind):
    """Objects are {'name', 'value'}; the 'host' is a dict. Values 'bad' fail to apply."""

    store_kind = 'fcoe'

    def __init__(self, host):
        super().__init__()
        self.host = host
        self.applied = []

    def validate(self, config, state, fields):
        items = []
        for field, item in zip(fields, config):
            if not isinstance(item.get('name'), str):
                raise ValidationError(field + '.name', 'required')
            items.append((item['name'], {'interface': item['name'], 'name': item['name'], 'value': item.get('value')}))
        return items

    def defaults(self, spec):
        return {'value': 'default'}

    def read_live(self, document):
        return Live({name: {'interface': name, 'name': name, 'value': value} for name, value in self.host.items()})

    def plan(self, given):
        want, have, deletes = given.want, given.live.objects, given.deletes
        plan = Plan()
        for name in deletes:
            plan.actions.append(Action(name, 'delete', 'not declared'))
        for name, spec in want.items():
            if have.get(name) != spec:
                plan.actions.append(Action(name, 'set', 'value differs', {'value': spec['value']}))
                plan.actions.append(Action(name, 'confirm', 'read back'))
        plan.predicted = {name: spec for name, spec in have.items() if name not in deletes}
        plan.predicted.update(want)
        return plan

    def apply(self, action, plan, document):
        self.applied.append((action.object, action.op))
        if action.op == 'delete':
            del self.host[action.object]
        elif action.op == 'set':
            if action.detail['value'] == 'bad':
                raise Broken('kernel said no')
            self.host[action.object] = action.detail['value']

    def verify(self, want, deletes, plan, document):
        return Verification(self.read_live(document).objects)

    def render(self, specs):
        return {'rendered': ['%s=%s' % (spec['name'], spec['value']) for spec in specs]}

    def parse(self, text):
        return [{'name': line.split('=')[0], 'value': line.split('=')[1]} for line in text.splitlines()]


@pytest.fixture
def store(tmp_path):
    return StateStore(Sysroot(str(tmp_path)), owner='test', lock_timeout=1)


def test_merged_applies_and_records(store):
    kind = MemoryKind({'a': '1'})
    result = run(kind, Request('merged', [{'name': 'a', 'value': '2'}, {'name': 'b'}]), store)
    assert result['changed'] is True
    assert kind.host == {'a': '2', 'b': 'default'}
    assert [a['action'] for a in result['actions']] == ['set', 'confirm', 'set', 'confirm']
    assert all(a['status'] == 'done' for a in result['actions'])
    assert {d['before_header'] for d in result['diff']} == {'fcoe a', 'fcoe b'}
    with store.locked(exclusive=False):
        assert sorted(store.load('fcoe').objects) == ['a', 'b']


def test_idempotent_rerun_changes_nothing(store):
    kind = MemoryKind({'a': '2'})
    result = run(kind, Request('merged', [{'name': 'a', 'value': '2'}]), store)
    assert result['changed'] is False and result['actions'] == [] and result['diff'] == []


def test_check_mode_stops_after_the_plan(tmp_path, store):
    kind = MemoryKind({'a': '1', 'z': '9'})
    result = run(kind, Request('overridden', [{'name': 'a', 'value': '2'}], check_mode=True), store)
    assert result['changed'] is True
    assert kind.applied == [] and kind.host == {'a': '1', 'z': '9'}
    assert {o['name']: o['value'] for o in result['after']} == {'a': '2'}
    assert all(a['status'] == 'planned' for a in result['actions'])
    assert not (tmp_path / 'var' / 'lib' / 'iofabric' / 'fcoe.json').exists()


def test_one_failure_never_drops_the_others(store):
    kind = MemoryKind({})
    result = run(kind, Request('merged', [{'name': 'a', 'value': 'bad'}, {'name': 'b', 'value': 'ok'}]), store)
    statuses = [(a['object'], a['action'], a['status']) for a in result['actions']]
    assert statuses == [('a', 'set', 'failed'), ('a', 'confirm', 'skipped'), ('b', 'set', 'done'),
                        ('b', 'confirm', 'done')]
    assert result['failures'] == [{'object': 'a', 'error': 'set failed: kernel said no', 'details': {'errno': 'EINVAL'}}]
    assert kind.host == {'b': 'ok'}
    with store.locked(exclusive=False):
        assert sorted(store.load('fcoe').objects) == ['a', 'b']  # the declaration is kept for a retry


def test_validation_fails_before_anything_happens(tmp_path, store):
    kind = MemoryKind({'a': '1'})
    with pytest.raises(ValidationError) as info:
        run(kind, Request('merged', [{'name': 'b', 'value': 'x'}, {'value': 'y'}]), store)
    assert info.value.field == 'config[1].name'
    assert kind.applied == [] and kind.host == {'a': '1'}
    assert not os.path.exists(tmp_path / 'var' / 'lib' / 'iofabric')


def test_deleted_needs_a_list(store):
    with pytest.raises(ValidationError, match='overridden'):
        run(MemoryKind({'a': '1'}), Request('deleted', []), store)


def test_deleted_and_gathered(store):
    kind = MemoryKind({'a': '1', 'b': '2'})
    result = run(kind, Request('deleted', [{'name': 'a'}]), store)
    assert kind.host == {'b': '2'} and result['changed']
    gathered = run(kind, Request('gathered'), store)
    assert gathered == {'changed': False, 'gathered': [{'interface': 'b', 'name': 'b', 'value': '2'}],
                        'tool_runs': {}}


def test_offline_states_touch_nothing(tmp_path):
    kind = MemoryKind({'a': '1'})
    assert run(kind, Request('rendered', [{'name': 'x', 'value': None}]))['rendered'] == ['x=default']
    assert run(kind, Request('parsed', running_config='y=3'))['parsed'] == [{'name': 'y', 'value': '3'}]
    assert kind.applied == []
    assert not os.path.exists(tmp_path / 'var')


# -- a declaration whose object never came up can be removed (issue 18.1) ---------------------------

def declare_ghost(store):
    """A failed run recorded 'ghost' although it never came up on the host."""
    with store.locked():
        document = store.load('fcoe')
        document.declare('ghost', {'interface': 'ghost', 'name': 'ghost', 'value': 'bad'})
        document.declare('a', {'interface': 'a', 'name': 'a', 'value': '1'})
        store.save(document)


def test_deleted_removes_a_stored_declaration_that_is_not_live(store):
    declare_ghost(store)
    kind = MemoryKind({'a': '1'})
    result = run(kind, Request('deleted', [{'name': 'ghost'}]), store)
    assert result['changed'] is True
    assert [(a['object'], a['action'], a['status']) for a in result['actions']] == [('ghost', 'forget', 'done')]
    assert kind.applied == [] and kind.host == {'a': '1'}
    with store.locked(exclusive=False):
        assert sorted(store.load('fcoe').objects) == ['a']


def test_overridden_removes_stored_declarations_it_does_not_declare(store):
    declare_ghost(store)
    result = run(MemoryKind({'a': '1'}), Request('overridden', [{'name': 'a', 'value': '1'}]), store)
    assert [(a['object'], a['action']) for a in result['actions']] == [('ghost', 'forget')]
    with store.locked(exclusive=False):
        assert sorted(store.load('fcoe').objects) == ['a']


def test_check_mode_shows_the_forget_and_keeps_the_store(tmp_path, store):
    declare_ghost(store)
    before = (tmp_path / 'var' / 'lib' / 'iofabric' / 'fcoe.json').read_bytes()
    result = run(MemoryKind({'a': '1'}), Request('deleted', [{'name': 'ghost'}], check_mode=True), store)
    assert [(a['object'], a['action'], a['status']) for a in result['actions']] == [('ghost', 'forget', 'planned')]
    assert result['changed'] is True
    assert (tmp_path / 'var' / 'lib' / 'iofabric' / 'fcoe.json').read_bytes() == before


HOLD_SHARED = r'''
import sys, time
sys.path[:0] = sys.argv[2].split(":")
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import HostLock
HostLock(sys.argv[1], "reader", 1).acquire(False)
print("locked", flush=True)
time.sleep(60)
'''


def test_check_mode_takes_the_lock_shared(tmp_path, store):
    """A reader (fabric_info, another check run) holds the lock shared: a check run proceeds beside it,
    an apply waits. A check run that took the lock exclusive would time out here."""
    import subprocess
    import sys
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import LockTimeout
    with store.locked():
        pass
    proc = subprocess.Popen([sys.executable, '-c', HOLD_SHARED, str(tmp_path / 'var' / 'lib' / 'iofabric'),
                             ':'.join(sys.path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == 'locked'
        kind = MemoryKind({'a': '1'})
        result = run(kind, Request('merged', [{'name': 'a', 'value': '2'}], check_mode=True), store)
        assert result['changed'] is True and kind.host == {'a': '1'}
        with pytest.raises(LockTimeout):
            run(kind, Request('merged', [{'name': 'a', 'value': '2'}]), store)
    finally:
        proc.kill()
        proc.wait()


class ObservingKind(MemoryKind):
    """verify says what it read back as observations; in_scope looks at this run's Live (its view)."""

    def read_live(self, document):
        live = super().read_live(document)
        live.view = {'protected': {'z'}}
        return live

    def in_scope(self, object_id, live_object, live=None):
        return object_id not in live.view['protected']

    def verify(self, want, deletes, plan, document):
        objects = self.read_live(document).objects
        return Verification(objects, observations={name: {'read_back': obj['value']} for name, obj in objects.items()})


def test_verify_observations_are_recorded_and_in_scope_sees_the_live_view(store):
    kind = ObservingKind({'a': '1', 'y': '8', 'z': '9'})
    run(kind, Request('overridden', [{'name': 'a', 'value': '2'}]), store)
    assert kind.host == {'a': '2', 'z': '9'}   # y removed; z out of scope by the view read_live returned
    with store.locked(exclusive=False):
        document = store.load('fcoe')
    assert document.observation('a')['read_back'] == '2' and document.observation('z')['read_back'] == '9'
