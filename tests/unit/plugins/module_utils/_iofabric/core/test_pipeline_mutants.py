"""The pipeline's state dispatch (mutation testing, docs/mutation.md): states arrive as strings built
at run time (Ansible's parsed arguments), never as interned literals, so they must be compared by
value; gathering takes no exclusive lock; an unknown state is a validation error naming the field."""

import os

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.kind import Kind, Live, Verification
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.pipeline import Request, run
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Action, Pending, Plan
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot


class TinyKind(Kind):
    """Objects {'interface', 'name'} read from a dict; 'set' adds one to it, and fails for a name
    in ``refuse``; ``warn`` is passed on as the plan's warnings."""

    store_kind = 'fcoe'

    def __init__(self, host, refuse=(), warn=()):
        super().__init__()
        self.host = host
        self.refuse = refuse
        self.warn = list(warn)

    def plan(self, given):
        want, have = given.want, given.live.objects
        plan = Plan()
        plan.actions = [Action(name, 'set', 'absent') for name in want if name not in have]
        plan.predicted = dict(have, **want)
        plan.warnings = list(self.warn)
        return plan

    def apply(self, action, plan, document):
        if action.object in self.refuse:
            raise IofabricError('refused')
        self.host[action.object] = 1

    def verify(self, want, deletes, plan, document):
        return Verification(self.read_live(document).objects)

    def validate(self, config, state, fields):
        return [(item['name'], {'interface': item['name'], 'name': item['name']}) for item in config]

    def read_live(self, document):
        return Live({name: {'interface': name, 'name': name} for name in self.host})

    def render(self, specs):
        return {'rendered': [spec['name'] for spec in specs]}

    def parse(self, text):
        return []


def built(text: str) -> str:
    """The same characters as a new, non-interned string object, as Ansible's argument parsing gives."""
    return ''.join(list(text))


@pytest.fixture
def store(tmp_path):
    return StateStore(Sysroot(str(tmp_path)), owner='test', lock_timeout=1)


def test_states_built_at_run_time_are_recognised(tmp_path, store):
    literal = 'rendered'
    assert built(literal) is not literal   # a distinct object: the pipeline must compare states by value
    rendered = run(TinyKind({}), Request(built('rendered'), [{'name': 'x'}]), store)
    assert rendered['rendered'] == ['x'] and rendered['changed'] is False
    gathered = run(TinyKind({'a': 1}), Request(built('gathered')), store)
    assert gathered['gathered'] == [{'interface': 'a', 'name': 'a'}]


def test_gathering_never_takes_the_exclusive_lock(tmp_path, store):
    """Only an exclusive holder writes lock.holder: a read-only state leaves none behind."""
    run(TinyKind({'a': 1}), Request(built('gathered')), store)
    assert not os.path.exists(tmp_path / 'var' / 'lib' / 'iofabric' / 'lock.holder')


def test_an_unknown_state_is_a_validation_error_naming_the_field(store):
    with pytest.raises(ValidationError) as info:
        run(TinyKind({'a': 1}), Request('frobnicated', [{'name': 'a'}]), store)
    assert info.value.field == 'state' and "'frobnicated'" in info.value.message


def test_a_run_whose_every_action_failed_changed_nothing(store):
    kind = TinyKind({}, refuse=('a',))
    result = run(kind, Request('merged', [{'name': 'a'}]), store)
    assert [(a['object'], a['status']) for a in result['actions']] == [('a', 'failed')]
    assert result['changed'] is False and kind.host == {}


def test_the_plans_warnings_reach_the_result_and_a_clean_run_has_none(store):
    warned = run(TinyKind({}, warn=['lldpad is not running']), Request('merged', [{'name': 'a'}]), store)
    assert warned['warnings'] == ['lldpad is not running'] and warned['changed'] is True
    clean = run(TinyKind({}), Request('merged', [{'name': 'b'}]), store)
    assert 'warnings' not in clean


def test_parsed_changes_nothing(store):
    class Parsing(TinyKind):
        def parse(self, text):
            return [{'name': line} for line in text.splitlines()]
    result = run(Parsing({}), Request(built('parsed'), running_config='a\nb'), store)
    assert result['parsed'] == [{'name': 'a'}, {'name': 'b'}] and result['changed'] is False


def test_replaced_and_deleted_apply_under_the_exclusive_lock(tmp_path, store):
    """'replaced' sorts after 'rendered' and 'deleted' before 'gathered': neither may be taken for them."""
    holder = tmp_path / 'var' / 'lib' / 'iofabric' / 'lock.holder'
    kind = TinyKind({})
    result = run(kind, Request(built('replaced'), [{'name': 'a'}]), store)
    assert [(a['object'], a['status']) for a in result['actions']] == [('a', 'done')] and kind.host == {'a': 1}
    assert holder.exists()
    holder.unlink()
    run(TinyKind({'a': 1}), Request(built('deleted'), [{'name': 'b'}]), store)
    assert holder.exists()


def test_deleted_with_no_objects_is_refused_even_as_a_built_string(store):
    with pytest.raises(ValidationError) as info:
        run(TinyKind({'a': 1}), Request(built('deleted'), []), store)
    assert info.value.field == 'config'


def test_a_real_run_reports_its_objects_changed_not_drifting(store):
    result = run(TinyKind({}), Request('merged', [{'name': 'a'}]), store)
    assert [(row['object'], row['status']) for row in result['objects']] == [('a', 'changed')]
    checked = run(TinyKind({}), Request('merged', [{'name': 'a'}], check_mode=True), store)
    assert [(row['object'], row['status']) for row in checked['objects']] == [('a', 'drift')]


def test_a_forgotten_declaration_names_the_state_that_removed_it(store):
    with store.locked():
        document = store.load('fcoe')
        document.declare('ghost', {'interface': 'ghost', 'name': 'ghost'})
        store.save(document)
    result = run(TinyKind({}), Request('deleted', [{'name': 'ghost'}]), store)
    assert [(a['object'], a['action'], a['reason']) for a in result['actions']] == [
        ('ghost', 'forget', 'declared in the state store but absent from the host (state deleted): the declaration is removed')]


def test_an_unknown_state_with_no_objects_is_still_a_state_error(store):
    """'bogus' sorts before 'deleted': only 'deleted' itself asks for the objects to delete."""
    with pytest.raises(ValidationError) as info:
        run(TinyKind({'a': 1}), Request('bogus', []), store)
    assert info.value.field == 'state'


def test_the_diff_shows_each_object_before_and_after(store):
    result = run(TinyKind({}), Request('merged', [{'name': 'a'}]), store)
    assert result['diff'] == [{'before_header': 'fcoe a', 'after_header': 'fcoe a',
                               'before': {}, 'after': {'interface': 'a', 'name': 'a'}}]


def test_the_kinds_extras_reach_the_result(store):
    kind = TinyKind({})
    kind.add_extra('lldpad_running', True)
    assert run(kind, Request('merged', [{'name': 'a'}]), store)['lldpad_running'] is True


class Factual(TinyKind):
    """Facts that show what the kind was given: the live objects, and the plan's actions (None when gathering)."""

    def facts(self, live, plan):
        return {'live': sorted(live.objects), 'planned': None if plan is None else [a.object for a in plan.actions]}


@pytest.mark.parametrize('check_mode', [False, True])
def test_the_kinds_facts_reach_the_result_only_when_asked(store, check_mode):
    asked = run(Factual({'a': 1}), Request('merged', [{'name': 'b'}], check_mode=check_mode, facts=True), store)
    assert asked['kind_facts'] == {'live': ['a'], 'planned': ['b']}
    unasked = run(Factual({'a': 1}), Request('merged', [{'name': 'c'}], check_mode=check_mode), store)
    assert 'kind_facts' not in unasked


def test_gathering_gives_the_kinds_facts_without_a_plan_only_when_asked(store):
    asked = run(Factual({'a': 1}), Request(built('gathered'), facts=True), store)
    assert asked['kind_facts'] == {'live': ['a'], 'planned': None}
    assert 'kind_facts' not in run(Factual({'a': 1}), Request(built('gathered')), store)


class Labelled(TinyKind):
    """Ids the kind made up (an unnamed macvlan's), named in messages by labels that sort before and after
    them; every other id is its own label, returned as an equal but distinct string."""

    LABELS = {'auto:eth0#1': 'a macvlan on eth0', 'auto:eth0#2': 'z macvlan on eth0'}

    def plan(self, given):
        plan = super().plan(given)
        plan.pending = [Pending(name, 'waits for its link', 'link') for name in given.want]
        return plan

    def verify(self, want, deletes, plan, document):
        return Verification(self.read_live(document).objects, pending=list(plan.pending))

    def label(self, object_id):
        return self.LABELS.get(object_id, built(object_id))


def test_action_pending_and_failure_rows_carry_a_label_only_when_it_is_not_the_id(store):
    kind = Labelled({}, refuse=('auto:eth0#2',))
    result = run(kind, Request('merged', [{'name': 'auto:eth0#1'}, {'name': 'auto:eth0#2'}, {'name': 'plain'}]), store)
    expected = [('auto:eth0#1', 'a macvlan on eth0'), ('auto:eth0#2', 'z macvlan on eth0'), ('plain', None)]
    assert [(row['object'], row.get('label')) for row in result['actions']] == expected
    assert [(row['object'], row.get('label')) for row in result['pending']] == expected
    assert [(row['object'], row.get('label')) for row in result['failures']] == [('auto:eth0#2', 'z macvlan on eth0')]
