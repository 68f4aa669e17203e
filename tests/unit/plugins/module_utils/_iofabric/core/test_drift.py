"""Per-object status rows: what a drift report and fabric_info read off a pipeline result."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.drift import (
    field_changes,
    flatten,
    object_rows,
    summary,
    text_change,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Action, Failure, Outcome, Pending, Plan

LIVE = {'name': 'veth1', 'primary': {'ioc_guid': '00066a01de000070', 'port': 1}}
SWAPPED = {'name': 'veth1', 'primary': {'ioc_guid': '00066a01df000070', 'port': 1}}


def test_flatten_dots_nested_mappings_and_keeps_lists_whole():
    assert flatten({'a': {'b': 1, 'c': {'d': 2}}, 'l': [1, 2], 'e': {}}) == {'a.b': 1, 'a.c.d': 2, 'l': [1, 2], 'e': {}}


def test_field_changes_name_the_field_with_desired_and_live():
    guid = {'field': 'primary.ioc_guid', 'desired': '00066a01df000070', 'live': '00066a01de000070'}
    assert field_changes(LIVE, SWAPPED) == [guid]
    assert field_changes(None, LIVE) == [{'field': '(object)', 'desired': 'present', 'live': 'absent'}]
    assert field_changes(LIVE, None) == [{'field': '(object)', 'desired': 'absent', 'live': 'present'}]
    assert field_changes(LIVE, LIVE) == []


def test_a_file_drift_is_its_first_differing_line():
    assert text_change('a\nb\n', 'a\nB\n') == [{'field': '(content) line 2', 'desired': 'B', 'live': 'b'}]
    assert text_change('', 'x\n') == [{'field': '(content) line 1', 'desired': 'x', 'live': '(no file)'}]
    assert text_change('a\nb\n', 'a\n') == [{'field': '(content) line 2', 'desired': '(no such line)', 'live': 'b'}]
    assert text_change('same', 'same') == []


def rows(**kw):
    args = dict(kind='qlgc', declared=['veth1', 'veth2', 'veth3', 'veth4'], have={'veth1': LIVE}, after={'veth1': SWAPPED},
                actions=[], pending=[], failures=[], diffs=[], checked=True)
    args.update(kw)
    outcome = Outcome(args['have'], args['after'], Plan(actions=args['actions'], diffs=args['diffs']), args['pending'],
                      args['failures'], args['declared'], checked=args['checked'])
    return {row['object']: row for row in object_rows(args['kind'], outcome)}


def test_check_mode_statuses_and_their_precedence():
    actions = [Action('veth1', 'update-primary', 'hot swap'), Action('veth3', 'create-primary', 'new')]
    result = rows(actions=actions, pending=[Pending('veth2', 'IOC not visible', 'ioc'), Pending('veth3', 'late')],
                  failures=[Failure('veth4', 'EINVAL')])
    assert result['veth1'] == {'kind': 'qlgc', 'object': 'veth1', 'status': 'drift', 'reason': 'update-primary: hot swap',
                               'fields': [{'field': 'primary.ioc_guid', 'desired': '00066a01df000070',
                                           'live': '00066a01de000070'}]}
    assert result['veth2']['status'] == 'pending' and result['veth2']['reason'] == 'IOC not visible'
    # drift wins over pending, and still says what waits
    assert result['veth3']['status'] == 'drift' and result['veth3']['pending'] == 'late'
    assert result['veth4']['status'] == 'failed' and result['veth4']['reason'] == 'EINVAL'
    assert summary(list(result.values())) == {'in_sync': 0, 'drift': 2, 'changed': 0, 'pending': 1, 'failed': 1}


def test_an_applied_run_says_changed_and_a_failed_action_is_a_failure():
    done = Action('veth1', 'update-primary', 'hot swap', status='done')
    broken = Action('veth2', 'create-primary', 'new', status='failed', error='EBUSY')
    result = rows(actions=[done, broken], checked=False, have={'veth1': SWAPPED}, after={'veth1': SWAPPED})
    assert result['veth1']['status'] == 'changed' and 'fields' not in result['veth1']
    assert result['veth2'] == {'kind': 'qlgc', 'object': 'veth2', 'status': 'failed', 'reason': 'EBUSY'}
    assert result['veth3'] == {'kind': 'qlgc', 'object': 'veth3', 'status': 'in_sync'}


def test_a_planned_file_write_is_an_object_with_its_line():
    action = Action('/etc/infiniband/qlgc_vnic.cfg', 'write-config', 'persist')
    diff = {'before_header': '/etc/infiniband/qlgc_vnic.cfg', 'before': 'x\n', 'after': 'y\n'}
    result = rows(declared=[], have={}, after={}, actions=[action], diffs=[diff])
    line = {'field': '(content) line 1', 'desired': 'y', 'live': 'x'}
    assert result['/etc/infiniband/qlgc_vnic.cfg']['fields'] == [line]


def test_every_live_object_when_all_are_declared():
    result = rows(kind='eoib', declared=['*'], have={'eth4': {'children': ['a']}, 'eth5': {'children': []}},
                  after={'eth4': {'children': []}, 'eth5': {'children': []}},
                  actions=[Action('eth4', 'remove_child', 'gone guest', {'mac': 'a'})])
    assert sorted(result) == ['eth4', 'eth5']
    assert result['eth4']['fields'] == [{'field': 'children', 'desired': [], 'live': ['a']}]
    assert result['eth5']['status'] == 'in_sync'
