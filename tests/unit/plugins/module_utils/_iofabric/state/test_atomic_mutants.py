"""The atomic writer's smaller promises (mutation testing, docs/mutation.md): the flags its fds are
opened with, the error that really happened is the one raised, no fd leaked or closed by mistake,
a planted file under the temp name refused, and only our own temp names swept."""

import errno
import gc
import os
import stat

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state import atomic as _atomic
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.atomic import TEMP_SUFFIX, atomic_write, fsync_dir, remove_stale_temps


def kernel_flags(fd: int) -> int:
    """The open flags the kernel keeps for fd (octal 'flags:' of /proc/self/fdinfo)."""
    with open('/proc/self/fdinfo/%d' % fd) as handle:
        return next(int(line.split()[1], 8) for line in handle if line.startswith('flags:'))


def test_every_fd_the_writer_opens_is_close_on_exec_and_never_follows_a_symlink(tmp_path, monkeypatch):
    """The directory fd is a directory for certain, the temp file is never opened through a symlink,
    and no fd is inherited by a hook or tool exec'd meanwhile (O_CLOEXEC: Python's os.open adds it
    too, PEP 446, so this part is a guard, not the code's own doing). The real os.open runs; the spy
    only reads the flags the kernel recorded for what it returned."""
    real_open = os.open
    seen = []

    def spy(*args, **kwargs):
        fd = real_open(*args, **kwargs)
        seen.append((kernel_flags(fd), stat.S_ISDIR(os.fstat(fd).st_mode)))
        return fd
    monkeypatch.setattr(_atomic.os, 'open', spy)
    atomic_write(str(tmp_path / 'doc.json'), b'new')
    monkeypatch.undo()
    (directory, directory_is_dir), (temp, temp_is_dir) = seen
    assert directory_is_dir and not temp_is_dir
    assert directory & (os.O_DIRECTORY | os.O_CLOEXEC) == os.O_DIRECTORY | os.O_CLOEXEC
    assert temp & (os.O_CLOEXEC | os.O_NOFOLLOW | os.O_WRONLY) == os.O_CLOEXEC | os.O_NOFOLLOW | os.O_WRONLY


@pytest.mark.parametrize('failing', ['fsync', 'rename'])
def test_a_failed_write_leaves_the_same_fds_open(tmp_path, monkeypatch, failing):
    """Its own fds closed, and no other (after the temp fd is closed, nothing else is closed by mistake)."""
    gc.collect()   # files of earlier tests that nobody closed must not close during this one
    before = sorted(os.listdir('/proc/self/fd'))

    def eio(*args, **kwargs):
        raise OSError(errno.EIO, 'Input/output error')
    monkeypatch.setattr(_atomic.os, failing, eio)
    with pytest.raises(OSError):
        atomic_write(str(tmp_path / 'doc.json'), b'new')
    monkeypatch.undo()
    assert sorted(os.listdir('/proc/self/fd')) == before


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


def test_a_file_planted_under_the_temp_name_is_never_written_through(tmp_path, monkeypatch):
    """O_EXCL: a hard link to a victim planted under the next temp name makes the write fail, the
    victim untouched. The random part of the name is fixed so that the plant lands on it."""
    victim = tmp_path / 'victim'
    victim.write_bytes(b'precious')
    os.chmod(victim, 0o644)
    monkeypatch.setattr(_atomic, 'random_tag', lambda: 'cafe')
    os.link(victim, tmp_path / ('.doc.json.cafe' + TEMP_SUFFIX))
    with pytest.raises(FileExistsError):
        atomic_write(str(tmp_path / 'doc.json'), b'new', mode=0o600)
    assert victim.read_bytes() == b'precious' and stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert not (tmp_path / 'doc.json').exists()
