"""The atomic writer's smaller promises (mutation testing, docs/mutation.md): close-on-exec fds,
the error that really happened is the one raised, and only our own temp names are swept."""

import errno
import fcntl
import os
import stat

import pytest

from ansible_collections.iofabric.core.plugins.module_utils import _atomic
from ansible_collections.iofabric.core.plugins.module_utils._atomic import TEMP_SUFFIX, atomic_write, fsync_dir, remove_stale_temps


def test_every_fd_the_writer_opens_is_close_on_exec(tmp_path, monkeypatch):
    """A hook or tool exec'd by another thread meanwhile must not inherit the store's fds.
    The real os.open runs; the spy only reads the kernel's FD_CLOEXEC flag of what it returned."""
    real_open = os.open
    seen = []

    def spy(*args, **kwargs):
        fd = real_open(*args, **kwargs)
        seen.append((args[0], bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC),
                     stat.S_ISDIR(os.fstat(fd).st_mode)))
        return fd
    monkeypatch.setattr(_atomic.os, 'open', spy)
    atomic_write(str(tmp_path / 'doc.json'), b'new')
    monkeypatch.undo()
    assert len(seen) == 2 and all(cloexec for _, cloexec, _ in seen)
    assert [is_dir for _, _, is_dir in seen] == [True, False]


def test_fsync_dir_refuses_a_regular_file(tmp_path):
    path = tmp_path / 'file'
    path.write_text('x')
    with pytest.raises(NotADirectoryError):
        fsync_dir(str(path))
    fsync_dir(str(tmp_path))


def test_a_directory_fsync_failure_after_the_rename_is_the_error_raised(tmp_path, monkeypatch):
    """The rename happened, so there is no temp to remove: the caller sees the EIO, not a FileNotFoundError."""
    real_fsync = os.fsync

    def fail_on_directories(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EIO, 'Input/output error')
        return real_fsync(fd)
    monkeypatch.setattr(_atomic.os, 'fsync', fail_on_directories)
    with pytest.raises(OSError) as raised:
        atomic_write(str(tmp_path / 'doc.json'), b'new')
    monkeypatch.undo()
    assert raised.value.errno == errno.EIO and not isinstance(raised.value, FileNotFoundError)
    assert os.listdir(str(tmp_path)) == ['doc.json']


def test_only_hidden_names_with_the_temp_suffix_are_swept(tmp_path):
    for name in ('.keep', 'visible' + TEMP_SUFFIX, '.doc.json.1234' + TEMP_SUFFIX, 'doc.json'):
        (tmp_path / name).write_text('x')
    assert remove_stale_temps(str(tmp_path)) == ['.doc.json.1234' + TEMP_SUFFIX]
    assert sorted(os.listdir(str(tmp_path))) == ['.keep', 'doc.json', 'visible' + TEMP_SUFFIX]
