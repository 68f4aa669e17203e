"""Reaction time: from an event to converged, with the watch service (as the role installs it, at its
default poll of 1 s), and with the timer (its interval, plus the pass that follows; the pass is
measured). Five events: an IOC appears, a hot swap, a link comes up, DCB becomes ready, a guest
stops. Converged means what the event broke is repaired, read from the simulated sysfs every 10 ms.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import time

from bench.lib.fabric import SimHost
from bench.lib.measure import Stats, run
from bench.cases.reconcile import install_role
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.eoib_gc import run_eoib
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.live import children_of
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.fcoe_interface import run_fcoe
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.vnic_interface import run_vnic

QLGC = '/sys/class/infiniband_qlgc_vnic/interfaces'
LATE = 'EVIC in Chassis 0x00066a00db00001f, Slot 2, Ioc 1'
S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
PATIENCE = 30.0   # a bound for a reaction that never comes, reported as such


def params(module: str, host: SimHost, **values) -> dict:
    spec = importlib.import_module('ansible_collections.iofabric.core.plugins.modules.' + module).ARGUMENT_SPEC
    found = {name: option.get('default') for name, option in spec.items()}
    found.update(sysroot=host.root, netns=host.netns, **values)
    return found


def read(host: SimHost, path: str) -> str:
    try:
        with open(host.path(path), encoding='utf-8') as handle:
            return handle.read().strip()
    except OSError:
        return ''


def until(predicate) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < PATIENCE:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.01)
    return None


def fc_over(host: SimHost, interface: str) -> bool:
    base = host.path('/sys/class/fc_host')
    return any(read(host, '/sys/class/fc_host/%s/symbolic_name' % name).endswith(' over ' + interface)
               for name in (os.listdir(base) if os.path.isdir(base) else []))


class Events:
    """Each event: what breaks (or what waits), the event, and what converged means."""

    def __init__(self, host: SimHost):
        self.host = host
        self.count = 0

    def late_ioc(self):
        # A fresh VNIC each time on the late IOC, taken away first, so that the path waits idle.
        self.count += 1
        self.host.event('ioc-remove', ioc='late')
        name = 'late%d' % self.count
        run_vnic(params('vnic_interface', self.host, connect_timeout=0, config=[
            {'type': 'qlgc', 'name': name, 'primary': {'ioc_string': LATE, 'port': 1, 'instance': self.count}}]), False)
        return (lambda: self.host.event('ioc-add', ioc='late'),
                lambda: read(self.host, '%s/%s/primary_path/viport_state' % (QLGC, name)) == 'VIPORT_CONNECTED')

    def hot_swap(self):
        guid = read(self.host, QLGC + '/veth1/primary_path/ioc_guid')
        # The driver notices a swap after 64 heartbeats; the reaction is measured from that notice.
        return (lambda: (self.host.event('hot-swap', ioc='ioc1'), self.host.event('clock-advance', seconds=64)),
                lambda: read(self.host, QLGC + '/veth1/primary_path/ioc_guid') not in ('', guid) and
                read(self.host, QLGC + '/veth1/primary_path/viport_state') == 'VIPORT_CONNECTED')

    def link_up(self):
        # eth1 goes away with its FCoE instance; it comes back, and FCoE is created on it again.
        self.host.event('link-delete', name='eth1')
        until(lambda: not fc_over(self.host, 'eth1'))
        return (lambda: self.host.event('link-add', name='eth1', kind='veth', peer='eth1p'),
                lambda: fc_over(self.host, 'eth1'))

    def dcb_ready(self):
        self.host.event('dcb-set', iface='eth2', dcb='off')
        until(lambda: not fc_over(self.host, 'eth2'))
        return (lambda: self.host.event('dcb-set', iface='eth2', dcb='on'), lambda: fc_over(self.host, 'eth2'))

    def guest_stops(self):
        try:
            self.host.event('guest-start', name='vm2')
        except RuntimeError:
            pass   # running already (the first time)
        self.host.event('guest-transmit', name='vm2')
        until(lambda: '52:54:00:a1:00:02' in children_of(Sysroot(self.host.root), 'eth4'))
        return (lambda: self.host.event('guest-stop', name='vm2'),
                lambda: '52:54:00:a1:00:02' not in children_of(Sysroot(self.host.root), 'eth4'))


EVENTS = ('late_ioc', 'hot_swap', 'link_up', 'dcb_ready', 'guest_stops')


def declare_all(host: SimHost) -> None:
    run_vnic(params('vnic_interface', host, config=[
        {'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1}}]), False)
    run_fcoe(params('fcoe_interface', host, config=[{'interface': 'eth1'}, {'interface': 'eth2'}]), False)
    run_eoib(params('eoib_gc', host, parents=['eth4'], grace={'seconds': 0, 'observations': 1},
                    confirm_timeout=2.0), False)


def p95(values: list) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def measure(repeats: int, quick: bool = False) -> dict:
    host = SimHost('reaction', 'small').up()
    result = {'watch': {}, 'timer_pass': {}, 'poll_s': 1.0}
    try:
        launcher = install_role(host)
        declare_all(host)
        events = Events(host)
        watch = subprocess.Popen([launcher, '--sysroot', host.root, '--netns', host.netns, '--watch', '--interval',
                                  '300', '--poll', '1'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(2)
            for name in EVENTS:
                latencies, missed = [], 0
                for _number in range(repeats):
                    fire, converged = getattr(events, name)()
                    time.sleep(1.5)   # the watch's pass for the setup, if any, is over
                    fire()
                    latency = until(converged)
                    if latency is None:
                        missed += 1
                    else:
                        latencies.append(latency)
                result['watch'][name] = {'samples': [round(value, 3) for value in latencies], 'missed': missed,
                                         'median': round(sorted(latencies)[len(latencies) // 2], 3) if latencies else None,
                                         'p95': round(p95(latencies), 3) if latencies else None}
        finally:
            watch.send_signal(signal.SIGTERM)
            watch.wait(timeout=60)
        # The timer: its interval, then one pass; the pass after each event, measured.
        argv = [launcher, '--sysroot', host.root, '--netns', host.netns]
        for name in EVENTS:
            stats = Stats()
            for _number in range(max(1, repeats // 3)):
                fire, converged = getattr(events, name)()
                run(argv)
                fire()
                done = run(argv)
                if name == 'dcb_ready' and not converged():   # FCoE retries within the pass's bounded wait
                    done = run(argv)
                stats.add(done.seconds)
            result['timer_pass'][name] = stats.as_dict()
    finally:
        host.down()
    return result
