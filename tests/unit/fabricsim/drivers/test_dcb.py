"""The simulated lldpad clients: dcbtool and lldptool, byte for byte."""

import pytest

from fabricsim.clock import ManualClock
from fabricsim.fabric import Fabric
from fabricsim.scenario import load


@pytest.fixture
def fabric():
    return Fabric(load('small'), ManualClock())


def dcbtool(fabric, *argv):
    result = fabric.run_tool('dcbtool', list(argv))
    return result['rc'], result['stdout'], result['stderr']


def test_canonical_outputs(fabric):
    assert dcbtool(fabric, 'gc', 'eth2', 'dcb') == (0, 'Command:   \tGet Config\nFeature:   \tDCB State\nPort:      \t'
                                                       'eth2\nStatus:    \tSuccessful\nDCB State:\ton\n', '')
    assert dcbtool(fabric, 'gc', 'eth2', 'pfc')[1].endswith(
        'Enable:    \ttrue\nAdvertise: \ttrue\nWilling:   \ttrue\npfcup:     \t0\t0\t0\t1\t0\t0\t0\t0\t\n'
        "num TC's:  \t8\n")
    assert dcbtool(fabric, 'gc', 'eth2', 'app:fcoe')[1].endswith('Willing:   \ttrue\nappcfg:     \t08\n')
    assert dcbtool(fabric, 'go', 'eth2', 'pfc')[1].endswith(
        'Oper Version:\t0\nMax Version:\t0\nErrors:     \t0x00 - none\nOper Mode: \ttrue\nSyncd:     \ttrue\n'
        'pfcup:     \t0\t0\t0\t1\t0\t0\t0\t0\t\n')


def test_not_capable_not_running_and_parse_errors(fabric):
    rc, out, _err = dcbtool(fabric, 'gc', 'eth3', 'dcb')
    assert rc == 8 and out.endswith('Status:    \tDevice not capable\n')
    assert dcbtool(fabric, 'gp', 'eth2', 'dcb')[0] == 255
    assert dcbtool(fabric, 'gc', 'eth2')[2] == 'invalid command argument: feature was not specified\n'
    fabric.event('lldpad-stop', {})
    assert dcbtool(fabric, 'gc', 'eth2', 'dcb') == (
        255, '', 'connect: Connection refused\nFailed to connect to lldpad - clif_open: Connection refused\n')


def test_events_change_what_lldpad_reports(fabric):
    fabric.event('dcb-set', {'iface': 'eth2', 'pfc.oper': 'false', 'app.error': '0x21', 'app.appcfg': '10'})
    assert 'Oper Mode: \tfalse' in dcbtool(fabric, 'go', 'eth2', 'pfc')[1]
    app = dcbtool(fabric, 'go', 'eth2', 'app:fcoe')[1]
    assert 'Errors:     \t0x21 - mismatch with peer, peer feature not present' in app and 'appcfg:     \t10' in app
    fabric.event('dcb-set', {'iface': 'eth2', 'dcb': 'off'})
    assert dcbtool(fabric, 'gc', 'eth2', 'dcb')[1].endswith('DCB State:\toff\n')


def test_link_down_is_not_operational(fabric):
    fabric.event('link-down', {'name': 'eth2'})
    assert 'Oper Mode: \tfalse' in dcbtool(fabric, 'go', 'eth2', 'pfc')[1]


def test_set_config(fabric):
    assert dcbtool(fabric, 'sc', 'eth2', 'pfc', 'e:0')[0] == 0
    assert 'Enable:    \tfalse' in dcbtool(fabric, 'gc', 'eth2', 'pfc')[1]
    assert dcbtool(fabric, 'sc', 'eth2', 'pfc', 'x:9')[0] == 255


def test_ieee_mode(fabric):
    fabric.event('dcb-mode', {'mode': 'ieee'})
    rc, out, _err = dcbtool(fabric, 'go', 'eth2', 'pfc')
    assert rc == 9 and 'Command not applicable in IEEE-DCBX modes' in out
    pfc = fabric.run_tool('lldptool', ['-t', '-i', 'eth2', '-V', 'PFC'])['stdout']
    assert pfc == ('IEEE 8021QAZ PFC TLV\n\t Willing: yes\n\t MACsec Bypass Capable: no\n'
                   '\t PFC capable traffic classes: 8\n\t PFC enabled: 3 \n')
    app = fabric.run_tool('lldptool', ['-t', '-i', 'eth2', '-V', 'APP'])['stdout']
    assert app == 'IEEE 8021QAZ APP TLV\n\tApp#   0 \t Prio 3 \t Sel 1 \t P-ID\t Ethertype: 0x8906\n'
    assert fabric.run_tool('lldptool', ['-t', '-i', 'eth2', '-V', 'PFC', '-c', 'enabled'])['stdout'] == 'enabled=8\n'
    assert fabric.run_tool('lldptool', ['-t', '-i', 'eth2', '-V', 'NOPE'])['stdout'] == '\nInvalid TLV identifier: NOPE\n'
