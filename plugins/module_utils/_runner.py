# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run external tools found under the sysroot: argv lists only, with a timeout.

PRIVATE to the collection. Nothing here ever goes through a shell.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._errors import (
    ToolFailed,
    ToolNotFound,
    ToolTimeout,
)
from ansible_collections.iofabric.core.plugins.module_utils._sysroot import Sysroot

DEFAULT_TIMEOUT = 30.0
_ENV = {'LC_ALL': 'C', 'LANG': 'C', 'PATH': '/usr/sbin:/usr/bin:/sbin:/bin'}


@dataclass
class ToolRun:
    argv: list
    rc: int
    stdout: str
    stderr: str


class Runner:
    """Runs tools from a sysroot and counts the runs (the counts are in results and bench)."""

    def __init__(self, sysroot: Sysroot, timeout: float = DEFAULT_TIMEOUT):
        self.sysroot = sysroot
        self.timeout = timeout
        self.runs: dict = {}

    def run(self, tool: str, args: list, check: bool = True, timeout: float | None = None) -> ToolRun:
        """Run ``tool`` with ``args``; raise typed errors for missing, hung or failing tools."""
        argv = [tool] + [str(arg) for arg in args]
        path = self.sysroot.tool(tool)
        if path is None:
            raise ToolNotFound(argv, 'not installed under %s' % self.sysroot.root)
        self.runs[tool] = self.runs.get(tool, 0) + 1
        try:
            proc = subprocess.run([path] + argv[1:], capture_output=True, timeout=timeout or self.timeout,
                                  env=_ENV, check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ToolTimeout(argv, 'no answer within %.1f s' % (timeout or self.timeout)) from None
        except OSError as exc:
            raise ToolNotFound(argv, 'cannot be executed: %s' % exc.strerror) from None
        result = ToolRun(argv, proc.returncode,
                         proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace'))
        if check and result.rc != 0:
            first = (result.stderr.strip() or result.stdout.strip()).splitlines()
            raise ToolFailed(argv, 'exit status %d%s' % (result.rc, ': ' + first[0] if first else ''),
                             rc=result.rc, stderr=result.stderr)
        return result
