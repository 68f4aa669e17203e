"""The drift report: classification, the JSON schema, Markdown, JUnit XML and the summary lines."""

import json
import os
from xml.etree import ElementTree

import jsonschema
import pytest

from ansible_collections.iofabric.core.plugins.plugin_utils import _drift_report as report
from ansible_collections.iofabric.core.plugins.plugin_utils._drift_report_schema import SCHEMA
from tests.lib.ansible_run import REPO

VNICS = {'changed': True, 'objects': [
    {'kind': 'qlgc', 'object': 'veth1', 'status': 'drift', 'reason': 'update-primary: hot swap',
     'fields': [{'field': 'primary.ioc_guid', 'desired': '00066a01df000070', 'live': '00066a01de000070'}]},
    {'kind': 'qlgc', 'object': 'veth2', 'status': 'pending', 'reason': 'IOC not visible yet'},
    {'kind': 'macvlan', 'object': 'vnic0', 'status': 'in_sync'},
]}
FCOE = {'changed': False, 'failed': False, 'msg': '1 FCoE interface(s) failed: eth2: EIO', 'objects': [
    {'kind': 'fcoe', 'object': 'eth1', 'status': 'in_sync'},
    {'kind': 'fcoe', 'object': 'eth2', 'status': 'failed', 'reason': 'write of ctlr_create failed: EIO'},
]}
BROKEN = {'failed': False, 'msg': 'config[0].address: 1:0:x is not H:C:T:L'}
SKIPPED = {'skipped': True, 'changed': False}


def sample() -> dict:
    return report.build({
        'host1': [('iofabric_drift_vnics', VNICS), ('iofabric_drift_fcoe', FCOE), ('iofabric_drift_eoib', SKIPPED)],
        'host2': [('iofabric_drift_vnics', {'objects': [{'kind': 'qlgc', 'object': 'veth1', 'status': 'in_sync'}]})],
        'host3': [('iofabric_drift_scsi', BROKEN)],
        'host4': None,
    }, generated=1_800_000_000)


def test_each_object_is_classified_per_host():
    data = sample()
    assert data['hosts']['host1']['summary'] == {'in_sync': 2, 'drift': 1, 'pending': 1, 'failed': 1}
    assert data['hosts']['host1']['status'] == 'failed'
    assert data['hosts']['host2'] == {'status': 'in_sync', 'summary': {'in_sync': 1, 'drift': 0, 'pending': 0,
                                                                       'failed': 0},
                                      'objects': [{'task': 'iofabric_drift_vnics', 'kind': 'qlgc', 'object': 'veth1',
                                                   'status': 'in_sync'}], 'errors': []}
    # A task that failed before it had objects (bad input) is an error of the host, with the message.
    assert data['hosts']['host3']['errors'] == [{'task': 'iofabric_drift_scsi',
                                                 'error': 'config[0].address: 1:0:x is not H:C:T:L'}]
    assert data['hosts']['host4']['errors'][0]['error'] == report.NO_RESULTS
    assert data['totals'] == {'in_sync': 3, 'drift': 1, 'pending': 1, 'failed': 3}
    assert data['status'] == 'failed' and data['generated'] == '2027-01-15T08:00:00Z'


def test_an_unreachable_host_is_one_error_with_the_connection_message():
    gone = {'unreachable': True, 'changed': False, 'msg': 'Failed to connect to the host via ssh: refused\n'}
    data = report.build({'h': [('iofabric_drift_vnics', gone), ('iofabric_drift_fcoe', gone)]})
    assert data['hosts']['h']['errors'] == [{'task': '(host)', 'error': 'unreachable: Failed to connect to the host '
                                                                        'via ssh: refused'}]
    assert data['hosts']['h']['summary']['failed'] == 1 and data['hosts']['h']['objects'] == []


def test_an_applied_change_counts_as_drift_in_a_report():
    data = report.build({'h': [('t', {'objects': [{'kind': 'sdi', 'object': '1:0:4:0', 'status': 'changed'}]})]})
    assert data['hosts']['h']['objects'][0]['status'] == 'drift'


def test_the_report_validates_against_the_schema_file_in_docs():
    with open(os.path.join(REPO, 'docs', 'drift-report.schema.json'), encoding='utf-8') as handle:
        on_disk = json.load(handle)
    assert on_disk == SCHEMA
    jsonschema.validate(sample(), on_disk)
    broken = sample()
    broken['hosts']['host1']['objects'][0]['status'] = 'unknown'
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, on_disk)


def test_junit_fails_drift_errs_failures_and_skips_pending():
    root = ElementTree.fromstring(report.junit(sample()))
    assert root.tag == 'testsuites'
    assert {key: root.get(key) for key in ('tests', 'failures', 'errors', 'skipped')} == \
        {'tests': '8', 'failures': '1', 'errors': '3', 'skipped': '1'}
    suites = {suite.get('name'): suite for suite in root}
    cases = {case.get('name'): case for case in suites['host1']}
    assert cases['veth1'].get('classname') == 'host1.qlgc'
    failure = cases['veth1'].find('failure')
    assert failure.get('type') == 'drift' and 'primary.ioc_guid' in failure.text and '00066a01df000070' in failure.text
    assert cases['veth2'].find('skipped').get('message') == 'pending: IOC not visible yet'
    assert cases['eth2'].find('error').get('message') == 'write of ctlr_create failed: EIO'
    assert list(cases['vnic0']) == []
    assert suites['host4'][0].find('error').get('message') == report.NO_RESULTS


def test_markdown_has_a_summary_row_per_host_and_a_row_per_field():
    text = report.markdown(sample())
    assert '| host1 | failed | 2 | 1 | 1 | 1 |' in text
    assert '| qlgc | veth1 | drift | primary.ioc_guid | 00066a01df000070 | 00066a01de000070 | update-primary: hot swap |' \
        in text
    assert '## host2' not in text   # nothing to show for a host in sync
    assert text.count('\n| ') >= 9


def test_markdown_cells_cannot_break_the_table():
    data = report.build({'h': [('t', {'objects': [{'kind': 'qlgc', 'object': 'a|b', 'status': 'failed',
                                                   'reason': 'x\ny | z'}]})]})
    row = [line for line in report.markdown(data).splitlines() if line.startswith('| qlgc')][0]
    assert row == '| qlgc | a\\|b | failed |  |  |  | x y \\| z |'


def test_summary_lines_name_each_object_that_is_not_in_sync():
    lines = report.summary_lines(sample())
    assert lines[0] == 'IO fabric drift report: failed (3 in sync, 1 drift, 1 pending, 3 failed)'
    assert 'host1: failed, 2 in sync, 1 drift, 1 pending, 1 failed' in lines
    assert '  drift   qlgc veth1 [primary.ioc_guid]: update-primary: hot swap' in lines
    assert 'host2: in sync, 1 in sync' in lines
