# Test-only callback: append every task result as one JSON line to $IOFABRIC_RECORD.
from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: record
type: notification
short_description: record task results as JSON lines (tests only)
description: Writes each task's result to the file named by IOFABRIC_RECORD.
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'record'
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, status, result):
        path = os.environ.get('IOFABRIC_RECORD')
        if not path:
            return
        line = {'task': result.task_name, 'host': result._host.get_name(), 'status': status,
                'result': result._result}
        with open(path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(line, default=str) + '\n')

    def v2_runner_on_ok(self, result):
        self._record('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('failed', result)

    def v2_runner_on_skipped(self, result):
        self._record('skipped', result)
