"""DCB never ready: destroyed after the retry window. An FCoE interface in service, the watch service running as
the role installs it (poll 1 s); App:FCoE stops being operational (unmet, not a destroy condition) and stays so.
The seed (fcoemon): retries 0.2 s x n up to ten, then destroy, 11 s after the first failed step. Measured: from the
event to the instance gone (read from the simulated sysfs every 10 ms), split into the detection (the event to the
first failed step the FCoE kind recorded) and the window (that step to the instance gone). Target: gone within
1 s after the seed's window, i.e. at most 12 s after the event.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from bench.cases.reaction import fc_over, params, until
from bench.cases.reconcile import install_role
from bench.lib.fabric import SimHost
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.fcoe_interface import run_fcoe

WINDOW = 11.0     # the seed's: 0.2 + 0.4 + ... + 2.0 s
TARGET = WINDOW + 1.0
PATIENCE = 60.0


def unmet_since(host: SimHost) -> float | None:
    try:
        with open(host.path('/var/lib/iofabric/fcoe.json'), encoding='utf-8') as handle:
            return json.load(handle)['observations'].get('eth1', {}).get('unmet_since')
    except (OSError, ValueError):
        return None


def measure(repeats: int, log_path: str = os.devnull) -> dict:
    """``log_path``: where the watch's log goes (to see what it did when a figure looks wrong)."""
    host = SimHost('fcoe_exhaustion', 'small').up()
    samples, missed = [], 0
    try:
        launcher = install_role(host)
        run_fcoe(params('fcoe_interface', host, config=[{'interface': 'eth1'}]), False)
        log = open(log_path, 'a', encoding='utf-8')   # pylint: disable=consider-using-with
        watch = subprocess.Popen([launcher, '--sysroot', host.root, '--netns', host.netns, '--watch', '--interval',
                                  '300', '--poll', '1'], stdout=log, stderr=subprocess.STDOUT)
        try:
            time.sleep(3)   # the watch is up and made its first pass
            for _number in range(repeats):
                host.event('dcb-set', iface='eth1', **{'app.oper': 'true'})
                if until(lambda: fc_over(host, 'eth1')) is None:   # created again by the watch
                    raise RuntimeError('eth1 was not created again after DCB became ready')
                time.sleep(1.5)   # the watch's pass for that, if any, is over
                fired = time.time()
                host.event('dcb-set', iface='eth1', **{'app.oper': 'false'})
                started = time.monotonic()
                while time.monotonic() - started < PATIENCE and fc_over(host, 'eth1'):
                    time.sleep(0.01)
                gone = time.monotonic() - started
                if fc_over(host, 'eth1'):
                    missed += 1
                    continue
                since = unmet_since(host)
                detection = since - fired if since else None
                samples.append({'total': round(gone, 3), 'detection': round(detection, 3) if detection else None,
                                'window': round(gone - detection, 3) if detection else None})
        finally:
            watch.send_signal(signal.SIGTERM)
            watch.wait(timeout=60)
            log.close()
    finally:
        host.down()
    totals = sorted(sample['total'] for sample in samples)
    return {'samples': samples, 'missed': missed, 'poll_s': 1.0, 'window_s': WINDOW, 'target_s': TARGET,
            'median': totals[len(totals) // 2] if totals else None, 'max': totals[-1] if totals else None,
            'met': bool(totals) and not missed and totals[-1] <= TARGET}
