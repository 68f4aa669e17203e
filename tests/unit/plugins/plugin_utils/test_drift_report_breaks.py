"""Issue 21's break of the drift report: a failed task's error must never be dropped, even when the task
returned objects (it failed after reading them: a lock timeout, a store it refused to touch)."""

from ansible_collections.iofabric.core.plugins.plugin_utils import _drift_report as report

IN_SYNC = [{'kind': 'qlgc', 'object': 'veth1', 'status': 'in_sync'}]
LOCK_TIMEOUT = 'timed out after 30.0 s waiting for the iofabric lock held by pid 4242'


def test_a_failed_task_whose_objects_are_all_in_sync_reports_its_error():
    data = report.build({'h': [('iofabric_drift_vnics', {'failed': True, 'msg': LOCK_TIMEOUT, 'objects': IN_SYNC})]})
    assert data['hosts']['h']['errors'] == [{'task': 'iofabric_drift_vnics', 'error': LOCK_TIMEOUT}]
    assert data['hosts']['h']['status'] == 'failed' and data['status'] == 'failed'


def test_a_failed_task_with_its_own_failed_object_is_not_reported_twice():
    failed_row = [{'kind': 'fcoe', 'object': 'eth2', 'status': 'failed', 'reason': 'EIO'}]
    data = report.build({'h': [('t', {'failed': True, 'msg': '1 failed: eth2: EIO', 'objects': failed_row})]})
    assert data['hosts']['h']['errors'] == []
    assert [row['status'] for row in data['hosts']['h']['objects']] == ['failed']


def test_a_later_failed_task_reports_its_error_even_when_an_earlier_task_had_a_failed_object():
    earlier = {'failed': True, 'msg': '1 failed: eth2: EIO',
               'objects': [{'kind': 'fcoe', 'object': 'eth2', 'status': 'failed', 'reason': 'EIO'}]}
    later = {'failed': True, 'msg': LOCK_TIMEOUT, 'objects': IN_SYNC}
    data = report.build({'h': [('iofabric_drift_fcoe', earlier), ('iofabric_drift_vnics', later)]})
    assert {'task': 'iofabric_drift_vnics', 'error': LOCK_TIMEOUT} in data['hosts']['h']['errors']
