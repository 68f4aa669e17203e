# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift_report action: on the controller, the check-mode results of every host in one report."""

from __future__ import annotations

import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.iofabric.core.plugins.plugin_utils import _drift_report as report_lib

try:
    import jsonschema
    HAS_JSONSCHEMA = True
except ImportError:  # pragma: no cover - the schema check is skipped, the report is still written
    HAS_JSONSCHEMA = False

FORMATS = {'json': ('json', None), 'markdown': ('md', report_lib.markdown), 'junit': ('xml', report_lib.junit)}
# The results the iofabric.core.fabric role registers.
DEFAULT_RESULTS = ['fabric_vnics_result', 'fabric_fcoe_result', 'fabric_luns_result', 'fabric_eoib_result']

ARGUMENT_SPEC = dict(
    dest=dict(type='path'),
    results=dict(type='list', elements='str', default=DEFAULT_RESULTS),
    hosts=dict(type='list', elements='str'),
    formats=dict(type='list', elements='str', choices=list(FORMATS), default=list(FORMATS)),
    basename=dict(type='str', default='drift-report'),
    fail_on=dict(type='list', elements='str', choices=['drift', 'pending', 'failed'], default=[]),
)


def default_dest(environ=None) -> str:
    """A directory the user running the playbook owns: never the installed collection, which may be read-only."""
    environ = os.environ if environ is None else environ
    cache = environ.get('XDG_CACHE_HOME') or ''
    if not os.path.isabs(cache):  # the XDG spec: a relative value is invalid and ignored
        cache = os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(cache, 'iofabric', 'reports')


def _write(path: str, text: str) -> None:
    """Atomically, so that a CI job never picks up half a report."""
    directory = os.path.dirname(path)
    handle, temp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as out:
            out.write(text)
        os.chmod(temp, 0o644)
        os.rename(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    BYPASS_HOST_LOOP = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            raise AnsibleActionFail('; '.join(validation.error_messages))
        args = validation.validated_parameters
        if not all(name.isidentifier() for name in args['results']):
            raise AnsibleActionFail('results: give the names of registered variables')
        if '/' in args['basename'] or args['basename'] in ('', '.', '..'):
            raise AnsibleActionFail('basename: a file name without /, such as drift-report')
        hostvars = task_vars['hostvars']
        hosts = args['hosts'] if args['hosts'] is not None else task_vars.get('ansible_play_hosts_all', [])
        per_host = {}
        for host in hosts:
            known = hostvars[host] if host in hostvars else {}
            found = [(name, known[name]) for name in args['results'] if name in known]
            per_host[host] = found or None
        report = report_lib.build(per_host)
        if HAS_JSONSCHEMA:
            from ansible_collections.iofabric.core.plugins.plugin_utils._drift_report_schema import SCHEMA
            jsonschema.validate(report, SCHEMA)
        dest = args['dest'] or default_dest()
        os.makedirs(dest, exist_ok=True)
        files = {}
        for name in args['formats']:
            extension, render = FORMATS[name]
            path = os.path.join(dest, '%s.%s' % (args['basename'], extension))
            _write(path, render(report) if render else json.dumps(report, indent=1, sort_keys=True) + '\n')
            files[name] = path
        lines = report_lib.summary_lines(report, where=dest)
        result.update(changed=False, report=report, files=files, dest=dest, summary=lines, status=report['status'],
                      msg='\n'.join(lines))
        if report['status'] in args['fail_on'] or any(report['totals'][status] for status in args['fail_on']):
            result['failed'] = True
            result['msg'] = 'the fabric is not in sync (%s): %s' % (', '.join(args['fail_on']), result['msg'])
        return result
