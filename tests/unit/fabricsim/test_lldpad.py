"""fabricsim's lldpad socket: bound in its namespace only, unbound (connection refused) when lldpad stops."""

import socket
import subprocess
import uuid

import pytest

from fabricsim.lldpad import ADDRESS, LldpadSocket, socket_in


@pytest.fixture
def netns():
    name = 'iofab-lsk-%s' % uuid.uuid4().hex[:8]
    subprocess.run(['ip', 'netns', 'add', name], check=True)
    try:
        yield name
    finally:
        subprocess.run(['ip', 'netns', 'del', name], check=False)


def client(netns):
    sock = socket_in(netns, socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b'')
    sock.settimeout(5)
    sock.connect(ADDRESS)
    return sock


def test_bound_while_running_answers_and_unbinds(netns):
    server = LldpadSocket(netns, lambda request: None if request == b'hang' else b'R00' + request)
    server.sync(True)
    try:
        sock = client(netns)
        sock.send(b'hang')
        sock.send(b'P')
        assert sock.recv(100) == b'R00P'          # nothing came back for the first
        sock.close()
        with pytest.raises(ConnectionRefusedError):
            socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).connect(ADDRESS)   # not in this namespace
    finally:
        server.sync(False)
    assert not server.bound
    with pytest.raises(ConnectionRefusedError):
        client(netns)
    server.sync(True)       # started again: bound again
    try:
        client(netns).close()
    finally:
        server.sync(False)
