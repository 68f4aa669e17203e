# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mellanox's mlx4_vnicd: its line in /etc/infiniband/mlx4_vnic.conf, and whether its
garbage collector is running or will run.

PRIVATE to the collection. The daemon is configured by the one line starting
``mlx4_vnicd=<yes|no>`` followed by ``opt=value`` parameters; mlx4_vnic_confd starts it
from that line. Its collector runs when ``gc_enable`` is exactly ``yes`` (the default);
the loop compares the lower-case string, so ``YES`` passes the argument check and still
turns the collector off. Two collectors must never run at once, so eoib_gc removes
nothing while mlx4_vnicd's collector runs or is configured to run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.procs import processes

CONFIG = '/etc/infiniband/mlx4_vnic.conf'
PROGRAM = 'mlx4_vnicd'
PARAMS = ('ioa', 'interval', 'max_iter', 'gc_enable', 'vif_detect', 'log_level', 'log_file')
STATES = ('unmanaged', 'collector_off', 'collector_on', 'disabled')


@dataclass
class DaemonLine:
    enabled: bool
    params: dict = field(default_factory=dict)   # in file order

    @property
    def collects(self) -> bool:
        return self.enabled and self.params.get('gc_enable', 'yes') == 'yes'

    def render(self) -> str:
        return ' '.join(['mlx4_vnicd=%s' % ('yes' if self.enabled else 'no')]
                        + ['%s=%s' % item for item in self.params.items()])


def find_lines(text: str) -> list:
    """(index, line) of every mlx4_vnicd= line (confd refuses a file with more than one)."""
    return [(number, line) for number, line in enumerate(text.splitlines())
            if line.strip().startswith('mlx4_vnicd=')]


def parse_line(line: str) -> DaemonLine:
    tokens = line.split()
    enabled = tokens[0].split('=', 1)[1].lower() == 'yes'
    params = dict(token.split('=', 1) for token in tokens[1:] if '=' in token)
    return DaemonLine(enabled, params)


def current(text: str, path: str) -> DaemonLine | None:
    lines = find_lines(text)
    if len(lines) > 1:
        raise ValidationError('vendor_daemon', '%s has %d mlx4_vnicd= lines (mlx4_vnic_confd refuses such a file); '
                                               'fix it by hand' % (path, len(lines)))
    return parse_line(lines[0][1]) if lines else None


def desired(old: DaemonLine | None, settings: dict) -> DaemonLine | None:
    """The line for vendor_daemon settings; None when unmanaged. Parameters not set keep
    their current value (ioa, max_iter, log_file, ...)."""
    state = settings['state']
    if state == 'unmanaged':
        return old
    params = dict(old.params) if old else {}
    if state in ('collector_on', 'collector_off'):
        params['gc_enable'] = 'yes' if state == 'collector_on' else 'no'
    for key in ('interval', 'vif_detect', 'log_level', 'log_file'):
        value = settings.get(key)
        if value is not None:
            params[key] = ('yes' if value else 'no') if isinstance(value, bool) else str(value)
    return DaemonLine(state != 'disabled', params)


def merge_text(text: str, line: DaemonLine) -> str:
    """Replace the mlx4_vnicd= line (keeping its line end), or append one; every other byte is kept."""
    lines = text.splitlines(keepends=True)
    found = find_lines(text)
    if found:
        old = lines[found[0][0]]
        lines[found[0][0]] = line.render() + old[len(old.rstrip('\r\n')):]
    else:
        if lines and not lines[-1].endswith('\n'):
            lines[-1] += '\n'
        lines.append(line.render() + '\n')
    return ''.join(lines)


@dataclass
class RunningDaemon:
    pid: int
    params: dict

    @property
    def collects(self) -> bool:
        return self.params.get('gc_enable', 'yes') == 'yes'


def running(sysroot) -> list:
    found = []
    for process in processes(sysroot):
        if process.runs(PROGRAM):
            args = process.argv[1:]
            if args and args[0].endswith(PROGRAM):
                args = args[1:]  # "python /sbin/mlx4_vnicd opt=..."
            found.append(RunningDaemon(process.pid, dict(arg.split('=', 1) for arg in args if '=' in arg)))
    return found
