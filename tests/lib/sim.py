"""Drive fabricsim from tests: start it once per scenario, reset it for each test."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fabricsim import control


class Sim:
    """A running simulated host."""

    def __init__(self, root: str, scenario: str):
        self.root = root
        self.scenario = scenario
        self.netns = ''

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, '-m', 'fabricsim'] + list(args), capture_output=True, text=True,
                              check=False)
        if check and proc.returncode != 0:
            raise AssertionError('fabricsim %s failed (%d): %s%s' % (' '.join(args), proc.returncode,
                                                                     proc.stdout, proc.stderr))
        return proc

    def up(self) -> None:
        self.cli('up', self.root, '--scenario', self.scenario)
        self.netns = self.request({'op': 'ping'})['netns']

    def down(self) -> None:
        self.cli('down', self.root, check=False)

    def request(self, message: dict) -> dict:
        return control.request(self.root, message)

    def reset(self) -> None:
        self.request({'op': 'reset'})

    def event(self, event_kind: str, /, **args) -> dict:
        message = {'op': 'event', 'kind': event_kind, 'args': {k: str(v) for k, v in args.items()}}
        return self.request(message)['result']

    def fault(self, **spec) -> dict:
        spec.setdefault('count', None)
        return self.request({'op': 'fault', 'action': 'add', 'spec': spec})['fault']

    def clear_faults(self) -> None:
        self.request({'op': 'fault', 'action': 'clear', 'id': None})

    def state(self) -> dict:
        return self.request({'op': 'state'})['state']

    def writes(self, since: int = 0) -> list:
        return self.request({'op': 'writes', 'since': since})['writes']

    def write_count(self) -> int:
        return self.request({'op': 'writes', 'since': 10 ** 9})['count']

    def path(self, system_path: str) -> str:
        return os.path.join(self.root, system_path.lstrip('/'))

    def read(self, system_path: str) -> str:
        with open(self.path(system_path), encoding='utf-8') as handle:
            return handle.read()

    def tool(self, name: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([self.path('/usr/sbin/' + name)] + list(args), capture_output=True, text=True,
                              check=False)

    def store(self, kind: str) -> dict:
        with open(self.path('/var/lib/iofabric/%s.json' % kind), encoding='utf-8') as handle:
            return json.load(handle)


class SimPool:
    """One simulator per scenario for the whole session; each get() resets it."""

    def __init__(self, base):
        self.base = str(base)
        self.sims: dict = {}

    def get(self, scenario: str, fresh: bool = True) -> Sim:
        sim = self.sims.get(scenario)
        if sim is None:
            sim = Sim(os.path.join(self.base, scenario), scenario)
            os.makedirs(sim.root, exist_ok=True)
            sim.up()
            self.sims[scenario] = sim
        elif fresh:
            sim.reset()
        return sim

    def close(self) -> None:
        for sim in self.sims.values():
            sim.down()
