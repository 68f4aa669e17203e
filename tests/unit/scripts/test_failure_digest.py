"""scripts/failure_digest.py: the last lines of `make test` say what failed."""
from __future__ import annotations

import pathlib
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCRIPT = ROOT / 'scripts' / 'failure_digest.py'


def run_digest(step: str, log: pathlib.Path) -> list[str]:
    out = subprocess.run([sys.executable, str(SCRIPT), step, str(log)], check=True, capture_output=True, text=True)
    return out.stdout.splitlines()


def test_a_failing_pytest_run_is_named_by_its_test(tmp_path):
    """A real pytest run with one failing test: the digest names that test and not the passing one."""
    (tmp_path / 'test_sample.py').write_text('def test_good():\n    pass\n\ndef test_bad():\n    assert 1 == 2\n')
    run = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', str(tmp_path / 'test_sample.py')],
                         capture_output=True, text=True, cwd=tmp_path, check=False)
    assert run.returncode == 1
    log = tmp_path / 'test-units.log'
    log.write_text(run.stdout)
    lines = run_digest('units', log)
    assert lines[0].startswith('=== why units failed')
    assert any('test_sample.py::test_bad' in line for line in lines)
    assert not any('test_good' in line for line in lines)


def test_a_failed_molecule_task_is_named_with_its_scenario_and_action(tmp_path):
    (tmp_path / 'test-molecule.log').write_text(textwrap.dedent('''\
        --- molecule scenario reconciler
        --- molecule scenario systemd
        molecule scenario systemd FAILED; last lines of build/molecule-systemd.log:
        systemd > destroy: Executed: Successful
        '''))
    (tmp_path / 'molecule-systemd.log').write_text(textwrap.dedent('''\
        INFO     [systemd > converge] Executing
        TASK [iofabric.core.reconciler : Create the directories] ***********************
        changed: [machine] => (item=/usr/local/lib/iofabric)
        TASK [iofabric.core.reconciler : Probe] ****************************************
        fatal: [machine]: FAILED! => {
            "changed": false,
            "msg": "probe"
        }
        ...ignoring
        INFO     [systemd > verify] Executing
        TASK [Wait for both paths to be connected] *************************************
        FAILED - RETRYING: [localhost]: Wait for both paths to be connected (60 retries left).
        fatal: [localhost]: FAILED! => {
            "attempts": 60,
            "changed": false,
            "msg": "paths not connected"
        }
        INFO     [systemd > destroy] Executing
        TASK [Stop the container (always safe)] ****************************************
        changed: [localhost]
        '''))
    lines = run_digest('molecule', tmp_path / 'test-molecule.log')
    assert lines[1:] == ['  molecule systemd, action verify, task [Wait for both paths to be connected]: '
                         'fatal: [localhost]: FAILED! => { "attempts": 60, "changed": false, "msg": "paths not connected" }']


def test_a_step_without_recognised_lines_shows_its_last_lines(tmp_path):
    log = tmp_path / 'test-lint.log'
    log.write_text(''.join('line %d\n' % n for n in range(20)))
    assert run_digest('lint', log)[1:] == ['  line %d' % n for n in range(14, 20)]
