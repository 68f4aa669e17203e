"""The simulated lldpad's client socket protocol: the reference's replies, from the model dcbtool's text comes from."""

import os

import pytest

from fabricsim.clock import ManualClock
from fabricsim.fabric import GARBAGE, Fabric
from fabricsim.scenario import load


@pytest.fixture
def fabric():
    return Fabric(load('small'), ManualClock())


def ask(fabric, request):
    with fabric.lock:
        return fabric.drivers['dcb'].clif(request)


def test_the_reference_examples(fabric):
    # fcoe_dcb.md §1.6, eth2 with PFC and App:FCoE on priority 3, 8 traffic classes.
    assert ask(fabric, b'C301010004eth2') == b'R00C301010004eth21'
    assert ask(fabric, b'C301030004eth2') == b'R00C301030004eth2111000100008'
    assert ask(fabric, b'C301050004eth2') == b'R00C301050004eth21110208'
    assert ask(fabric, b'C303030004eth2') == b'R00C303030004eth20000001100010000x'
    assert ask(fabric, b'C303050004eth2') == b'R00C303050004eth2000000110208'
    assert fabric.drivers['dcb'].clif_requests == 5


def test_status_codes(fabric):
    assert ask(fabric, b'C301010004eth3') == b'R08C301010004eth3'          # veth without DCB: not capable
    assert ask(fabric, b'C301010004eth9') == b'R08C301010004eth9'          # no such netdev: get_hw_state fails too
    assert ask(fabric, b'C303010004eth2') == b'R04C303010004eth2'          # go dcb: invalid command
    assert ask(fabric, b'C201010004eth2') == b'R07C201010004eth2'          # another protocol version
    assert ask(fabric, b'C3010100') == b'R04' and ask(fabric, b'C301010009eth2') == b'R04'
    fabric.event('dcb-mode', {'mode': 'ieee'})
    assert ask(fabric, b'C303030004eth2') == b'R09C303030004eth2'          # GET_OPER in IEEE-DCBX mode
    assert ask(fabric, b'C301010004eth2') == b'R00C301010004eth21'


def test_ping_and_attach(fabric):
    assert ask(fabric, b'P') == b'R00PPONG%d' % os.getpid()
    assert ask(fabric, b'A') == b'R00A' and ask(fabric, b'D') == b'R00D'


def test_the_model_changes_show(fabric):
    fabric.event('dcb-set', {'iface': 'eth2', 'dcb': 'off', 'pfc.enable': 'false', 'app.appcfg': '10'})
    assert ask(fabric, b'C301010004eth2') == b'R00C301010004eth20'
    assert ask(fabric, b'C301030004eth2') == b'R00C301030004eth2011000100008'
    # DCB off is not operational (the same guess as dcbtool's text), and the App priority is 4.
    assert ask(fabric, b'C303050004eth2') == b'R00C303050004eth2000000000210'
    fabric.event('dcb-set', {'iface': 'eth2', 'dcb': 'on', 'pfc.error': '0x21'})
    assert ask(fabric, b'C303030004eth2') == b'R00C303030004eth20000211100010000x'


def test_lldpad_stopped_says_nothing(fabric):
    fabric.event('lldpad-stop', {})
    assert ask(fabric, b'C301010004eth2') is None and ask(fabric, b'P') is None


def test_faults(fabric):
    fabric.faults.add(kind='tool', target='lldpad', mode='timeout', count=1)
    assert ask(fabric, b'C301010004eth2') is None                          # a hung lldpad never answers
    fabric.faults.add(kind='tool', target='lldpad', mode='garbage', count=1)
    assert ask(fabric, b'C301010004eth2') == GARBAGE.encode()
    fabric.faults.add(kind='tool', target='lldpad', mode='rc', value=1, count=1)
    assert ask(fabric, b'C301010004eth2') == b'R01C301010004eth2'
    assert ask(fabric, b'C301010004eth2') == b'R00C301010004eth21'
    assert fabric.run_tool('dcbtool', ['gc', 'eth2', 'dcb'])['rc'] == 0    # the faults were lldpad's socket's only
