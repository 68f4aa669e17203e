"""fabricsim's lldpad serves its client socket in the simulator's namespace, as the real daemon, and agrees with
its dcbtool: the real dcbtool-free client (host/dcb/clif.py) and the stand-in dcbtool read the same model."""

import time

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb import clif
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.clif import (
    CMD_GET_CONFIG, CMD_GET_OPER, FEATURE_DCB, FEATURE_PFC)


def query(sim, command, feature, ifname='eth2', timeout=2.0):
    with clif.Client(sim.netns, timeout) as client:
        return client.query(command, feature, 0, ifname)


def test_served_in_the_namespace_and_bound_only_while_lldpad_runs(sim):
    assert clif.dcb_state(query(sim, CMD_GET_CONFIG, FEATURE_DCB)) is True
    assert query(sim, CMD_GET_CONFIG, FEATURE_DCB, 'eth3').status == clif.STATUS_NOT_CAPABLE
    with pytest.raises(clif.LldpadNotRunning):
        clif.Client(None).open()          # the host's namespace: not there
    sim.event('lldpad-stop')
    with pytest.raises(clif.LldpadNotRunning):
        query(sim, CMD_GET_CONFIG, FEATURE_DCB)
    assert sim.tool('dcbtool', 'gc', 'eth2', 'dcb').returncode == 255
    sim.event('lldpad-start')
    assert query(sim, CMD_GET_CONFIG, FEATURE_DCB).status == 0
    sim.event('lldpad-stop')
    sim.reset()                            # a new namespace, the scenario's lldpad running again
    assert query(sim, CMD_GET_CONFIG, FEATURE_DCB).status == 0
    assert sim.state()['drivers']['dcb']['clif_requests'] == 1


def test_the_socket_and_dcbtool_show_the_same_change(sim):
    sim.event('dcb-set', iface='eth2', **{'pfc.oper': 'false', 'pfc.pfcup': '00000011'})
    oper = clif.oper(query(sim, CMD_GET_OPER, FEATURE_PFC), FEATURE_PFC)
    text = sim.tool('dcbtool', 'go', 'eth2', 'pfc').stdout
    assert (oper.mode, oper.priorities) == (False, 0xc0)
    assert 'Oper Mode: \tfalse' in text and 'pfcup:     \t0\t0\t0\t0\t0\t0\t1\t1\t' in text
    sim.event('dcb-mode', mode='ieee')
    assert query(sim, CMD_GET_OPER, FEATURE_PFC).status == clif.STATUS_NOT_APPLICABLE
    assert sim.tool('dcbtool', 'go', 'eth2', 'pfc').returncode == 9


def test_socket_faults(sim):
    sim.fault(kind='tool', target='lldpad', mode='timeout', count=1)
    with pytest.raises(clif.LldpadTimeout):
        query(sim, CMD_GET_CONFIG, FEATURE_DCB, timeout=0.3)
    sim.fault(kind='tool', target='lldpad', mode='garbage', count=1)
    with pytest.raises(clif.ParseError):
        query(sim, CMD_GET_CONFIG, FEATURE_DCB)
    assert query(sim, CMD_GET_CONFIG, FEATURE_DCB).status == 0


def test_lldpad_stopped_by_a_trigger_unbinds_too(sim):
    # A trigger runs lldpad-stop the moment a write succeeds (from the filesystem, not an event request).
    sim.fault(kind='trigger', target='/sys/bus/fcoe/ctlr_create', mode='lldpad-stop', count=1)
    with open(sim.path('/sys/bus/fcoe/ctlr_create'), 'wb', buffering=0) as handle:
        handle.write(b'eth1')
    deadline = time.monotonic() + 10
    while True:   # the socket goes from a thread of its own, without the write waiting for it
        try:
            clif.Client(sim.netns).open()
        except clif.LldpadNotRunning:
            break
        assert time.monotonic() < deadline, 'still bound'
        time.sleep(0.05)
    assert sim.state()['drivers']['dcb']['lldpad'] == 'stopped'
