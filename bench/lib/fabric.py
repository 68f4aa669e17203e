"""Simulated hosts for the benchmarks: fabricsim roots under build/bench/, one per scenario (or host)."""

from __future__ import annotations

import os
import shutil
import subprocess

from bench.lib.paths import BUILD, VENV_BIN
from fabricsim import control


class SimHost:
    def __init__(self, name: str, scenario: str):
        self.name, self.scenario = name, scenario
        self.root = os.path.join(BUILD, 'hosts', name)
        self.netns = ''

    def up(self) -> 'SimHost':
        self.down()
        shutil.rmtree(self.root, ignore_errors=True)
        os.makedirs(self.root)
        subprocess.run([os.path.join(VENV_BIN, 'fabricsim'), 'up', self.root, '--scenario', self.scenario],
                       check=True, capture_output=True)
        self.netns = control.request(self.root, {'op': 'ping'})['netns']
        return self

    def down(self) -> None:
        subprocess.run([os.path.join(VENV_BIN, 'fabricsim'), 'down', self.root], capture_output=True, check=False)

    def reset(self) -> None:
        control.request(self.root, {'op': 'reset'}, timeout=120)

    def event(self, event_kind: str, /, **args) -> dict:
        # positional-only: an event's own arguments may be named `kind` (link-add kind=veth)
        return control.request(self.root, {'op': 'event', 'kind': event_kind,
                                           'args': {k: str(v) for k, v in args.items()}})

    def tool_runs(self) -> dict:
        return dict(control.request(self.root, {'op': 'state'})['state']['tool_runs'])

    def clif_requests(self) -> int:
        """Requests the simulated lldpad answered on its client socket so far."""
        return int(control.request(self.root, {'op': 'state'})['state']['drivers']['dcb']['clif_requests'])

    def path(self, system_path: str) -> str:
        return os.path.join(self.root, system_path.lstrip('/'))
