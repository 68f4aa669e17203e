"""A state directory whose file system has gone away: the lock reports the file system's own error,
never "a symlink" (only ELOOP means that)."""

import errno
import json
import os
import signal
import subprocess
import sys

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import StoreError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import HostLock
from tests.lib.ansible_run import REPO


def fabricsim(*args):
    return subprocess.run([sys.executable, '-m', 'fabricsim'] + list(args), capture_output=True, text=True,
                          check=False, cwd=REPO)


def test_a_state_directory_on_a_dead_fuse_mount_reports_the_mounts_error(tmp_path):
    root = str(tmp_path / 'host')
    os.makedirs(root)
    try:
        assert fabricsim('up', root, '--scenario', 'small').returncode == 0
        pid = json.loads(fabricsim('status', root).stdout)['pid']
        os.kill(pid, signal.SIGKILL)   # the daemon dies; its mount stays, every access fails
        while os.path.exists('/proc/%d' % pid) and open('/proc/%d/stat' % pid).read().split()[2] != 'Z':
            os.sched_yield()
        # While the kernel tears the connection down an access may meet EIO or ECONNABORTED; then ENOTCONN.
        seen = []
        while errno.ENOTCONN not in seen:
            assert len(seen) < 10000, sorted(set(seen))   # an access that never fails as a dead mount does
            try:
                os.stat(os.path.join(root, 'sys', 'lock'))
            except OSError as exc:
                seen.append(exc.errno)
            else:
                seen.append(0)
        lock = HostLock(os.path.join(root, 'sys'), 'test', 0)
        with pytest.raises(OSError) as caught:
            lock.acquire()
        assert caught.value.errno == errno.ENOTCONN and not isinstance(caught.value, StoreError)
    finally:
        assert fabricsim('down', root).returncode == 0
