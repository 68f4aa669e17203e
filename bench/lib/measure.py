"""Timing with repeats (median and spread), and processes timed with their own peak memory."""

from __future__ import annotations

import os
import selectors
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field


@dataclass
class Stats:
    """Repeated measurements of one thing, in seconds unless said otherwise."""

    samples: list = field(default_factory=list)
    unit: str = 's'

    def add(self, value: float) -> None:
        self.samples.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def as_dict(self) -> dict:
        return {'median': round(self.median, 4), 'min': round(min(self.samples), 4),
                'max': round(max(self.samples), 4), 'n': len(self.samples), 'unit': self.unit,
                'samples': [round(value, 4) for value in self.samples]}


@dataclass
class Run:
    seconds: float
    rc: int
    stdout: str
    stderr: str
    max_rss_kb: int


TIME = '/usr/bin/time'   # GNU time (Debian package time)


def run(argv: list, env: dict | None = None, cwd: str | None = None, timeout: float = 1800) -> Run:
    """Run a process to its end: its wall time, output, and its own peak RSS.

    The RSS comes from GNU time, which forks the process itself: a child forked from this Python
    would report this process's peak as its own (Linux keeps the high-water mark across exec).
    """
    report = tempfile.NamedTemporaryFile(prefix='bench-rss-', delete=False)
    report.close()
    started = time.monotonic()
    proc = subprocess.Popen([TIME, '-q', '-f', '%M', '-o', report.name] + list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=env, cwd=cwd)
    chunks: dict = {proc.stdout: [], proc.stderr: []}
    selector = selectors.DefaultSelector()
    for stream in chunks:
        selector.register(stream, selectors.EVENT_READ)
    deadline = started + timeout
    while selector.get_map():
        if time.monotonic() > deadline:
            proc.kill()
            break
        for key, _events in selector.select(timeout=1):
            data = os.read(key.fileobj.fileno(), 1 << 16)
            if data:
                chunks[key.fileobj].append(data)
            else:
                selector.unregister(key.fileobj)
    proc.wait()
    seconds = time.monotonic() - started
    for stream in chunks:
        stream.close()
    with open(report.name, encoding='ascii') as handle:
        lines = [line for line in handle.read().split() if line.isdigit()]
    os.unlink(report.name)
    return Run(seconds, proc.returncode, b''.join(chunks[proc.stdout]).decode(errors='replace'),
               b''.join(chunks[proc.stderr]).decode(errors='replace'), int(lines[-1]) if lines else 0)


def linear_fit(points: list) -> tuple:
    """(intercept, slope) of the least-squares line through [(x, y)]."""
    xs, ys = [x for x, _y in points], [y for _x, y in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x in xs)
    return mean_y - slope * mean_x, slope


def quiesce(limit: float = 30.0, quiet: float = 0.5) -> float:
    """Wait (at most ``limit`` seconds) until nothing but this process runs for ``quiet`` seconds: the
    kernel finishes tearing down a simulated host's namespace after `fabricsim down` returns, and a
    case measured meanwhile would be measured against it. Returns the seconds waited."""
    started = time.monotonic()
    quiet_since = None
    while time.monotonic() - started < limit:
        with open('/proc/loadavg', encoding='ascii') as handle:
            running = int(handle.read().split()[3].split('/')[0])
        now = time.monotonic()
        if running <= 1:
            quiet_since = quiet_since or now
            if now - quiet_since >= quiet:
                break
        else:
            quiet_since = None
        time.sleep(0.05)
    return time.monotonic() - started
