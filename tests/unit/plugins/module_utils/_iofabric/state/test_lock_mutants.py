"""The host lock's smaller promises (mutation testing, docs/mutation.md): it waits its whole timeout,
reads the holder file bounded, records who holds it, and refuses store paths of the wrong type."""

import errno
import gc
import json
import os
import re
import stat
import subprocess
import sys
import tempfile

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import LockTimeout, StoreError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import HostLock, check_private, open_private
from tests.lib import fusefs

HOLDER = r'''
import sys, time
sys.path[:0] = sys.argv[2].split(":")
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import HostLock, check_private
HostLock(sys.argv[1], "holder-test", 1).acquire(True)
print("locked", flush=True)
time.sleep(60)
'''


def test_a_contended_lock_gives_up_only_after_its_whole_timeout(tmp_path):
    """A lower bound only: the wait is at least the timeout (time.monotonic, never the wall clock)."""
    proc = subprocess.Popen([sys.executable, '-c', HOLDER, str(tmp_path), ':'.join(sys.path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == 'locked'
        with pytest.raises(LockTimeout) as info:
            HostLock(str(tmp_path), 'me', timeout=1.5).acquire()
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    waited = float(re.search(r'gave up after ([0-9.]+) s', str(info.value)).group(1))
    assert waited >= 1.5


def test_the_holder_file_names_the_program_that_holds_the_lock(tmp_path):
    lock = HostLock(str(tmp_path), 'tester', 1)
    lock.acquire()
    try:
        info = json.loads((tmp_path / 'lock.holder').read_text())
    finally:
        lock.release()
    assert (info['owner'], info['pid'], info['argv0']) == ('tester', os.getpid(), os.path.basename(sys.argv[0]))


def holder_file(tmp_path, size: int) -> None:
    """A valid holder document of exactly ``size`` bytes."""
    head = {'owner': 'x', 'pid': 1, 'since': 'then', 'pad': ''}
    head['pad'] = 'p' * (size - len(json.dumps(head)))
    text = json.dumps(head)
    assert len(text) == size
    path = tmp_path / 'lock.holder'
    path.write_text(text)
    os.chmod(path, 0o600)


def test_the_holder_file_is_read_up_to_4096_bytes(tmp_path):
    """A planted huge holder file is never read whole: past 4096 bytes it is not understood."""
    holder_file(tmp_path, 4096)
    assert HostLock(str(tmp_path), 'me', 1).holder() == 'x (pid 1) since then'
    holder_file(tmp_path, 4097)
    assert HostLock(str(tmp_path), 'me', 1).holder() == ''


def test_a_store_path_of_the_wrong_type_is_refused_by_name(tmp_path):
    (tmp_path / 'dir').mkdir()
    (tmp_path / 'file').write_text('x')
    with pytest.raises(StoreError, match='dir is not a regular file; refusing'):
        check_private(str(tmp_path / 'dir'), os.stat(tmp_path / 'dir'), 'file')
    with pytest.raises(StoreError, match='file is not a directory; refusing'):
        check_private(str(tmp_path / 'file'), os.stat(tmp_path / 'file'), 'directory')


def test_a_holder_path_that_is_a_directory_reads_as_no_holder(tmp_path):
    (tmp_path / 'lock.holder').mkdir()
    assert HostLock(str(tmp_path), 'me', 1).holder() == ''


def test_releasing_a_lock_not_held_is_a_no_op(tmp_path):
    gc.collect()
    before = sorted(os.listdir('/proc/self/fd'))
    lock = HostLock(str(tmp_path), 'me', 1)
    lock.release()
    assert sorted(os.listdir('/proc/self/fd')) == before
    lock.acquire()
    lock.release()
    lock.release()
    assert sorted(os.listdir('/proc/self/fd')) == before


def test_the_wait_reported_lies_within_the_acquire_call(tmp_path):
    """Not a timing bound: the reported wait must fit inside the interval the caller saw on the same clock."""
    import time
    lock = HostLock(str(tmp_path), 'me', 1)
    before = time.monotonic()
    lock.acquire()
    after = time.monotonic()
    lock.release()
    assert 0 <= lock.waited <= after - before


def test_a_fifo_planted_as_the_holder_file_never_blocks_the_reader(tmp_path):
    """O_NONBLOCK: opening a FIFO with no writer would wait forever; it is refused as not a regular file."""
    os.mkfifo(tmp_path / 'lock.holder', 0o600)
    assert HostLock(str(tmp_path), 'me', 1).holder() == ''


def test_the_trace_keeps_the_wait_to_the_microsecond(tmp_path, monkeypatch):
    trace = tmp_path / 'trace.jsonl'
    monkeypatch.setenv('IOFABRIC_LOCK_TRACE', str(trace))
    lock = HostLock(str(tmp_path), 'tester', 1.0)
    lock.acquire()
    lock.waited = 0.123456789   # a known value: a real, uncontended wait may have too few digits to tell
    lock.release()
    assert json.loads(trace.read_text())['waited'] == 0.123457


def test_the_trace_file_is_created_private(tmp_path, monkeypatch):
    trace = tmp_path / 'trace.jsonl'
    monkeypatch.setenv('IOFABRIC_LOCK_TRACE', str(trace))
    lock = HostLock(str(tmp_path), 'tester', 1.0)
    lock.acquire()
    lock.release()
    assert stat.S_IMODE(trace.stat().st_mode) == 0o600


def test_neither_a_second_release_nor_a_timeout_closes_anything_else(tmp_path):
    """After a release or a timeout the lock holds no fd: a later release must not close fd 0 or 1."""
    gc.collect()   # files of earlier tests that nobody closed must not close during this one
    before = sorted(os.listdir('/proc/self/fd'))
    lock = HostLock(str(tmp_path), 'me', 1)
    lock.acquire()
    lock.release()
    lock.release()
    proc = subprocess.Popen([sys.executable, '-c', HOLDER, str(tmp_path), ':'.join(sys.path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == 'locked'
        waiting = HostLock(str(tmp_path), 'me', timeout=0.2)
        with pytest.raises(LockTimeout):
            waiting.acquire()
        waiting.release()
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert sorted(os.listdir('/proc/self/fd')) == before


def test_the_lock_and_holder_files_are_created_private(tmp_path):
    lock = HostLock(str(tmp_path), 'me', 1)
    lock.acquire()
    lock.release()
    assert [stat.S_IMODE((tmp_path / name).stat().st_mode) for name in ('lock', 'lock.holder')] == [0o600, 0o600]


def test_a_trace_that_cannot_be_written_never_fails_the_release(tmp_path, monkeypatch):
    monkeypatch.setenv('IOFABRIC_LOCK_TRACE', str(tmp_path / 'missing' / 'trace.jsonl'))
    lock = HostLock(str(tmp_path), 'me', 1)
    lock.acquire()
    lock.release()


def test_a_lock_held_on_fd_0_is_released(tmp_path):
    """A daemon started with stdin closed gets fd 0 for the lock: release must still unlock and close it."""
    saved = os.dup(0)
    os.close(0)
    try:
        lock = HostLock(str(tmp_path), 'me', 1)
        lock.acquire()
        held_on = lock._fd
        lock.release()
        with pytest.raises(OSError):
            os.fstat(0)
    finally:
        os.dup2(saved, 0)
        os.close(saved)
    assert held_on == 0


NOBODY = 65534
OPEN_AS = r'''
import os, sys
sys.path[:0] = sys.argv[2].split(":")
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import StoreError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import open_private
try:
    os.close(open_private(sys.argv[1], os.O_RDONLY))
    print("opened")
except StoreError as exc:
    print("refused: %s" % exc)
'''


def open_as_nobody(path: str) -> str:
    """open_private in a process running as uid/gid 65534, the way a non-root user would run iofabric."""
    if os.geteuid() != 0:
        pytest.skip('needs root to run a process as another user')
    # The venv's interpreter may live where only root can enter (/root/.pyenv): the system's runs the stdlib-only module.
    python = next((path for path in ('/usr/bin/python3.11', '/usr/bin/python3') if os.access(path, os.X_OK)), None)
    if python is None:
        pytest.skip('no system python3 another user can run')
    paths = [p for p in sys.path if p and not p.startswith('/root')]
    return subprocess.run([python, '-c', OPEN_AS, path, ':'.join(paths)], user=NOBODY,
                          group=NOBODY, extra_groups=[], capture_output=True, text=True, timeout=60, check=True).stdout.strip()


@pytest.fixture
def shared_dir():
    """A directory another user may enter (pytest's own tmp directories are private to root)."""
    path = tempfile.mkdtemp(prefix='iofabric-lock-')
    os.chmod(path, 0o755)
    yield path
    for name in os.listdir(path):
        os.unlink(os.path.join(path, name))
    os.rmdir(path)


def test_a_state_file_owned_by_root_is_refused_to_another_user(shared_dir):
    path = os.path.join(shared_dir, 'lock')
    with open(path, 'w', encoding='ascii'):
        pass
    os.chmod(path, 0o644)
    assert open_as_nobody(path) == ('refused: %s is owned by uid 0, not uid %d (root); refusing to trust the state store '
                                    '(fix: chown %d %s)' % (path, NOBODY, NOBODY, path))


def test_a_state_file_owned_by_the_user_running_it_is_accepted(shared_dir):
    path = os.path.join(shared_dir, 'lock')
    with open(path, 'w', encoding='ascii'):
        pass
    os.chmod(path, 0o644)
    os.chown(path, NOBODY, NOBODY)
    assert open_as_nobody(path) == 'opened'


def test_an_open_failing_with_an_error_numbered_above_eloop_is_raised_as_that_error(tmp_path):
    """Only ELOOP (40) means that O_NOFOLLOW met a symlink. ESTALE (116), as NFS answers for a file its server
    lost, is made here by a FUSE file system whose open fails so (the kernel's open(2) returns the server's
    errno): it must reach the caller as itself, never as "is a symlink"."""
    mountpoint = tmp_path / 'mnt'
    mountpoint.mkdir()
    with fusefs.serving(mountpoint, 'lock', open_errno=errno.ESTALE):
        with pytest.raises(OSError) as raised:
            open_private(str(mountpoint / 'lock'), os.O_RDONLY)
        assert raised.value.errno == errno.ESTALE
