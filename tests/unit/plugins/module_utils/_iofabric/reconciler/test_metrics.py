"""The textfile-collector rendering: label escaping, stamps, the directory check, the atomic write."""

import os

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler import metrics

BITS = {1: 'changed', 2: 'pending', 4: 'drift', 8: 'error', 16: 'busy'}


def test_label_values_are_escaped_and_every_status_of_a_kind_is_counted():
    report = {'check': False, 'exit_code': 10, 'seconds': 0.25, 'kinds': {
        'macvlan': {'objects': [{'kind': 'macvlan', 'object': 'a "quoted"\\name', 'status': 'pending'}]},
        'fcoe': {'error': 'lldpad is not running', 'objects': []}}}
    text = metrics.render(report, BITS, 1764756000.0, {('macvlan', 'a "quoted"\\name'): 1764755940.0})
    assert 'iofabric_reconcile_object_status{kind="macvlan",object="a \\"quoted\\"\\\\name",status="pending"} 1' in text
    assert 'iofabric_reconcile_pending_seconds{kind="macvlan",object="a \\"quoted\\"\\\\name"} 60.0' in text
    assert 'iofabric_reconcile_objects{kind="fcoe",status="in_sync"} 0' in text
    assert 'iofabric_reconcile_kind_error{kind="fcoe"} 1' in text
    assert 'iofabric_reconcile_exit_bit{bit="error"} 1' in text and 'iofabric_reconcile_exit_bit{bit="changed"} 0' in text


def test_store_stamps_are_utc():
    assert metrics.parse_stamp('1970-01-02T00:00:00Z') == 86400.0
    assert metrics.parse_stamp(None) is None and metrics.parse_stamp('yesterday') is None


def test_the_directory_check_names_what_is_wrong(tmp_path):
    assert metrics.check_directory(str(tmp_path)) == ''
    assert 'absolute' in metrics.check_directory('metrics')
    assert 'control characters' in metrics.check_directory('/var/lib/x\x00y')
    assert 'not an existing directory' in metrics.check_directory(str(tmp_path / 'missing'))


def test_the_write_replaces_the_file_and_leaves_no_temporary_file(tmp_path):
    path = metrics.write(str(tmp_path), 'a 1\n')
    metrics.write(str(tmp_path), 'a 2\n')
    with open(path, encoding='utf-8') as handle:
        assert handle.read() == 'a 2\n'
    assert os.listdir(str(tmp_path)) == [metrics.FILENAME] and oct(os.stat(path).st_mode & 0o777) == '0o644'
