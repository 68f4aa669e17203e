import os
import stat

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.atomic import TEMP_SUFFIX, atomic_write, remove_stale_temps


def test_replaces_content_and_sets_mode(tmp_path):
    path = tmp_path / 'doc.json'
    path.write_text('old')
    atomic_write(str(path), b'new', mode=0o600)
    assert path.read_bytes() == b'new'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ['doc.json']


def test_failure_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / 'doc.json'
    path.write_text('old')
    (tmp_path / 'blocker').mkdir()
    with pytest.raises(OSError):
        atomic_write(str(tmp_path / 'blocker'), b'new')  # rename over a directory fails
    assert path.read_text() == 'old'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['blocker', 'doc.json']


def test_stale_temps_from_a_killed_writer_are_removed(tmp_path):
    stale = tmp_path / ('.doc.json.abc' + TEMP_SUFFIX)
    stale.write_text('half')
    keep = tmp_path / 'doc.json'
    keep.write_text('{}')
    assert remove_stale_temps(str(tmp_path)) == [stale.name]
    assert os.listdir(str(tmp_path)) == ['doc.json']


@pytest.mark.parametrize('failing', ['fsync', 'rename'])
def test_a_write_failing_at_fsync_or_rename_leaves_the_old_bytes_on_the_same_path(tmp_path, monkeypatch, failing):
    """The disk refuses (EIO) at the step named: the path keeps its old bytes, no temp is left.
    Fault injection on the system call, not on the writer."""
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state import atomic as _atomic
    path = tmp_path / 'doc.json'
    path.write_bytes(b'old bytes')

    def eio(*args, **kwargs):
        raise OSError(5, 'Input/output error')
    monkeypatch.setattr(_atomic.os, failing, eio)
    with pytest.raises(OSError):
        atomic_write(str(path), b'new bytes that must never be seen half written')
    monkeypatch.undo()
    assert path.read_bytes() == b'old bytes'
    assert os.listdir(str(tmp_path)) == ['doc.json']


def test_a_symlink_planted_at_the_path_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / 'victim'
    victim.write_text('precious')
    (tmp_path / 'doc.json').symlink_to(victim)
    atomic_write(str(tmp_path / 'doc.json'), b'new')
    assert victim.read_text() == 'precious'
    assert not (tmp_path / 'doc.json').is_symlink() and (tmp_path / 'doc.json').read_bytes() == b'new'


def test_owner_and_mode_are_set_on_the_new_file(tmp_path):
    path = tmp_path / 'cfg'
    atomic_write(str(path), b'x', mode=0o640, owner=(4242, 4343))
    status = path.stat()
    assert (stat.S_IMODE(status.st_mode), status.st_uid, status.st_gid) == (0o640, 4242, 4343)
