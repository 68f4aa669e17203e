"""The fabricsim daemon: the model, its FUSE mounts, the stand-in tools, the netns, the socket."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading

from fabricsim import control, fuse_mount, toolshim
from fabricsim.clock import RealClock
from fabricsim.drivers.netdevs import is_yes
from fabricsim.fabric import Fabric
from fabricsim.lldpad import LldpadSocket
from fabricsim.faults import errno_value
from fabricsim.netmonitor import NetMonitor
from fabricsim.netns import Netns, name_for
from fabricsim.scenario import load

RUN_DIR = 'run/fabricsim'
PLAIN_DIRS = ('etc', 'var', 'run', 'usr/sbin', 'tmp')
LINK_EVENTS = {'link-up': 'up', 'link-down': 'down', 'link-delete': 'delete', 'link-rename': 'rename',
               'link-add': 'add'}


class Daemon:
    def __init__(self, root: str, scenario_name: str):
        self.root = os.path.realpath(root)
        self.scenario_name = scenario_name
        self.netns = Netns(name_for(self.root))
        self.stopping = threading.Event()
        self.mounts: dict = {}
        self.fabric: Fabric | None = None
        self.lldpad = LldpadSocket(self.netns.name, self._lldpad_answer)

    def path(self, *parts: str) -> str:
        return os.path.join(self.root, *parts)

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        for directory in PLAIN_DIRS + ('sys', 'proc', RUN_DIR):
            os.makedirs(self.path(directory), exist_ok=True)
        scenario = load(self.scenario_name)
        self.netns.create(scenario.get('netns', {}).get('links', []))
        self.fabric = self._new_fabric(scenario)
        self._write_files(scenario)
        for top in ('sys', 'proc'):
            self.mounts[top] = fuse_mount.mount(self.fabric, top, self.path(top),
                                                open_checks=bool(scenario.get('open_checks', False)))
        self.monitor = NetMonitor(self.netns.name, lambda: self.fabric)
        self.monitor.start()
        self._start_fabric()
        toolshim.install(self.root, sorted(self.fabric.tools), control.socket_path(self.root))
        toolshim.link_host_tools(self.root, scenario.get('host_tools', []))
        self._sync_lldpad()
        self.server = control.ControlServer(self.root, self.dispatch)
        self.server.start()
        with open(self.path(RUN_DIR, 'pid'), 'w', encoding='utf-8') as handle:
            handle.write('%d\n' % os.getpid())
        with open(self.path(RUN_DIR, 'netns'), 'w', encoding='utf-8') as handle:
            handle.write(self.netns.name + '\n')
        with open(self.path(RUN_DIR, 'scenario'), 'w', encoding='utf-8') as handle:
            handle.write(self.scenario_name + '\n')

    def _new_fabric(self, scenario: dict) -> Fabric:
        clock = RealClock()
        fabric = Fabric(scenario, clock, netns=self.netns, root=self.root)
        if 'dcb' in fabric.drivers:
            # lldpad started or stopped by a trigger (a FUSE write): bind or unbind from a thread of its own, since
            # the lock is held here; an event through dispatch also syncs before it returns (event()).
            fabric.drivers['dcb'].lldpad_listeners.append(
                lambda running: threading.Thread(target=self._sync_lldpad, name='lldpad-sync', daemon=True).start())
        clock.start(fabric.run_completions)
        return fabric

    def _start_fabric(self) -> None:
        """Drivers' boot hooks need the namespace's links in the model and the monitor running."""
        self.fabric.sync_links = lambda: self.monitor.sync(notify=False)
        self.fabric.start()

    def _lldpad_answer(self, request: bytes) -> bytes | None:
        fabric = self.fabric
        driver = fabric.drivers.get('dcb')
        if driver is None:
            return None
        with fabric.lock:
            return driver.clif(request)

    def _sync_lldpad(self) -> None:
        """lldpad's socket bound in the namespace exactly while the scenario's lldpad runs (outside the lock:
        unbinding waits for the serving thread, which may be waiting for the lock)."""
        driver = self.fabric.drivers.get('dcb') if self.fabric is not None else None
        self.lldpad.sync(bool(driver and driver.lldpad))

    def _write_files(self, scenario: dict) -> None:
        for system_path, content in (scenario.get('files') or {}).items():
            target = self.path(system_path.lstrip('/'))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, 'w', encoding='utf-8') as handle:
                handle.write(content)

    def wait(self) -> None:
        self.stopping.wait()

    def stop(self) -> None:
        """Undo whatever start() got to; safe after a partial start."""
        if getattr(self, 'monitor', None) is not None:
            self.monitor.stop()
        if getattr(self, 'server', None) is not None:
            self.server.shutdown()
        self.lldpad.sync(False)
        if self.fabric is not None:
            self.fabric.clock.stop()
        for top in ('sys', 'proc'):
            fuse_mount.unmount(self.path(top))
        self.netns.destroy()
        for name in ('pid', 'netns', 'scenario', 'control.sock'):
            try:
                os.unlink(self.path(RUN_DIR, name))
            except FileNotFoundError:
                pass

    def reset(self) -> dict:
        """Back to the scenario's initial state: model, links, files; caches dropped."""
        scenario = load(self.scenario_name)
        old = self.fabric
        old.clock.stop()
        self.lldpad.sync(False)  # its socket lives in the namespace that is about to be replaced
        self.netns.create(scenario.get('netns', {}).get('links', []))
        fabric = self._new_fabric(scenario)
        for mount in self.mounts.values():
            fabric.listeners.append(mount.on_change)
            mount.fabric = fabric
        self.fabric = fabric
        self.monitor.sync()
        for directory in ('etc', 'var'):
            shutil.rmtree(self.path(directory), ignore_errors=True)
            os.makedirs(self.path(directory))
        self._write_files(scenario)
        self._start_fabric()
        for mount in self.mounts.values():
            mount.invalidate_all()
        self._sync_lldpad()
        return {'reset': self.scenario_name}

    # -- control requests ------------------------------------------------------------
    def dispatch(self, message: dict) -> dict:
        op = message.get('op')
        fabric = self.fabric
        if op == 'ping':
            return {'pid': os.getpid(), 'root': self.root, 'scenario': self.scenario_name, 'netns': self.netns.name}
        if op == 'state':
            return {'state': fabric.state()}
        if op == 'tool':
            return fabric.run_tool(message['tool'], message.get('argv', []))
        if op == 'event':
            return {'result': self.event(message['kind'], message.get('args', {}))}
        if op == 'fault':
            return self.fault(message)
        if op == 'writes':
            with fabric.lock:
                since = int(message.get('since', 0))
                return {'count': fabric.write_count, 'writes': fabric.writes[since:]}
        if op == 'reset':
            return self.reset()
        if op == 'settle':
            return {'pending': fabric.clock.pending}
        if op == 'shutdown':
            threading.Timer(0.05, self.stopping.set).start()
            return {'stopping': True}
        raise ValueError('unknown op %r' % op)

    def event(self, kind: str, args: dict) -> dict:
        if kind in LINK_EVENTS:
            name = args.pop('name', None) or args.pop('link', None)
            if kind == 'link-rename' and is_yes(args.get('live')):
                with self.fabric.lock:
                    self.fabric.drivers['netdevs'].check_live_rename(name)
            result = self.netns.link(LINK_EVENTS[kind], name, **args)
            self.monitor.sync()  # the change is in the model before the event returns
            return result
        try:
            return self.fabric.event(kind, args)
        finally:
            self._sync_lldpad()   # lldpad-start / lldpad-stop bind and unbind its socket before the event returns

    def fault(self, message: dict) -> dict:
        fabric = self.fabric
        action = message.get('action')
        with fabric.lock:
            if action == 'list':
                return {'faults': [fault.as_dict() for fault in fabric.faults.faults]}
            if action == 'clear':
                # What the kernel cached while a read fault was armed (sysfs's size) is dropped with it.
                for fault in fabric.faults.faults:
                    if fault.kind == 'path' and message.get('id') in (None, fault.id):
                        fabric.mark_dirty(glob_prefix(fault.target))
                answer = {'cleared': fabric.faults.clear(message.get('id'))}
            else:
                spec = dict(message['spec'])
                if spec['kind'] == 'trigger' and spec.get('mode') not in fabric.events:
                    raise ValueError('a trigger needs a fabric event (known: %s)' % ', '.join(sorted(fabric.events)))
                if spec['kind'] == 'path':
                    spec['errno'] = errno_value(spec['errno'])
                    # Cached pages would hide a read fault: drop what lies under the glob's fixed part.
                    fabric.mark_dirty(glob_prefix(spec['target']))
                answer = {'fault': fabric.faults.add(**spec).as_dict()}
        fabric.notify()
        return answer


def glob_prefix(pattern: str) -> str:
    fixed = []
    for part in pattern.split('/'):
        if any(char in part for char in '*?['):
            break
        fixed.append(part)
    return '/'.join(fixed) or '/'


def run(root: str, scenario_name: str) -> int:
    daemon = Daemon(root, scenario_name)
    try:
        daemon.start()
        # libfuse installed its own handlers while mounting; ours replace them so that a
        # signal unmounts both filesystems and removes the namespace.
        signal.signal(signal.SIGTERM, lambda *_: daemon.stopping.set())
        signal.signal(signal.SIGINT, lambda *_: daemon.stopping.set())
        signal.signal(signal.SIGHUP, lambda *_: daemon.stopping.set())
        print(json.dumps({'ready': True, 'pid': os.getpid(), 'netns': daemon.netns.name}), flush=True)
        daemon.wait()
    finally:
        daemon.stop()
    return 0
