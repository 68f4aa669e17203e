# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running processes, from <sysroot>/proc.

PRIVATE to the collection. Used to find daemons we must not race (fcoemon, mlx4_vnicd).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import SysfsError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import list_dir, read_attr_or


@dataclass
class Process:
    pid: int
    comm: str
    argv: list

    def runs(self, program: str) -> bool:
        """True when this process is ``program``: by its comm (a binary, or a script started
        through its #! line) or by argv[0]/argv[1] (a script started as ``python script``)."""
        names = [self.comm] + [os.path.basename(arg) for arg in self.argv[:2]]
        return program[:15] == self.comm or program in names


def processes(sysroot) -> list:
    """Every process; one that exits while we look is skipped."""
    proc = sysroot.path('/proc')
    found = []
    for entry in list_dir(proc):
        if not entry.isdigit():
            continue
        try:
            comm = read_attr_or('%s/%s/comm' % (proc, entry))
            cmdline = read_attr_or('%s/%s/cmdline' % (proc, entry), '')
        except SysfsError:
            continue
        if comm is None:
            continue
        argv = [arg for arg in (cmdline or '').split('\0') if arg]
        found.append(Process(int(entry), comm, argv))
    return found


def pids_of(sysroot, program: str) -> list:
    return [process.pid for process in processes(sysroot) if process.runs(program)]
