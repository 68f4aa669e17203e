# Test-only callback of the VM lane: one JSON line per task (play, task, host, status, seconds from the task's start
# to its result) appended to $IOFABRIC_VM_TASK_TIMES, so that the lane's figures name the tasks that cost the time.
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: vm_timing
type: aggregate
short_description: record each task's duration as JSON lines (tests only)
description: Appends play, task, status and seconds of each task result to the file named by IOFABRIC_VM_TASK_TIMES.
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'vm_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.play = ''
        self.started = time.monotonic()

    def v2_playbook_on_play_start(self, play):
        self.play = play.get_name()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.started = time.monotonic()

    def v2_playbook_on_handler_task_start(self, task):
        self.started = time.monotonic()

    def _record(self, status, result):
        path = os.environ.get('IOFABRIC_VM_TASK_TIMES')
        if not path:
            return
        line = {'play': self.play, 'task': result.task_name, 'status': status,
                'seconds': round(time.monotonic() - self.started, 2)}
        with open(path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(line) + '\n')
        self.started = time.monotonic()  # the next item of a loop starts now

    def v2_runner_on_ok(self, result):
        self._record('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('failed', result)

    def v2_runner_on_skipped(self, result):
        self._record('skipped', result)

    def v2_runner_item_on_ok(self, result):
        self._record('item ok', result)

    def v2_runner_item_on_failed(self, result):
        self._record('item failed', result)

    def v2_runner_item_on_skipped(self, result):
        self._record('item skipped', result)
