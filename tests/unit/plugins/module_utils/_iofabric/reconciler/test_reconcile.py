"""A pass's report: the exit status bits and one log line per action, pending object and failure."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.reconcile import PassReport, describe


def action(status, obj='veth2', op='update-primary'):
    return {'object': obj, 'action': op, 'status': status, 'reason': 'late IOC appeared'}


def test_exit_bits():
    assert PassReport(False).exit_code == 0
    assert PassReport(False, {'qlgc': {'actions': [action('done')]}}).exit_code == 1
    assert PassReport(False, {'qlgc': {'pending': [{'object': 'x', 'reason': 'r'}]}}).exit_code == 2
    assert PassReport(True, {'qlgc': {'actions': [action('planned')]}}).exit_code == 4
    assert PassReport(False, {'qlgc': {'actions': [action('planned')]}}).exit_code == 0  # never applied: not drift
    assert PassReport(False, {'qlgc': {'actions': [action('failed')]}}).exit_code == 8
    assert PassReport(False, {'fcoe': {'error': 'dcbtool: not installed'}}).exit_code == 8
    assert PassReport(False, busy='held by ansible').exit_code == 16
    mixed = PassReport(False, {'qlgc': {'actions': [action('done')], 'pending': [{'object': 'y', 'reason': 'r'}]},
                               'sdi': {'failures': [{'object': '1:0:3:1', 'error': 'e'}]}})
    assert mixed.exit_code == 11 and describe(11) == 'changed, pending, error'


def test_lines_and_priorities():
    report = PassReport(False, {'qlgc': {'actions': [action('done'), dict(action('failed', 'veth3'), error='EINVAL')],
                                         'pending': [{'object': 'veth4', 'reason': 'IOC not visible'}],
                                         'failures': [{'object': 'veth3', 'error': 'update failed'}]}}, seconds=0.5)
    assert report.lines() == [
        (5, 'qlgc veth2 update-primary done: late IOC appeared'),
        (3, 'qlgc veth3 update-primary failed: late IOC appeared (EINVAL)'),
        (6, 'qlgc veth4 pending: IOC not visible'),
        (3, 'qlgc veth3 failed: update failed'),
        (6, 'pass done in 0.50 s: 1 changed, 1 pending, 1 failed; exit 11 (changed, pending, error)')]
    assert PassReport(True, busy='x').lines()[0] == (4, 'busy: x; pass skipped')


def test_the_lock_holder_text_names_the_pid_once(tmp_path):
    """Issue 18.8: the holder text read 'iofabric-reconcile (pid N) (pid N)'."""
    import os
    import re
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import HostLock
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.reconcile import run_pass
    report = run_pass(str(tmp_path))
    assert report.exit_code == 0 and not report.kinds
    text = HostLock(str(tmp_path / 'var' / 'lib' / 'iofabric'), 'reader', 1).holder()
    assert re.fullmatch(r'iofabric-reconcile \(pid %d\) since \S+' % os.getpid(), text), text


def test_a_row_with_a_label_is_named_by_it():
    row = {'object': 'auto:eth1#0', 'label': 'unnamed macvlan #1 on eth1'}
    report = PassReport(False, {'macvlan': {'actions': [dict(action('done', op='create'), **row)],
                                            'pending': [dict(row, reason='lower link down')]}}, seconds=0.5)
    assert report.lines()[:2] == [(5, 'macvlan unnamed macvlan #1 on eth1 create done: late IOC appeared'),
                                  (6, 'macvlan unnamed macvlan #1 on eth1 pending: lower link down')]
