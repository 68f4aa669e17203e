"""entry/lean: `after` is left out of a module's result only when the run changed nothing, --diff is
off and `after` says exactly what `before` says."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.lean import lean

BEFORE = [{'type': 'qlgc', 'name': 'qv0', 'primary': {'ioc_string': 'EVIC in Chassis 0x1, Slot 1, Ioc 1'}}]
ROWS = [{'kind': 'qlgc', 'object': 'qv0', 'status': 'in_sync'}]


def result(changed=False, after=None) -> dict:
    return {'changed': changed, 'before': BEFORE, 'after': BEFORE if after is None else after, 'diff': [],
            'actions': [], 'pending': [], 'failures': [], 'objects': ROWS, 'tool_runs': {}}


def test_an_unchanged_run_without_diff_returns_before_and_every_status_but_not_after():
    lean_result = lean(result(), diff_mode=False)
    assert 'after' not in lean_result
    assert lean_result['before'] == BEFORE and lean_result['objects'] == ROWS
    assert set(lean_result) == set(result()) - {'after'}


def test_diff_mode_keeps_everything():
    assert lean(result(), diff_mode=True) == result()


def test_a_changed_run_keeps_after():
    changed = result(changed=True, after=[dict(BEFORE[0], heartbeat=200)])
    assert lean(changed, diff_mode=False) == changed


def test_an_after_that_differs_from_before_is_kept_even_when_nothing_is_reported_changed():
    # e.g. an object that moved by itself between the read and the read back: after tells it
    moved = result(after=[dict(BEFORE[0], rx_csum=False)])
    assert lean(moved, diff_mode=False) == moved


def test_results_without_after_are_returned_as_they_are():
    gathered = {'changed': False, 'gathered': BEFORE}
    assert lean(gathered, diff_mode=False) is gathered
