# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run external tools found under the sysroot: argv lists only, with a timeout and an output cap.

PRIVATE to the collection. Nothing here ever goes through a shell.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import (
    ToolFailed,
    ToolNotFound,
    ToolTimeout,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot

DEFAULT_TIMEOUT = 30.0
# How long any tool may take, for the modules (a task's environment) and the reconciler (its unit's
# Environment=): a hung ib_qlgc_vnic_query or dcbtool is given up on after this many seconds.
TIMEOUT_VARIABLE = 'IOFABRIC_TOOL_TIMEOUT'
NSENTER = '/usr/bin/nsenter'
NETNS_DIRS = ('/run/netns', '/var/run/netns')
_ENV = {'LC_ALL': 'C', 'LANG': 'C', 'PATH': '/usr/sbin:/usr/bin:/sbin:/bin'}
# At most this many bytes are kept from a tool's stdout, and as many from its stderr: a tool that
# prints garbage without end is killed and the run fails, instead of the module or the reconciler
# running out of memory. The largest real output (ib_qlgc_vnic_query on a full fabric) is a few KiB.
MAX_OUTPUT = 16 * 1024 * 1024
_CHUNK = 65536


class ToolOutputTooLarge(ToolFailed):
    """The tool printed more than MAX_OUTPUT bytes on one stream; it was killed."""


@dataclass
class ToolRun:
    argv: list
    rc: int
    stdout: str
    stderr: str


def default_timeout() -> float:
    """IOFABRIC_TOOL_TIMEOUT when it is a number of seconds from 0.1 to 600, else 30."""
    try:
        value = float(os.environ.get(TIMEOUT_VARIABLE, DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if 0.1 <= value <= 600 else DEFAULT_TIMEOUT


class Runner:
    """Runs tools from a sysroot and counts the runs (the counts are in results and bench).

    With ``netns``, tools run inside that network namespace, so that they see the same
    interfaces (and the same abstract sockets, such as lldpad's) as our netlink queries.
    """

    def __init__(self, sysroot: Sysroot, timeout: float | None = None, netns: str | None = None):
        self.sysroot = sysroot
        self.timeout = timeout if timeout is not None else default_timeout()
        self.netns = netns
        self.runs: dict = {}

    def run(self, tool: str, args: list, check: bool = True, timeout: float | None = None) -> ToolRun:
        """Run ``tool`` with ``args``; raise typed errors for missing, hung or failing tools."""
        argv = [tool] + [str(arg) for arg in args]
        path = self.sysroot.tool(tool)
        if path is None:
            raise ToolNotFound(argv, 'not installed under %s' % self.sysroot.root)
        self.runs[tool] = self.runs.get(tool, 0) + 1
        try:
            # A session of its own, so that a timeout or the output cap kills the tool's children too.
            proc = subprocess.Popen(self._enter_netns() + [path] + argv[1:], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=_ENV, start_new_session=True)
        except OSError as exc:
            raise ToolNotFound(argv, 'cannot be executed: %s' % exc.strerror) from None
        rc, stdout, stderr = _collect(proc, argv, timeout or self.timeout)
        result = ToolRun(argv, rc, stdout.decode('utf-8', 'replace'), stderr.decode('utf-8', 'replace'))
        if check and result.rc != 0:
            first = (result.stderr.strip() or result.stdout.strip()).splitlines()
            raise ToolFailed(argv, 'exit status %d%s' % (result.rc, ': ' + first[0] if first else ''),
                             rc=result.rc, stderr=result.stderr)
        return result

    def _enter_netns(self) -> list:
        """The nsenter prefix that runs a tool in ``netns`` (the host's nsenter: it is how a
        namespace is entered, not a tool of the fabric)."""
        if not self.netns:
            return []
        for directory in NETNS_DIRS:
            path = os.path.join(directory, self.netns)
            if os.path.exists(path):
                return [NSENTER, '--net=' + path, '--']
        raise ToolNotFound([self.netns], 'no network namespace named %s' % self.netns)


def _collect(proc: subprocess.Popen, argv: list, timeout: float) -> tuple:
    """Read both pipes until the tool closes them, keeping at most MAX_OUTPUT bytes of each;
    kill the tool (its whole session) on the timeout or on the cap."""
    deadline = time.monotonic() + timeout
    kept = {proc.stdout: [], proc.stderr: []}
    sizes = {proc.stdout: 0, proc.stderr: 0}
    names = {proc.stdout: 'stdout', proc.stderr: 'stderr'}
    try:
        with selectors.DefaultSelector() as selector:
            for pipe in kept:
                selector.register(pipe, selectors.EVENT_READ)
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ToolTimeout(argv, 'no answer within %.1f s' % timeout)
                for key, _events in selector.select(left):
                    chunk = os.read(key.fd, _CHUNK)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    sizes[key.fileobj] += len(chunk)
                    if sizes[key.fileobj] > MAX_OUTPUT:
                        raise ToolOutputTooLarge(argv, 'printed more than %d MiB on %s; killed'
                                                 % (MAX_OUTPUT // (1024 * 1024), names[key.fileobj]))
                    kept[key.fileobj].append(chunk)
        left = max(deadline - time.monotonic(), 0.0)
        try:
            rc = proc.wait(left)
        except subprocess.TimeoutExpired:
            raise ToolTimeout(argv, 'no answer within %.1f s' % timeout) from None
    except BaseException:
        _kill(proc)
        raise
    finally:
        proc.stdout.close()
        proc.stderr.close()
    return rc, b''.join(kept[proc.stdout]), b''.join(kept[proc.stderr])


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    proc.wait()
