"""The drift report's files are written atomically and never through a symlink at their final component."""

import os

from ansible_collections.iofabric.core.plugins.action.drift_report import _write


def test_a_planted_symlink_is_replaced_and_its_target_left_alone(tmp_path):
    victim = tmp_path / 'victim'
    victim.write_text('precious\n')
    dest = tmp_path / 'reports'
    dest.mkdir()
    (dest / 'drift-report.json').symlink_to(victim)
    _write(str(dest / 'drift-report.json'), '{}\n')
    assert victim.read_text() == 'precious\n'
    assert not os.path.islink(dest / 'drift-report.json')
    assert (dest / 'drift-report.json').read_text() == '{}\n'
    assert os.listdir(dest) == ['drift-report.json']  # no temporary file left behind


def test_a_dangling_symlink_is_not_followed_to_create_its_target(tmp_path):
    (tmp_path / 'drift-report.md').symlink_to(tmp_path / 'elsewhere')
    _write(str(tmp_path / 'drift-report.md'), '# report\n')
    assert not os.path.exists(tmp_path / 'elsewhere')
    assert (tmp_path / 'drift-report.md').read_text() == '# report\n'
    assert oct(os.stat(tmp_path / 'drift-report.md').st_mode & 0o777) == '0o644'
