"""The real-time clock can be moved ahead (clock-advance), so that tests need not sleep through a timeout."""

import threading

from fabricsim.clock import RealClock


def test_advance_runs_what_falls_due_before_it_returns():
    clock = RealClock()
    ran = []
    clock.start(lambda callbacks: [callback() for callback in callbacks])
    try:
        clock.schedule(60, lambda: ran.append('minute'))
        clock.schedule(3600, lambda: ran.append('hour'))
        clock.advance(61)
        assert ran == ['minute']
        assert clock.pending == 1
    finally:
        clock.stop()


def test_the_timer_thread_still_runs_completions_after_an_advance():
    clock = RealClock()
    done = threading.Event()
    clock.start(lambda callbacks: [callback() for callback in callbacks])
    try:
        clock.advance(10)
        clock.schedule(0.01, done.set)
        assert done.wait(5)
    finally:
        clock.stop()
