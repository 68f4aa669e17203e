"""docs/monitoring.md: its example alert rules pass promtool, and name only metrics the reconciler writes."""

import os
import re
import shutil
import subprocess

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler import metrics
from tests.lib.ansible_run import REPO

PROMTOOL = shutil.which('promtool')


def rules_block() -> str:
    with open(os.path.join(REPO, 'docs', 'monitoring.md'), encoding='utf-8') as handle:
        text = handle.read()
    [block] = [body for body in re.findall(r'```yaml\n(.*?)```', text, re.S) if body.startswith('groups:')]
    return block


@pytest.mark.skipif(not PROMTOOL, reason='needs promtool (Debian: prometheus)')
def test_the_example_alert_rules_pass_promtool(tmp_path):
    path = tmp_path / 'iofabric.rules.yml'
    path.write_text(rules_block(), encoding='utf-8')
    proc = subprocess.run([PROMTOOL, 'check', 'rules', str(path)], capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0 and 'SUCCESS: 3 rules found' in proc.stdout, proc.stdout + proc.stderr


def test_the_rules_use_metrics_the_reconciler_writes():
    written = set(re.findall(r'^# TYPE (\S+) ', metrics.render({'kinds': {}}, {8: 'error'}, 0.0), re.M))
    used = set(re.findall(r'\b(iofabric_[a-z_]+)', rules_block()))
    assert used and used <= written
