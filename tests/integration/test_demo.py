"""make demo's script, end to end: it exits 0, tells its story, and leaves nothing behind."""

import os
import subprocess

from tests.lib.ansible_run import REPO


def test_demo_runs_and_cleans_up():
    proc = subprocess.run([os.path.join(REPO, 'scripts', 'demo.sh')], capture_output=True, text=True, check=False,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert out.index('1. Drift report') < out.index('2. Apply') < out.index('3. The late IOC') < out.index('5. Drift')
    assert 'hot swap of IOC' in out and 'late IOC appeared' in out and 'is not visible on mlx4_0:2 yet' in out
    final = out[out.index('5. Drift'):]
    assert 'changed=0' in final and '"actions": []' in final
    root = os.path.join(REPO, 'build', 'demo', 'host1')
    assert not os.path.ismount(os.path.join(root, 'sys')) and not os.path.ismount(os.path.join(root, 'proc'))
