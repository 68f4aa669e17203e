"""lldpad's client interface: the requests, the replies as fcoemon parses them, and the socket (a real one)."""

import os
import shutil
import socket
import subprocess
import threading
import time
import uuid

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ParseError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb import clif
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.clif import (
    CMD_GET_CONFIG, CMD_GET_OPER, FEATURE_APP, FEATURE_DCB, FEATURE_PFC, parse_reply, request)
from fabricsim.lldpad import ADDRESS, socket_in


def req(command, feature):
    return request(command, feature, 0, 'eth2')


# -- requests -----------------------------------------------------------------------------------
def test_requests_are_fcoemons():
    # fcoe_dcb.md §1.6: the five requests for eth2.
    assert [req(CMD_GET_CONFIG, FEATURE_DCB), req(CMD_GET_CONFIG, FEATURE_PFC), req(CMD_GET_CONFIG, FEATURE_APP),
            req(CMD_GET_OPER, FEATURE_PFC), req(CMD_GET_OPER, FEATURE_APP)] == [
        b'C301010004eth2', b'C301030004eth2', b'C301050004eth2', b'C303030004eth2', b'C303050004eth2']


def test_interface_names_are_validated_before_anything_is_sent():
    assert request(CMD_GET_CONFIG, FEATURE_DCB, 0, '-r') == b'C301010002-r'   # no option on a socket
    assert request(CMD_GET_CONFIG, FEATURE_DCB, 0, 'a' * 15)[8:10] == b'0f'
    for bad in ('a' * 16, '', 'eth 1', 'eth\n1', 'caf\u00e9', '.', None, b'eth2'):
        with pytest.raises(ValidationError, match='DCB interface'):
            request(CMD_GET_CONFIG, FEATURE_DCB, 0, bad)


# -- replies: the reference's examples --------------------------------------------------------------
def test_dcb_state():
    reply = parse_reply(req(CMD_GET_CONFIG, FEATURE_DCB), b'R00C301010004eth21')
    assert reply.status == 0 and clif.dcb_state(reply) is True
    assert clif.dcb_state(parse_reply(req(CMD_GET_CONFIG, FEATURE_DCB), b'R00C301010004eth20')) is False


def test_pfc_and_app_config():
    assert clif.config(parse_reply(req(CMD_GET_CONFIG, FEATURE_PFC), b'R00C301030004eth2111000100008')) == (True, True, True)
    assert clif.config(parse_reply(req(CMD_GET_CONFIG, FEATURE_APP), b'R00C301050004eth21110208')) == (True, True, True)
    assert clif.config(parse_reply(req(CMD_GET_CONFIG, FEATURE_APP), b'R00C301050004eth20100208')) == (False, True, False)


def test_pfc_and_app_oper():
    pfc = clif.oper(parse_reply(req(CMD_GET_OPER, FEATURE_PFC), b'R00C303030004eth20000001100010000x'), FEATURE_PFC)
    assert (pfc.version, pfc.error, pfc.mode, pfc.syncd, pfc.priorities) == (0, 0, True, True, 0x08)
    app = clif.oper(parse_reply(req(CMD_GET_OPER, FEATURE_APP), b'R00C303050004eth2000000110208'), FEATURE_APP)
    assert (app.error, app.mode, app.syncd, app.priorities) == (0, True, True, 0x08)
    odd = clif.oper(parse_reply(req(CMD_GET_OPER, FEATURE_PFC), b'R00C303030004eth20102211011000001x'), FEATURE_PFC)
    assert (odd.version, odd.error, odd.mode, odd.syncd, odd.priorities) == (1, 0x21, True, False, 0b10000011)


def test_error_statuses():
    reply = parse_reply(req(CMD_GET_CONFIG, FEATURE_DCB), b'R08C301010004eth2')
    assert (reply.status, reply.data, reply.status_text) == (8, '', 'Device not capable')
    assert parse_reply(req(CMD_GET_OPER, FEATURE_PFC), b'R09C303030004eth2').status == 9
    assert parse_reply(req(CMD_GET_OPER, FEATURE_PFC), b'R04').status == 4   # rejected before the port: no echo
    assert parse_reply(req(CMD_GET_OPER, FEATURE_PFC), b'R2a').status_text == 'Unknown status 42'


@pytest.mark.parametrize('reply, message', [
    (b'', 'does not begin with R'),
    (b'E5204eth2030011', 'does not begin with R'),
    (b'R0', 'not two hex digits'),
    (b'Rzz', 'not two hex digits'),
    (b'R00', 'not the request'),
    (b'R00C301010004eth31', 'not the request'),          # another interface's answer
    (b'R00C301030004eth21', 'not the request'),          # another feature's answer
    (b'R00C3010100\xff4eth21', 'not ASCII'),
    (b'R00C301010004eth2', 'DCB state'),                 # no data
    (b'R00C301010004eth2x', 'DCB state'),
])
def test_garbage_dcb_replies_are_parse_errors_naming_what_is_wrong(reply, message):
    with pytest.raises(ParseError, match=message):
        clif.dcb_state(parse_reply(req(CMD_GET_CONFIG, FEATURE_DCB), reply))


@pytest.mark.parametrize('feature, data, message', [
    (FEATURE_PFC, '', 'oper version'),
    (FEATURE_PFC, '0000001', 'syncd'),
    (FEATURE_PFC, '00g0001100010000x', 'max version'),
    (FEATURE_PFC, '000000110001000', 'pfcup\\[7\\]'),
    (FEATURE_PFC, '0000001100012000x', 'pfcup\\[4\\]'),
    (FEATURE_PFC, '0000zz1100010000x', 'error flags'),
    (FEATURE_PFC, '0000002100010000x', 'oper mode'),
    (FEATURE_APP, '00000011', 'appcfg length'),
    (FEATURE_APP, '000000110008', 'appcfg length 0'),
    (FEATURE_APP, '000000110408', 'appcfg length 4'),
    (FEATURE_APP, '00000011020', 'appcfg'),
    (FEATURE_APP, '0000001102-8', 'appcfg'),
])
def test_garbage_oper_data(feature, data, message):
    sent = req(CMD_GET_OPER, feature)
    with pytest.raises(ParseError, match=message):
        clif.oper(parse_reply(sent, b'R00' + sent + data.encode()), feature)


def test_garbage_config_data():
    sent = req(CMD_GET_CONFIG, FEATURE_PFC)
    for data in (b'', b'11', b'1x1'):
        with pytest.raises(ParseError, match='enable|advertise|willing'):
            clif.config(parse_reply(sent, b'R00' + sent + data))


# -- the socket -------------------------------------------------------------------------------------
@pytest.fixture
def scratch_netns():
    name = 'iofab-clif-%s' % uuid.uuid4().hex[:8]
    subprocess.run(['ip', 'netns', 'add', name], check=True)
    try:
        yield name
    finally:
        subprocess.run(['ip', 'netns', 'del', name], check=False)


class Server:
    """A stand-in lldpad in a namespace: handler(request) -> the datagrams to send back (the transport under test
    is the client's; the replies are the protocol's)."""

    def __init__(self, netns, handler):
        self.sock = socket_in(netns, socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(ADDRESS)
        self.handler = handler
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while True:
            data, sender = self.sock.recvfrom(4096)
            if not data:
                return          # shut down
            for datagram in self.handler(data):
                self.sock.sendto(datagram, sender)

    def close(self):
        """Gone before this returns: the name is released, a connect is refused."""
        self.sock.shutdown(socket.SHUT_RDWR)
        self.thread.join()
        self.sock.close()


serve = Server


def test_no_lldpad_is_connection_refused(scratch_netns):
    with pytest.raises(clif.LldpadNotRunning):
        clif.Client(scratch_netns).open()


def test_a_namespace_that_cannot_be_entered_makes_the_socket_unusable():
    with pytest.raises(clif.ClifUnusable, match='no-such-netns'):
        clif.Client('no-such-netns-%d' % os.getpid()).open()


def test_events_are_skipped_and_the_reply_is_read(scratch_netns):
    server = serve(scratch_netns, lambda data: [b'E5204eth2030011', b'R00' + data + b'1'])
    try:
        with clif.Client(scratch_netns) as client:
            reply = client.query(CMD_GET_CONFIG, FEATURE_DCB, 0, 'eth2')
            assert clif.dcb_state(reply) is True and client.queries == 1
    finally:
        server.close()


def test_the_socket_is_only_in_its_namespace(scratch_netns):
    server = serve(scratch_netns, lambda data: [b'R00' + data + b'1'])
    try:
        with pytest.raises(clif.LldpadNotRunning):
            clif.Client(None).open()     # this test's own namespace has no lldpad
    finally:
        server.close()


def test_a_silent_lldpad_times_out_and_the_connection_is_dropped(scratch_netns):
    server = serve(scratch_netns, lambda data: [])
    try:
        client = clif.Client(scratch_netns, timeout=0.2)
        with pytest.raises(clif.LldpadTimeout, match='did not answer C301010004eth2 within 0.2 s'):
            client.query(CMD_GET_CONFIG, FEATURE_DCB, 0, 'eth2')
        assert client.sock is None     # a late reply can never be read as the next request's
    finally:
        server.close()


def test_a_reply_to_another_request_is_a_parse_error(scratch_netns):
    server = serve(scratch_netns, lambda data: [b'R00C301010004eth31'])
    try:
        with clif.Client(scratch_netns) as client, pytest.raises(ParseError, match='not the request'):
            client.query(CMD_GET_CONFIG, FEATURE_DCB, 0, 'eth2')
    finally:
        server.close()


def test_lldpad_going_away_is_lldpad_not_running(scratch_netns):
    server = serve(scratch_netns, lambda data: [b'R00' + data + b'1'])
    client = clif.Client(scratch_netns)
    client.open()
    server.close()
    with pytest.raises(clif.LldpadNotRunning):
        client.query(CMD_GET_CONFIG, FEATURE_DCB, 0, 'eth2')


# -- the real lldpad ----------------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which('lldpad') is None, reason='lldpad is not installed')
def test_the_real_lldpad_answers_not_capable_for_a_veth(scratch_netns):
    subprocess.run(['ip', '-n', scratch_netns, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p'], check=True)
    subprocess.run(['ip', '-n', scratch_netns, 'link', 'set', 'eth1', 'up'], check=True)
    lldpad = subprocess.Popen(['ip', 'netns', 'exec', scratch_netns, 'lldpad'], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with clif.Client(scratch_netns) as client:
                    reply = client.query(CMD_GET_CONFIG, FEATURE_DCB, 0, 'eth1')
                break
            except clif.LldpadNotRunning:
                if lldpad.poll() is not None:
                    pytest.skip('lldpad did not start here: %s' % lldpad.stderr.read().decode(errors='replace').strip())
                assert time.monotonic() < deadline, 'lldpad never bound its socket'
                time.sleep(0.1)
        assert (reply.status, reply.data) == (clif.STATUS_NOT_CAPABLE, '')
    finally:
        lldpad.terminate()
        lldpad.wait(10)


def test_a_hung_lldpad_whose_queue_is_full_times_out_on_send_too(scratch_netns):
    # A hung lldpad stops reading: once its receive queue is full a send would block for ever.
    subprocess.run(['ip', 'netns', 'exec', scratch_netns, 'sysctl', '-qw', 'net.unix.max_dgram_qlen=1'], check=True)
    hung = socket_in(scratch_netns, socket.AF_UNIX, socket.SOCK_DGRAM)
    hung.bind(ADDRESS)
    try:
        messages = []
        for _attempt in range(4):
            with pytest.raises(clif.LldpadTimeout) as info:
                clif.Client(scratch_netns, timeout=0.2).query(CMD_GET_CONFIG, FEATURE_DCB, 0, 'eth2')
            messages.append(str(info.value))
        assert any('its queue is full' in message for message in messages), messages
    finally:
        hung.close()
