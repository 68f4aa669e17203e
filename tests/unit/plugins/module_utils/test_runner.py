import pytest

from ansible_collections.iofabric.core.plugins.module_utils._errors import ToolFailed, ToolNotFound, ToolTimeout
from ansible_collections.iofabric.core.plugins.module_utils._runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._sysroot import Sysroot


@pytest.fixture
def runner(tmp_path):
    sbin = tmp_path / 'usr' / 'sbin'
    sbin.mkdir(parents=True)
    tools = {
        'hello': '#!/bin/sh\necho "hello $1"\necho warn >&2\n',
        'fails': '#!/bin/sh\necho "not capable" >&2\nexit 8\n',
        'hangs': '#!/bin/sh\nexec sleep 30\n',
        'argv': '#!/bin/sh\nfor a in "$@"; do echo "[$a]"; done\n',
    }
    for name, text in tools.items():
        path = sbin / name
        path.write_text(text)
        path.chmod(0o755)
    return Runner(Sysroot(str(tmp_path)), timeout=5)


def test_runs_and_captures(runner):
    run = runner.run('hello', ['world'])
    assert (run.rc, run.stdout, run.stderr) == (0, 'hello world\n', 'warn\n')
    assert runner.runs == {'hello': 1}


def test_arguments_are_never_split_or_interpreted(runner):
    run = runner.run('argv', ['a b', '$(id)', ';', '*', 'x,y="z"'])
    assert run.stdout.splitlines() == ['[a b]', '[$(id)]', '[;]', '[*]', '[x,y="z"]']


def test_nonzero_exit_is_typed(runner):
    with pytest.raises(ToolFailed) as info:
        runner.run('fails', [])
    assert info.value.rc == 8
    assert 'not capable' in str(info.value)
    assert runner.run('fails', [], check=False).rc == 8


def test_missing_tool_is_typed(runner):
    with pytest.raises(ToolNotFound) as info:
        runner.run('dcbtool', ['gc', 'eth2', 'dcb'])
    assert info.value.argv == ['dcbtool', 'gc', 'eth2', 'dcb']


def test_timeout_is_typed(runner):
    with pytest.raises(ToolTimeout):
        runner.run('hangs', [], timeout=0.3)


@pytest.mark.parametrize('value, expected', [('1.5', 1.5), ('600', 600.0), (None, 30.0), ('0', 30.0), ('601', 30.0),
                                             ('soon', 30.0), ('nan', 30.0)])
def test_the_tool_timeout_comes_from_the_environment_when_sane(monkeypatch, tmp_path, value, expected):
    if value is None:
        monkeypatch.delenv('IOFABRIC_TOOL_TIMEOUT', raising=False)
    else:
        monkeypatch.setenv('IOFABRIC_TOOL_TIMEOUT', value)
    assert Runner(Sysroot(str(tmp_path))).timeout == expected
    assert Runner(Sysroot(str(tmp_path)), timeout=2).timeout == 2


def test_a_hung_tool_is_given_up_on_after_the_timeout(runner):
    runner.timeout = 0.3
    with pytest.raises(ToolTimeout) as info:
        runner.run('hangs', [])
    assert 'no answer within 0.3 s' in str(info.value)
