import os
import stat

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._atomic import TEMP_SUFFIX, atomic_write, remove_stale_temps


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
