"""The watch loop only schedules: it asks the kinds' watches (kinds/registry.py, KindEntry.watch) for reasons and due
times, runs a pass with the reasons joined, and hands each kind its part of the pass's report. The kinds' watches
are stood in for here (what they poll has its own tests: kinds/<kind>/test_watch.py); link events come from a real,
quiet network namespace."""

import itertools
import os
import socket
import subprocess
from types import SimpleNamespace

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds import registry
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.watch import LinkEvents, Watcher, is_link_change

_NUMBER = itertools.count()


@pytest.fixture
def quiet_netns():
    name = 'fcoekind-watch-%d-%d' % (os.getpid(), next(_NUMBER))
    subprocess.run(['ip', 'netns', 'add', name], check=True, timeout=30)
    yield name
    subprocess.run(['ip', 'netns', 'del', name], check=True, timeout=30)


class ScriptedWatch:
    """A kind's watch that changes on its second poll and is due once, after the second pass."""

    due_reason = 'scripted retry due'

    def __init__(self):
        self.started = False
        self.polls = 0
        self.results: list = []

    def start(self):
        self.started = True

    def poll(self):
        self.polls += 1
        return ['scripted changed'] if self.polls == 2 else []

    def passed(self, result):
        self.results.append(result)

    def due(self):
        return 0.0 if len(self.results) == 2 else None


def test_the_kinds_that_offer_a_watch_are_watched(tmp_path):
    offered = [entry.name for entry in registry.KINDS if entry.watch is not None]
    assert offered == ['qlgc', 'fcoe']
    assert list(Watcher(str(tmp_path), None, None, None).watches) == offered
    assert Watcher(str(tmp_path), None, None, None, kinds=('macvlan', 'sdi')).watches == {}


def test_a_pass_for_each_reason_a_kind_gives(tmp_path, quiet_netns):
    passes = []
    logged = []
    watcher = Watcher(str(tmp_path), quiet_netns, None, lambda priority, text: logged.append(text),
                      interval=3600, poll=0.05, kinds=())
    scripted = ScriptedWatch()
    watcher.watches = {'scripted': scripted}

    def run_pass(reason):
        passes.append(reason)
        if len(passes) == 3:
            watcher.stop.set()
        return SimpleNamespace(kinds={'scripted': {'pass': len(passes)}, 'other': {}})

    watcher.run_pass = run_pass
    assert watcher.run() == 0
    assert scripted.started
    assert passes == ['start, interval', 'scripted changed', 'scripted retry due']
    assert scripted.results == [{'pass': 1}, {'pass': 2}, {'pass': 3}]
    assert logged[0].startswith('watch: started') and 'link events on' in logged[0] and logged[-1] == 'watch: stopped'


def test_the_earliest_due_time_and_only_what_is_due_now(tmp_path):
    watcher = Watcher(str(tmp_path), None, None, None, kinds=())
    assert watcher.due() == (None, [])
    watcher.watches = {'a': SimpleNamespace(due=lambda: 7.5, due_reason='a due'),
                       'b': SimpleNamespace(due=lambda: None, due_reason='b due')}
    assert watcher.due() == (7.5, [])
    watcher.watches['c'] = SimpleNamespace(due=lambda: 0.0, due_reason='c due')
    assert watcher.due() == (0.0, ['c due'])


def ip(netns: str, *argv: str) -> None:
    subprocess.run(['ip', '-n', netns, *argv], check=True, timeout=30)


def drained_after(events: LinkEvents, netns: str, *change: str) -> int:
    """Link changes counted once ``ip`` has made the change (rtnetlink delivers before ip returns)."""
    events.drain()
    ip(netns, *change)
    return events.drain()


def test_a_bridge_ports_protocol_news_is_no_link_change_but_leaving_the_bridge_and_going_down_are(quiet_netns):
    """PF_BRIDGE port information (STP state, cost: br_ifinfo_notify) rides on the same multicast group as link
    changes; counted as one, a bridge's ports moving to forwarding would start passes for nothing."""
    ip(quiet_netns, 'link', 'add', 'br0', 'type', 'bridge')
    ip(quiet_netns, 'link', 'add', 'port0', 'type', 'veth', 'peer', 'name', 'peer0')
    ip(quiet_netns, 'link', 'set', 'port0', 'master', 'br0')
    for name in ('br0', 'port0', 'peer0'):
        ip(quiet_netns, 'link', 'set', name, 'up')
    events = LinkEvents(quiet_netns)
    try:
        assert drained_after(events, quiet_netns, 'link', 'set', 'port0', 'type', 'bridge_slave', 'cost', '7') == 0
        assert drained_after(events, quiet_netns, 'link', 'set', 'port0', 'nomaster') > 0
        assert drained_after(events, quiet_netns, 'link', 'set', 'peer0', 'down') > 0
    finally:
        events.close()


@pytest.mark.parametrize('message, counted', [
    ({'event': 'RTM_NEWLINK', 'family': socket.AF_UNSPEC}, True),
    ({'event': 'RTM_DELLINK', 'family': socket.AF_UNSPEC}, True),
    ({'event': 'RTM_DELLINK', 'family': socket.AF_BRIDGE}, True),     # a port leaving a bridge
    ({'event': 'RTM_NEWLINK', 'family': socket.AF_BRIDGE}, False),    # STP state, cost
    ({'event': 'RTM_NEWLINK', 'family': socket.AF_INET6}, False)])    # IPv6 per-link news (RA flags, token)
def test_which_link_news_counts(message, counted):
    """The kernel sends AF_INET6 link news (inet6_ifinfo_notify) on RTNLGRP_IPV6_IFINFO, which this socket does
    not join today, so no real one reaches it; the filter keeps them out if the subscription ever widens."""
    assert is_link_change(message) is counted
