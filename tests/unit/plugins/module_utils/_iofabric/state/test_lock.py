import json
import os
import signal
import subprocess
import sys
import time

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import LockTimeout
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import HostLock

HOLDER = r'''
import sys, time
sys.path[:0] = sys.argv[3].split(":")
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import HostLock
lock = HostLock(sys.argv[1], "holder-test", 1)
lock.acquire(sys.argv[2] == "ex")
print("locked", flush=True)
time.sleep(60)
'''


@pytest.fixture
def holder(tmp_path):
    procs = []

    def start(exclusive=True):
        proc = subprocess.Popen([sys.executable, '-c', HOLDER, str(tmp_path), 'ex' if exclusive else 'sh',
                                 ':'.join(sys.path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == 'locked'
        procs.append(proc)
        return proc
    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def test_contention_names_the_holder(tmp_path, holder):
    proc = holder()
    lock = HostLock(str(tmp_path), 'me', timeout=0.3)
    with pytest.raises(LockTimeout) as info:
        lock.acquire()
    assert 'holder-test (pid %d)' % proc.pid in str(info.value)
    assert info.value.details()['lock'].endswith('/lock')


def test_shared_locks_coexist_but_exclude_writers(tmp_path, holder):
    holder(exclusive=False)
    reader = HostLock(str(tmp_path), 'reader', timeout=0.3)
    reader.acquire(exclusive=False)
    reader.release()
    with pytest.raises(LockTimeout):
        HostLock(str(tmp_path), 'writer', timeout=0.3).acquire()


def test_a_killed_holder_never_leaves_the_host_locked(tmp_path, holder):
    proc = holder()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    lock = HostLock(str(tmp_path), 'next', timeout=2)
    lock.acquire()
    assert 'next' in lock.holder()
    lock.release()


def test_waits_then_gets_the_lock(tmp_path, holder):
    proc = holder()
    subprocess.Popen(['sh', '-c', 'sleep 0.3; kill %d' % proc.pid])
    lock = HostLock(str(tmp_path), 'patient', timeout=10)
    start = time.monotonic()
    lock.acquire()
    assert lock.waited > 0 and time.monotonic() - start < 10
    lock.release()


def test_the_trace_records_each_hold_with_its_mode_and_times(tmp_path, monkeypatch):
    trace = tmp_path / 'trace.jsonl'
    monkeypatch.setenv('IOFABRIC_LOCK_TRACE', str(trace))
    for exclusive in (True, False):
        lock = HostLock(str(tmp_path), 'tester', 1.0)
        lock.acquire(exclusive)
        lock.release()
    holds = [json.loads(line) for line in trace.read_text().splitlines()]
    assert [(hold['owner'], hold['exclusive']) for hold in holds] == [('tester', True), ('tester', False)]
    assert all(hold['acquired'] <= hold['released'] for hold in holds)
    assert holds[0]['released'] <= holds[1]['acquired']
