"""Restoring a macvlan VNIC's declared name on the real kernel, in the simulator's network namespace:
kernels before 6.2 (Debian 12's 6.1) refuse to rename a link that is up (EBUSY), so an up link is set
down, renamed and set up again, and a link that was down is renamed and left down. The transitions are
read from the kernel's own link notifications (RTM_NEWLINK on an RTMGRP_LINK socket in the namespace)."""

import select
import struct
import subprocess

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.rtnl import open_socket, parse_link
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.vnic_interface import run_vnic

RTMGRP_LINK = 1
RTM_NEWLINK = 16
HEADER = struct.Struct('=IHHII')
DATA0 = [{'type': 'macvlan', 'name': 'data0', 'lower': 'eth1'}]


def vnic(sim, config, check=False):
    return run_vnic({'state': 'merged', 'config': config, 'sysroot': sim.root, 'netns': sim.netns}, check)


def ip(sim, *argv):
    subprocess.run(['ip', '-n', sim.netns] + list(argv), check=True, capture_output=True, timeout=30)


def index_of(sim, name):
    out = subprocess.run(['ip', '-n', sim.netns, '-o', 'link', 'show', 'dev', name], check=True, capture_output=True,
                         text=True, timeout=30).stdout
    return int(out.split(':', 1)[0])


class LinkMonitor:
    """The kernel's RTM_NEWLINK notifications of one namespace, as (name, up) per link index."""

    def __init__(self, netns):
        self.sock = open_socket(netns)
        self.sock.bind((0, RTMGRP_LINK))

    def events(self, index):
        """Every notification already queued (the kernel queues them before the request that caused them
        returns, so nothing is waited for)."""
        seen = []
        while select.select([self.sock], [], [], 0)[0]:
            data = self.sock.recv(1 << 20)
            offset = 0
            while offset + HEADER.size <= len(data):
                length, kind = HEADER.unpack_from(data, offset)[:2]
                if kind == RTM_NEWLINK:
                    link = parse_link(data, offset + HEADER.size, offset + length)
                    if link['index'] == index and (not seen or seen[-1] != (link['name'], link['up'])):
                        seen.append((link['name'], link['up']))
                offset += (length + 3) & ~3
        return seen

    def close(self):
        self.sock.close()


def test_an_up_vnic_is_set_down_renamed_and_set_up_again(sim):
    assert vnic(sim, DATA0)['failures'] == []
    ip(sim, 'link', 'set', 'dev', 'data0', 'down')
    ip(sim, 'link', 'set', 'dev', 'data0', 'name', 'renamed0')   # renamed outside iofabric (down, as 6.1 needs)
    ip(sim, 'link', 'set', 'dev', 'renamed0', 'up')
    index = index_of(sim, 'renamed0')
    check = vnic(sim, DATA0, check=True)
    assert [(a['object'], a['action']) for a in check['actions']] == [('data0', 'rename')]
    assert 'set down for the rename and up again' in check['actions'][0]['reason']
    assert any('takes the link down briefly' in warning for warning in check.get('warnings', []))
    monitor = LinkMonitor(sim.netns)
    try:
        result = vnic(sim, DATA0)
        events = monitor.events(index)
    finally:
        monitor.close()
    assert result['failures'] == [] and result['changed'] is True, result
    # down under the old name, renamed while down, up under the new name: in this order and nothing else
    assert events == [('renamed0', False), ('data0', False), ('data0', True)], events
    assert index_of(sim, 'data0') == index


def test_a_down_vnic_is_renamed_and_left_for_set_up(sim):
    """Renamed while down: only the rename, then the plan's own set-up (the declaration wants it up)."""
    assert vnic(sim, DATA0)['failures'] == []
    ip(sim, 'link', 'set', 'dev', 'data0', 'down')
    ip(sim, 'link', 'set', 'dev', 'data0', 'name', 'renamed0')
    index = index_of(sim, 'renamed0')
    monitor = LinkMonitor(sim.netns)
    try:
        result = vnic(sim, DATA0)
        events = monitor.events(index)
    finally:
        monitor.close()
    assert [a['action'] for a in result['actions']] == ['rename', 'set-up'], result['actions']
    assert 'set down for the rename' not in result['actions'][0]['reason']
    assert events == [('data0', False), ('data0', True)], events
