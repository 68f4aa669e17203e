"""Simulated processes under <root>/proc/<pid>: comm, cmdline and open file descriptors.

Used for "is fcoemon running" and for "which process holds this disk open". Pids are
simulated (from 40000 up, so they do not look like the host's); fd entries are symlinks
to device nodes, as in procfs.
"""

from __future__ import annotations

import itertools

from fabricsim import vfs

FIRST_PID = 40000


class Process:
    def __init__(self, pid: int, name: str, argv: list):
        self.pid, self.name, self.argv = pid, name, argv
        self.fds: dict = {}
        self._fd_numbers = itertools.count(3)

    def open(self, target: str) -> int:
        fd = next(self._fd_numbers)
        self.fds[fd] = target
        return fd


class Processes:
    name = 'processes'

    def __init__(self, fabric, config: list):
        self.fabric = fabric
        self.table: dict = {}
        self._pids = itertools.count(FIRST_PID)
        for entry in config or []:
            self.start(entry['name'], entry.get('argv'))
        fabric.root.get('proc').provide(lambda: [str(pid) for pid in sorted(self.table)], self._pid_dir)

    def start(self, name: str, argv: list | None = None) -> Process:
        process = Process(next(self._pids), name, argv or [name])
        self.table[process.pid] = process
        self.fabric.mark_dirty('/proc/%d' % process.pid)
        return process

    def stop(self, pid: int) -> None:
        self.table.pop(pid, None)
        self.fabric.mark_dirty('/proc/%d' % pid)

    def find(self, name: str) -> list:
        return [process for process in self.table.values() if process.name == name]

    def _pid_dir(self, name: str):
        if not name.isdigit() or int(name) not in self.table:
            return None
        process = self.table[int(name)]
        return vfs.Dir({
            'comm': vfs.text_attr(lambda: process.name[:15]),
            'cmdline': vfs.Attr(read=lambda: '\0'.join(process.argv) + '\0'),
            'fd': vfs.Dir(names=lambda: [str(fd) for fd in sorted(process.fds)],
                          child=lambda fd: vfs.Link(process.fds[int(fd)]) if fd.isdigit() and int(fd) in process.fds
                          else None, mode=0o500),
        })

    # -- events, tools, state ----------------------------------------------------------
    def events(self) -> dict:
        return {'process-start': self.ev_start, 'process-stop': self.ev_stop}

    def ev_start(self, args: dict) -> dict:
        process = self.start(args['name'], args.get('argv', '').split() or None)
        return {'pid': process.pid, 'name': process.name}

    def ev_stop(self, args: dict) -> dict:
        pids = [int(args['pid'])] if args.get('pid') else [p.pid for p in self.find(args.get('name', ''))]
        for pid in pids:
            self.stop(pid)
        return {'stopped': pids}

    def tools(self) -> dict:
        return {}

    def state(self) -> dict:
        return {str(pid): {'name': p.name, 'argv': p.argv, 'fds': {str(fd): t for fd, t in p.fds.items()}}
                for pid, p in sorted(self.table.items())}
