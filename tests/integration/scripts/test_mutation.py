"""scripts/mutation.py ends the fabricsim daemons its scratch tree's test runs left, and only those."""

import importlib.util
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def load_script():
    spec = importlib.util.spec_from_file_location('mutation_script', os.path.join(REPO, 'scripts', 'mutation.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fabricsim(*args, env=None):
    return subprocess.run([sys.executable, '-m', 'fabricsim'] + list(args), capture_output=True, text=True,
                          check=False, cwd=REPO, env=env)


def running(root):
    return json.loads(fabricsim('status', root).stdout)['running']


def test_the_daemons_a_trees_test_runs_left_are_ended_and_no_other(tmp_path):
    mutation = load_script()
    tree = str(tmp_path / 'trees' / '_iofabric.kinds.sdi.kind')
    left, other = str(tmp_path / 'left'), str(tmp_path / 'other')
    os.makedirs(left)
    os.makedirs(other)
    try:
        # Started as a mutant's test run starts one: the tree's environment, inherited by the detached daemon.
        assert fabricsim('up', left, '--scenario', 'demo', env=dict(os.environ, **{mutation.TREE_MARK: tree})).returncode == 0
        assert fabricsim('up', other, '--scenario', 'demo', env=dict(os.environ, **{mutation.TREE_MARK: tree + '-x'})).returncode == 0
        assert [root for _pid, root in mutation.simulators_of(tree)] == [left]

        assert mutation.reap_simulators(tree) == 1

        assert not running(left)
        assert not os.path.ismount(os.path.join(left, 'sys')) and not os.path.ismount(os.path.join(left, 'proc'))
        assert running(other)   # another tree's (or anyone else's) daemon is not touched
        assert mutation.simulators_of(tree) == [] and mutation.reap_simulators(tree) == 0
    finally:
        fabricsim('down', left)
        fabricsim('down', other)
