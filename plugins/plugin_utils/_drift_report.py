# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet drift report from the check-mode results of the iofabric.core modules.

PRIVATE to the collection. Input: per host, the registered results of the module tasks
(each result carries the engine's per-object rows, ``objects``). Output: one JSON document
(schema in _drift_report_schema), rendered as Markdown, as JUnit XML (one test case per
object per host: drift is a failure, a failure an error, pending a skip) and as a short
readable summary per host.
"""

from __future__ import annotations

from xml.etree import ElementTree

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import utc

FORMAT = 'iofabric.core/drift-report'
VERSION = 1
STATUSES = ('in_sync', 'drift', 'pending', 'failed')
NOTHING_DECLARED = 'nothing_declared'
NO_RESULTS = 'no results: the host was unreachable, or failed before the report'


def host_rows(results: list) -> tuple:
    """(rows, errors) of one host from its registered module results [(task label, result)]."""
    rows, errors = [], []
    for label, result in results:
        if not isinstance(result, dict) or result.get('skipped'):
            continue
        if result.get('unreachable'):
            # Nothing later ran on this host either: one error for the host says it all.
            return [], [{'task': '(host)', 'error': 'unreachable: %s' % str(result.get('msg') or '').strip()}]
        objects = result.get('objects')
        if objects is None:
            if result.get('failed') or result.get('msg'):
                errors.append({'task': label, 'error': str(result.get('msg') or 'failed without a message')})
            continue
        task_rows = []
        for row in objects:
            status = 'drift' if row.get('status') == 'changed' else row.get('status', 'failed')
            entry = {'task': label, 'kind': row.get('kind', ''), 'object': str(row.get('object', '')),
                     'status': status if status in STATUSES else 'failed'}
            for key in ('reason', 'pending', 'fields'):
                if row.get(key):
                    entry[key] = row[key]
            task_rows.append(entry)
        rows.extend(task_rows)
        # The task's message is its failed objects' errors when it has any; otherwise (a lock timeout, a store
        # refused) it says why the task failed. Only this task's rows count: another task's failure explains nothing.
        if result.get('failed') and result.get('msg') and not any(row['status'] == 'failed' for row in task_rows):
            errors.append({'task': label, 'error': str(result['msg'])})
    return rows, errors


def build(per_host: dict, generated: float | None = None) -> dict:
    """per_host: {host: [(task label, result)] or None when the host has no results}."""
    hosts = {}
    for host in sorted(per_host):
        results = per_host[host]
        if results is None:
            rows, errors = [], [{'task': '(host)', 'error': NO_RESULTS}]
        else:
            rows, errors = host_rows(results)
        counts = {status: sum(1 for row in rows if row['status'] == status) for status in STATUSES}
        counts['failed'] += len(errors)
        hosts[host] = {'status': _worst(counts), 'summary': counts, 'objects': rows, 'errors': errors}
    totals = {status: sum(entry['summary'][status] for entry in hosts.values()) for status in STATUSES}
    return {'format': FORMAT, 'version': VERSION,
            'generated': utc.stamp(generated),
            'status': _worst(totals), 'totals': totals, 'hosts': hosts}


def _worst(counts: dict) -> str:
    for status in ('failed', 'drift', 'pending'):
        if counts[status]:
            return status
    # Nothing to be in sync with is not "in sync": a host without a declaration says so.
    return 'in_sync' if counts['in_sync'] else NOTHING_DECLARED


def _cell(value) -> str:
    text = '' if value is None else str(value)
    return text.replace('|', '\\|').replace('\n', ' ')


def markdown(report: dict) -> str:
    lines = ['# IO fabric drift report', '',
             'Generated %s. Status: **%s**. drift: a converge would change it; pending: waiting for hardware; '
             'failed: could not be read, planned or applied.' % (report['generated'], report['status']), '',
             '| Host | Status | In sync | Drift | Pending | Failed |', '|---|---|---|---|---|---|']
    for host, entry in report['hosts'].items():
        counts = entry['summary']
        lines.append('| %s | %s | %d | %d | %d | %d |' % (_cell(host), entry['status'], counts['in_sync'],
                                                          counts['drift'], counts['pending'], counts['failed']))
    for host, entry in report['hosts'].items():
        todo = [row for row in entry['objects'] if row['status'] != 'in_sync']
        if not todo and not entry['errors']:
            continue
        lines += ['', '## %s' % host, '', '| Kind | Object | Status | Field | Desired | Live | Reason |',
                  '|---|---|---|---|---|---|---|']
        for error in entry['errors']:
            lines.append('| %s |  | failed |  |  |  | %s |' % (_cell(error['task']), _cell(error['error'])))
        for row in todo:
            fields = row.get('fields') or [{}]
            for number, change in enumerate(fields):
                reason = row.get('reason') if number == 0 else ''
                lines.append('| %s | %s | %s | %s | %s | %s | %s |' % (
                    _cell(row['kind']), _cell(row['object']), row['status'], _cell(change.get('field')),
                    _cell(change.get('desired')), _cell(change.get('live')), _cell(reason)))
    return '\n'.join(lines) + '\n'


def junit(report: dict) -> str:
    """JUnit XML: a suite per host, a case per object; drift fails, failed errs, pending skips."""
    top = ElementTree.Element('testsuites', name='iofabric drift report', time='0')
    total = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}
    for host, entry in report['hosts'].items():
        suite = ElementTree.SubElement(top, 'testsuite', name=host, timestamp=report['generated'], time='0')
        counts = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}
        for error in entry['errors']:
            case = ElementTree.SubElement(suite, 'testcase', classname='%s.%s' % (host, error['task']),
                                          name=error['task'], time='0')
            ElementTree.SubElement(case, 'error', message=error['error'], type='failed').text = error['error']
            counts['tests'] += 1
            counts['errors'] += 1
        for row in entry['objects']:
            case = ElementTree.SubElement(suite, 'testcase', classname='%s.%s' % (host, row['kind']),
                                          name=row['object'], time='0')
            counts['tests'] += 1
            detail = '\n'.join('%s: desired %r, live %r' % (change['field'], change.get('desired'), change.get('live'))
                               for change in row.get('fields', []))
            message = row.get('reason', '')
            if row['status'] == 'drift':
                ElementTree.SubElement(case, 'failure', message='drift: %s' % message, type='drift').text = detail
                counts['failures'] += 1
            elif row['status'] == 'failed':
                ElementTree.SubElement(case, 'error', message=message, type='failed').text = detail or message
                counts['errors'] += 1
            elif row['status'] == 'pending':
                ElementTree.SubElement(case, 'skipped', message='pending: %s' % message)
                counts['skipped'] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            total[key] += value
    for key, value in total.items():
        top.set(key, str(value))
    ElementTree.indent(top)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(top, encoding='unicode') + '\n'


def summary_lines(report: dict, where: str | None = None) -> list:
    """The readable summary the playbook prints at the end, a block per host.

    where: the directory the report files were written to, said on the first line.
    """
    lines = ['IO fabric drift report: %s (%s)%s' % (report['status'], ', '.join(
        '%d %s' % (report['totals'][status], status.replace('_', ' ')) for status in STATUSES),
        ', written to %s' % where if where else '')]
    for host, entry in report['hosts'].items():
        counts = ', '.join('%d %s' % (entry['summary'][status], status.replace('_', ' '))
                           for status in STATUSES if entry['summary'][status])
        lines.append('%s: %s%s' % (host, entry['status'].replace('_', ' '), ', ' + counts if counts else ''))
        for error in entry['errors']:
            lines.append('  failed  %s: %s' % (error['task'], error['error']))
        for row in entry['objects']:
            if row['status'] == 'in_sync':
                continue
            fields = ', '.join(change['field'] for change in row.get('fields', []))
            where = ' [%s]' % fields if fields else ''
            lines.append('  %-7s %s %s%s: %s' % (row['status'], row['kind'], row['object'], where, row.get('reason', '')))
    return lines
