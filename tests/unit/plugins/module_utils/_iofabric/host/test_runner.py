import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ToolFailed, ToolNotFound, ToolTimeout
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import MAX_OUTPUT, Runner, ToolOutputTooLarge
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot


@pytest.fixture
def runner(tmp_path):
    sbin = tmp_path / 'usr' / 'sbin'
    sbin.mkdir(parents=True)
    tools = {
        'hello': '#!/bin/sh\necho "hello $1"\necho warn >&2\n',
        'fails': '#!/bin/sh\necho "not capable" >&2\nexit 8\n',
        'hangs': '#!/bin/sh\nexec sleep 30\n',
        'argv': '#!/bin/sh\nfor a in "$@"; do echo "[$a]"; done\n',
        # 20 MiB on stdout, then a clean exit: over the cap even though the tool ends.
        'floods': '#!/bin/sh\nexec python3 -c "import sys; sys.stdout.buffer.write(b\'x\' * (20 << 20))"\n',
        # Garbage without end on stderr, from a child of the shell (killed with its session).
        'babbles': '#!/bin/sh\nyes garbage >&2\n',
        # Exactly the cap: still read whole.
        'fills': '#!/bin/sh\nexec python3 -c "import sys; sys.stdout.buffer.write(b\'y\' * %d)"\n' % MAX_OUTPUT,
        # Closes its output but never exits: the timeout still applies.
        'lingers': '#!/bin/sh\nexec >/dev/null 2>&1\nexec sleep 30\n',
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


def test_the_output_cap_is_16_MiB():
    assert MAX_OUTPUT == 16 * 1024 * 1024


def test_a_tool_printing_more_than_the_cap_fails_naming_the_tool_and_the_stream(runner):
    with pytest.raises(ToolOutputTooLarge) as info:
        runner.run('floods', ['now'], check=False)
    assert isinstance(info.value, ToolFailed)
    assert info.value.argv == ['floods', 'now']
    assert str(info.value) == 'floods now: printed more than 16 MiB on stdout; killed'


def test_a_tool_printing_garbage_without_end_is_killed_at_the_cap(runner):
    # `yes` never ends: without the cap this would read until the 5 s timeout (gigabytes).
    with pytest.raises(ToolOutputTooLarge) as info:
        runner.run('babbles', [])
    assert 'on stderr' in str(info.value)


def test_output_of_exactly_the_cap_is_read_whole(runner):
    run = runner.run('fills', [])
    assert len(run.stdout) == MAX_OUTPUT and run.stdout.strip('y') == ''


def test_a_tool_that_closes_its_output_but_never_exits_still_times_out(runner):
    with pytest.raises(ToolTimeout):
        runner.run('lingers', [], timeout=0.3)
