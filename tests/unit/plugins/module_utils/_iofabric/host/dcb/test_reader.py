"""DcbReader: lldpad's socket first, dcbtool when the socket cannot be used, the kernel when lldpad is not running.

lldpad here is fabricsim's model (in process), answering on a real socket bound in a scratch namespace and,
for the dcbtool path, through the simulated dcbtool's output: both paths must give the same DcbState.
"""

import subprocess
import uuid
from collections import Counter

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.reader import CEE, IEEE, KERNEL, DcbReader
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import ToolRun
from fabricsim.clock import ManualClock
from fabricsim.fabric import Fabric
from fabricsim.scenario import load
from tests.unit.plugins.module_utils._iofabric.host.dcb.test_clif import Server


class SimTools:
    """The simulator's dcbtool and lldptool run in process: their output is the model's, as the stand-ins print it."""

    def __init__(self, fabric, installed=('dcbtool', 'lldptool')):
        self.fabric, self.installed, self.runs, self.timeout = fabric, installed, Counter(), 30.0
        self.sysroot = self

    def tool(self, name):
        return '/usr/sbin/' + name if name in self.installed else None

    def run(self, tool, args, check=True):   # pylint: disable=unused-argument
        self.runs[tool] += 1
        answer = self.fabric.run_tool(tool, list(args))
        return ToolRun([tool] + list(args), answer['rc'], answer['stdout'], answer['stderr'])


@pytest.fixture
def fabric():
    return Fabric(load('small'), ManualClock())


@pytest.fixture
def netns():
    name = 'iofab-rdr-%s' % uuid.uuid4().hex[:8]
    subprocess.run(['ip', 'netns', 'add', name], check=True)
    try:
        yield name
    finally:
        subprocess.run(['ip', 'netns', 'del', name], check=False)


@pytest.fixture
def lldpad(fabric, netns):
    def answer(request):
        with fabric.lock:
            reply = fabric.drivers['dcb'].clif(request)
        return [] if reply is None else [reply]
    server = Server(netns, answer)
    yield server
    server.close()


def both(fabric, netns, ifname):
    """(socket reader's state, its tool runs and socket queries, dcbtool reader's state)."""
    tools = SimTools(fabric)
    reader = DcbReader(tools, netns)
    state = reader.read(ifname)
    return state, dict(tools.runs), reader.queries, DcbReader(SimTools(fabric), netns, socket_first=False).read(ifname)


MODEL_STATES = [
    ('ready', 'eth2', {}),
    ('dcb off', 'eth2', {'dcb': 'off'}),
    ('pfc not operational', 'eth2', {'pfc.oper': 'false'}),
    ('app not synchronised, errors', 'eth2', {'app.syncd': 'false', 'app.error': '0x21'}),
    ('other priorities, not willing', 'eth1', {'pfc.pfcup': '10000011', 'app.appcfg': '81', 'pfc.willing': 'false',
                                               'app.advertise': 'false'}),
    ('app disabled', 'eth1', {'app.enable': 'false'}),
]


@pytest.mark.parametrize('name, ifname, change', MODEL_STATES, ids=[case[0] for case in MODEL_STATES])
def test_the_socket_and_dcbtool_agree_and_the_socket_forks_nothing(fabric, netns, lldpad, name, ifname, change):
    if change:
        fabric.event('dcb-set', dict(change, iface=ifname))
    state, runs, queries, via_dcbtool = both(fabric, netns, ifname)
    assert state == via_dcbtool and state.source == CEE and state.readable, name
    assert runs == {} and queries == (1 if change.get('dcb') == 'off' else 5)


def test_not_capable_the_same_reason_on_both_paths(fabric, netns, lldpad):
    state, runs, queries, via_dcbtool = both(fabric, netns, 'eth3')
    assert state == via_dcbtool and runs == {} and queries == 1
    assert state.capable is False and state.reason == 'eth3 is not DCB-capable (lldpad: Device not capable)'


def test_ieee_mode_goes_on_with_lldptool(fabric, netns, lldpad):
    fabric.event('dcb-mode', {'mode': 'ieee'})
    state, runs, queries, via_dcbtool = both(fabric, netns, 'eth2')
    assert state == via_dcbtool and state.source == IEEE and state.pfc.priorities == 0x08
    assert runs == {'lldptool': 2} and queries == 4   # up to the PFC oper that answers 9


def test_ieee_mode_without_lldptool_reads_the_kernel(fabric, netns, lldpad):
    fabric.event('dcb-mode', {'mode': 'ieee'})
    state = DcbReader(SimTools(fabric, installed=()), netns).read('eth2')
    assert state.source == KERNEL and 'lldptool is not installed' in state.reason


def test_lldpad_not_running_is_the_kernel_on_both_paths(fabric, netns):
    fabric.event('lldpad-stop', {})
    state, runs, queries, via_dcbtool = both(fabric, netns, 'eth2')
    assert state == via_dcbtool and state.source == KERNEL and runs == {} and queries == 0
    assert state.reason == 'eth2 is not DCB-capable (lldpad is not running; the kernel has no DCB for it)'


def test_dcbtool_need_not_be_installed_for_the_socket(fabric, netns, lldpad):
    tools = SimTools(fabric, installed=())
    state = DcbReader(tools, netns).read('eth2')
    assert state.source == CEE and state.pfc.oper and dict(tools.runs) == {}
    assert DcbReader(SimTools(fabric, installed=()), netns, socket_first=False).read('eth2').reason.startswith(
        'eth2 is not DCB-capable (dcbtool is not installed')


def test_a_socket_that_cannot_be_used_falls_back_to_dcbtool(fabric):
    tools = SimTools(fabric)
    state = DcbReader(tools, 'no-such-namespace-%s' % uuid.uuid4().hex[:6]).read('eth2')
    assert state.source == CEE and state.pfc.oper and tools.runs == {'dcbtool': 5}


@pytest.mark.parametrize('mode, value, reason', [
    ('timeout', 0, 'DCB query failed: lldpad did not answer C301010004eth2 within 0.3 s'),
    ('garbage', 0, 'DCB query failed: lldpad reply: does not begin with R'),
    ('rc', 1, 'lldpad: Failed'),
])
def test_lldpad_faults_make_the_state_unreadable(fabric, netns, lldpad, mode, value, reason):
    fabric.faults.add(kind='tool', target='lldpad', mode=mode, value=value)
    tools = SimTools(fabric)
    tools.timeout = 0.3     # IOFABRIC_TOOL_TIMEOUT below lldpad's own 2 s
    state = DcbReader(tools, netns).read('eth2')
    assert state.source == CEE and state.readable is False and state.reason.startswith(reason), state.reason
    assert dict(tools.runs) == {}


def test_a_device_name_that_dcbtool_would_read_as_an_option_is_not_given_to_dcbtool():
    # The kernel allows a link named '-r' (a VLAN's real device can be one); no runner is needed to refuse it,
    # so none is given: the dcbtool path must not reach dcbtool, or anything else.
    state = DcbReader(runner=None).dcbtool_path('-r')
    assert state.source == CEE and state.readable is False and 'would reach dcbtool as an option' in state.reason


def test_on_the_socket_such_a_name_is_asked_like_any_other(fabric, netns, lldpad):
    state = DcbReader(SimTools(fabric), netns).read('-r')
    assert state.capable is False and state.reason == '-r is not DCB-capable (lldpad: Device not capable)'


def test_a_name_too_long_for_the_request_is_refused_before_sending(fabric, netns, lldpad):
    reader = DcbReader(SimTools(fabric), netns)
    state = reader.read('x' * 16)
    assert state.readable is False and 'longer than 15 bytes' in state.reason and reader.queries == 0
    assert fabric.drivers['dcb'].clif_requests == 0


@pytest.mark.parametrize('mode, value, reason', [
    ('garbage', 0, 'DCB query failed: dcbtool output line 1: unexpected line'),
    ('rc', 1, 'DCB query failed: dcbtool output: no Status line'),
])
def test_dcbtool_faults_on_the_fallback_path(fabric, mode, value, reason):
    # The socket cannot be used (a namespace that cannot be entered): dcbtool runs, and its faults are reported.
    fabric.faults.add(kind='tool', target='dcbtool', mode=mode, value=value)
    tools = SimTools(fabric)
    state = DcbReader(tools, 'no-such-namespace-%s' % uuid.uuid4().hex[:6]).read('eth2')
    assert state.readable is False and state.reason.startswith(reason), state.reason
    assert tools.runs == {'dcbtool': 1}
