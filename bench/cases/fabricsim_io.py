"""fabricsim's kernel interface against this machine's real sysfs, side by side: one unchanged
attribute read (open, read, close, with the system calls of the engine's _sysfs.read_attr), the
same read through Python's open() (which asks isatty(), an ioctl: on FUSE a round trip to the
daemon each time), a lookup (stat of an attribute through a class symlink), a directory listing,
and a write (open, write, close, as _sysfs.write_attr), each repeated N times in a row,
alternating between the two filesystems so that both see the same machine load.

The real write is the loopback MTU written with the value it has (dev_set_mtu() returns at once
when nothing changes); fabricsim's is libfcoe's debug_logging, which the model accepts and ignores.
"""

from __future__ import annotations

import os
import time

from bench.lib.fabric import SimHost
from bench.lib.measure import Stats

TARGET_RATIO = 3.0   # issue 19: within 3x of the real sysfs
OPERATIONS = ('read', 'read, Python open()', 'lookup', 'listing', 'write')
SYSFS = {'read': '/sys/class/net/lo/mtu', 'read, Python open()': '/sys/class/net/lo/mtu',
         'lookup': '/sys/class/net/lo/operstate', 'listing': '/sys/class/net/lo', 'write': '/sys/class/net/lo/mtu'}
FABRICSIM = {'read': '/sys/class/net/eth1/mtu', 'read, Python open()': '/sys/class/net/eth1/mtu',
             'lookup': '/sys/class/net/eth1/operstate', 'listing': '/sys/class/net/eth1',
             'write': '/sys/module/libfcoe/parameters/debug_logging'}


def read_as_the_engine(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        while os.read(fd, 1 << 16):
            pass
    finally:
        os.close(fd)


def read_with_open(path: str) -> None:
    with open(path, 'rb') as handle:
        handle.read()


def write_as_the_engine(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def operations(paths: dict, written: bytes) -> dict:
    return {'read': lambda: read_as_the_engine(paths['read']),
            'read, Python open()': lambda: read_with_open(paths['read, Python open()']),
            'lookup': lambda: os.stat(paths['lookup']), 'listing': lambda: os.listdir(paths['listing']),
            'write': lambda: write_as_the_engine(paths['write'], written)}


def per_call_us(call, count: int) -> float:
    call()   # the first call fills the caches; the figure is the unchanged case
    started = time.perf_counter()
    for _number in range(count):
        call()
    return (time.perf_counter() - started) / count * 1e6


def measure(repeats: int, quick: bool = False) -> dict:
    count = 200 if quick else 5000
    host = SimHost('fabricsim-io', 'small').up()
    try:
        sim_paths = {name: host.path(path) for name, path in FABRICSIM.items()}
        with open(SYSFS['write'], 'rb') as handle:
            lo_mtu = handle.read().strip()
        sim = operations(sim_paths, b'0')
        real = operations(SYSFS, lo_mtu)
        result = {'count': count, 'target_ratio': TARGET_RATIO, 'load_at_start': os.getloadavg(), 'paths': {'fabricsim': FABRICSIM, 'sysfs': SYSFS},
                  'entries': {'fabricsim': len(os.listdir(sim_paths['listing'])),
                              'sysfs': len(os.listdir(SYSFS['listing']))}, 'ops': {}}
        for name in OPERATIONS:
            on_sim, on_sysfs = Stats(unit='us'), Stats(unit='us')
            for _number in range(repeats):
                on_sim.add(per_call_us(sim[name], count))
                on_sysfs.add(per_call_us(real[name], count))
            result['ops'][name] = {'fabricsim': on_sim.as_dict(), 'sysfs': on_sysfs.as_dict(),
                                   'ratio': round(on_sim.median / on_sysfs.median, 2)}
    finally:
        host.down()
    return result
