"""scripts/breaks.py's pure parts, and tests/mutation/breaks.toml against today's code.

A code change that moves a break's text fails here (in `make test`), so the break gets rewritten
instead of silently testing nothing."""

from __future__ import annotations

import importlib.util
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_spec = importlib.util.spec_from_file_location('breaks_script', os.path.join(REPO, 'scripts', 'breaks.py'))
breaks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(breaks)

ENTRIES = breaks.load_breaks()


def test_the_issue_lists_fifteen_breaks_and_each_is_here():
    assert len(ENTRIES) == 15


@pytest.mark.parametrize('entry', ENTRIES, ids=[entry['name'] for entry in ENTRIES])
def test_each_break_fits_todays_code_exactly_once(entry):
    with open(os.path.join(REPO, entry['file']), encoding='utf-8') as handle:
        text = handle.read()
    broken = breaks.apply_break(text, entry)
    assert broken != text
    assert entry['new'] in broken and text.count(entry['old']) == 1
    compile(broken, entry['file'], 'exec')   # a break is a behaviour change, never a syntax error


@pytest.mark.parametrize('entry', ENTRIES, ids=[entry['name'] for entry in ENTRIES])
def test_each_breaks_tests_exist(entry):
    for test in entry['tests']:
        assert os.path.isfile(os.path.join(REPO, test.split('::')[0])), test


def test_a_moved_break_is_refused_naming_it():
    entry = {'name': 'x', 'file': 'f.py', 'old': 'a = 1\n', 'new': 'a = 2\n'}
    with pytest.raises(breaks.BreakMoved, match="'x'.*found 0 times in f.py"):
        breaks.apply_break('b = 1\n', entry)
    with pytest.raises(breaks.BreakMoved, match='found 2 times'):
        breaks.apply_break('a = 1\na = 1\n', entry)
    assert breaks.apply_break('a = 1\nb = 1\n', entry) == 'a = 2\nb = 1\n'


def test_a_malformed_break_file_is_refused_naming_the_field(tmp_path):
    path = tmp_path / 'breaks.toml'
    path.write_text('[[break]]\nname = "n"\nfile = "f.py"\nold = "a"\nnew = "a"\ntests = ["tests/x.py"]\n')
    with pytest.raises(ValueError, match='new is the same as old'):
        breaks.load_breaks(str(path))
    path.write_text('[[break]]\nname = "n"\nfile = "f.py"\nold = "a"\nnew = "b"\ntests = []\n')
    with pytest.raises(ValueError, match="'tests' must be a non-empty list"):
        breaks.load_breaks(str(path))


def test_the_catching_test_is_read_from_pytests_summary():
    output = ('..F\n=========== short test summary info ===========\n'
              'FAILED tests/unit/x/test_a.py::test_b[one] - AssertionError: assert 1 == 2\n'
              '!!!!! stopping after 1 failures !!!!!\n1 failed, 2 passed in 0.5s\n')
    assert breaks.caught_by(output) == 'tests/unit/x/test_a.py::test_b[one]'
    assert breaks.caught_by('ERROR tests/unit/x/test_a.py::test_c - OSError\n') == 'tests/unit/x/test_a.py::test_c'
    assert breaks.caught_by('FAILED tests/t.py::test_c[0-1 0-io] - assert 0\n') == 'tests/t.py::test_c[0-1 0-io]'
    assert breaks.caught_by('FAILED tests/t.py::test_d\n') == 'tests/t.py::test_d'
    assert breaks.caught_by('3 passed\n') == ''
    assert [breaks.verdict(rc) for rc in (0, 1, 2, 4, -9)] == ['SURVIVED', 'caught', 'error', 'error', 'error']


def test_the_copy_imports_a_file_by_its_collection_name():
    assert breaks.import_name('plugins/module_utils/_iofabric/state/store.py') == \
        'ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store'
