"""Asynchronous completions: a real-time timer thread in the daemon, a manual clock in tests."""

from __future__ import annotations

import heapq
import itertools
import threading
import time


class ManualClock:
    """Completions run only when the test says so (settle/advance): deterministic."""

    def __init__(self):
        self.now = 0.0
        self._queue: list = []
        self._seq = itertools.count()

    def time(self) -> float:
        return self.now

    def schedule(self, delay: float, callback) -> None:
        heapq.heappush(self._queue, (self.now + max(delay, 0.0), next(self._seq), callback))

    def advance(self, seconds: float) -> None:
        """Move time forward, running completions that fall due, in order."""
        deadline = self.now + seconds
        while self._queue and self._queue[0][0] <= deadline:
            due, _seq, callback = heapq.heappop(self._queue)
            self.now = max(self.now, due)
            callback()
        self.now = deadline

    def settle(self, horizon: float = 3600.0) -> None:
        self.advance(horizon)

    @property
    def pending(self) -> int:
        return len(self._queue)

    def start(self, runner) -> None:
        """Manual clocks run nothing on their own."""

    def stop(self) -> None:
        """Nothing to stop."""


class RealClock(ManualClock):
    """A timer thread runs each completion through ``runner`` (which takes the model lock).

    ``advance`` moves this clock ahead of the real one (the ``clock-advance`` event), so that a
    test need not sleep through a long driver timeout; what falls due runs before it returns.
    """

    def __init__(self):
        super().__init__()
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._offset = 0.0

    def time(self) -> float:
        return time.monotonic() + self._offset

    def schedule(self, delay: float, callback) -> None:
        with self._cond:
            heapq.heappush(self._queue, (self.time() + max(delay, 0.0), next(self._seq), callback))
            self._cond.notify()

    def advance(self, seconds: float) -> None:
        """Jump ahead; run what falls due now, in order (the caller holds the model lock)."""
        with self._cond:
            self._offset += max(seconds, 0.0)
        while True:
            with self._cond:
                if not self._queue or self._queue[0][0] > self.time():
                    self._cond.notify()
                    return
                callback = heapq.heappop(self._queue)[2]
            callback()

    def start(self, runner) -> None:
        self._thread = threading.Thread(target=self._loop, args=(runner,), name='fabricsim-clock', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()

    def _loop(self, runner) -> None:
        while True:
            with self._cond:
                while not self._stop and (not self._queue or self._queue[0][0] > self.time()):
                    timeout = None if not self._queue else max(self._queue[0][0] - self.time(), 0.0)
                    self._cond.wait(timeout)
                if self._stop:
                    return
                due = []
                while self._queue and self._queue[0][0] <= self.time():
                    due.append(heapq.heappop(self._queue)[2])
            runner(due)
