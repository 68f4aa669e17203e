# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""iofabric-reconcile: the command line of the reconciler.

PRIVATE to the collection. The launcher the role installs calls main(). Lines go to
stdout, with sd-daemon priority prefixes when stdout is journald's (JOURNAL_STREAM), so
that `journalctl -u iofabric-reconcile -p notice` shows exactly the actions taken.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler import metrics
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.reconcile import ERROR, EXIT_BITS, run_pass
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.kinds import ORDER
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot

EPILOG = '''exit status (bits, added together): 0 in sync; %s.
--watch exits 0 when stopped by SIGTERM or SIGINT.''' % '; '.join('%d %s' % item for item in sorted(EXIT_BITS.items()))


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog='iofabric-reconcile', epilog=EPILOG,
                                 description='Re-apply the IO fabric declarations recorded by the iofabric.core modules: '
                                             'connect VNIC paths whose IOC appeared, re-attach hot-swapped IOCs, retry '
                                             'FCoE, collect EoIB child MACs, report or re-add missing SCSI devices.')
    ap.add_argument('--sysroot', default='/', help='root under which every sysfs, proc and etc path and every tool is '
                                                   'resolved (default /)')
    ap.add_argument('--netns', help='network namespace of the links (a name under /run/netns)')
    ap.add_argument('--check', action='store_true', help='change nothing; report the drift')
    ap.add_argument('--json', action='store_true', help='print the report as JSON on stdout (lines go to stderr)')
    ap.add_argument('--kinds', default=','.join(ORDER), help='comma-separated subset of %s' % ','.join(ORDER))
    ap.add_argument('--lock-timeout', type=float, default=10.0, help='seconds to wait for the host lock held by a '
                                                                     'playbook run before skipping the pass (default 10)')
    ap.add_argument('--watch', action='store_true', help='keep running: a pass on link events, when the visible IOCs '
                                                         'change, when an FCoE retry is due, and every --interval')
    ap.add_argument('--interval', type=float, default=300.0, help='watch: seconds between backstop passes (default 300)')
    ap.add_argument('--metrics-dir', help='after each pass, write the metrics for node_exporter\'s textfile collector '
                                          'to DIR/%s (atomically); off when not given' % metrics.FILENAME)
    ap.add_argument('--poll', type=float, default=1.0,
                    help='watch: seconds between polls of what has no event: VNIC paths (the fabric is queried '
                         'only while one is disconnected) and DCB of waiting FCoE interfaces (default 1)')
    return ap


class Output:
    def __init__(self, json_mode: bool):
        self.stream = sys.stderr if json_mode else sys.stdout
        self.journal = bool(os.environ.get('JOURNAL_STREAM'))

    def __call__(self, priority: int, text: str) -> None:
        for line in text.splitlines() or ['']:
            self.stream.write(('<%d>%s\n' % (priority, line)) if self.journal else line + '\n')
        self.stream.flush()


def main(argv: list | None = None) -> int:
    args = parser().parse_args(argv)
    kinds = tuple(kind for kind in args.kinds.split(',') if kind)
    unknown = [kind for kind in kinds if kind not in ORDER]
    if unknown:
        parser().error('--kinds: unknown kind %s (known: %s)' % (', '.join(unknown), ', '.join(ORDER)))
    if args.metrics_dir is not None:
        problem = metrics.check_directory(args.metrics_dir)
        if problem:
            parser().error('--metrics-dir: %s' % problem)
    out = Output(args.json)

    def one_pass(reason: str = ''):
        report = run_pass(args.sysroot, args.netns, args.check, kinds, args.lock_timeout)
        if reason:
            out(6, 'pass (%s)' % reason)
        for priority, line in report.lines():
            out(priority, line)
        if args.metrics_dir is not None:
            write_metrics(args, report, out)
        if args.json:
            sys.stdout.write(json.dumps(report.as_json(), indent=1, sort_keys=True) + '\n')
            sys.stdout.flush()
        return report

    try:
        if args.watch:
            from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.watch import Watcher
            watcher = Watcher(args.sysroot, args.netns, one_pass, out, args.interval, args.poll)
            signal.signal(signal.SIGTERM, lambda *_: watcher.stop.set())
            signal.signal(signal.SIGINT, lambda *_: watcher.stop.set())
            return watcher.run()
        return one_pass().exit_code
    except IofabricError as exc:
        out(3, 'error: %s' % exc)
        return ERROR


def pending_since(sysroot: str, data: dict, lock_timeout: float) -> dict:
    """{(kind, object): epoch seconds} since when each pending object has waited, as the store recorded it."""
    wanted = {(kind, str(row.get('object'))) for kind, result in data['kinds'].items()
              for row in result.get('objects', []) if row.get('status') == 'pending'}
    found: dict = {}
    if not wanted:
        return found
    store = StateStore(Sysroot(sysroot), owner='iofabric-reconcile metrics',
                       lock_timeout=lock_timeout)
    try:
        with store.locked(exclusive=False):
            for kind in sorted({kind for kind, _object in wanted}):
                document = store.load(kind)
                for _kind, name in sorted(item for item in wanted if item[0] == kind):
                    stamp = metrics.parse_stamp(document.observation(name).get('status_since'))
                    if stamp is not None:
                        found[(kind, name)] = stamp
    except IofabricError:
        pass   # the counts and statuses are still worth writing; only the waiting times are missing
    return found


def write_metrics(args, report, out) -> None:
    """The textfile-collector file for this pass; a pass skipped as busy keeps the last pass's file."""
    if report.busy:
        return
    data = report.as_json()
    try:
        metrics.write(args.metrics_dir, metrics.render(data, EXIT_BITS, time.time(),
                                                       pending_since(args.sysroot, data, args.lock_timeout)))
    except OSError as exc:
        out(3, 'error: cannot write the metrics into %s: %s' % (args.metrics_dir, exc.strerror or exc))
