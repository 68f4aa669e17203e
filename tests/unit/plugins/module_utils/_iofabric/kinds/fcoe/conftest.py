"""A real network namespace for the FCoE kind's tests: links as rtnetlink shows them (IFLA_LINK included)."""

import itertools
import os
import subprocess

import pytest

_NUMBER = itertools.count()


def ip(*args: str) -> None:
    subprocess.run(['ip'] + list(args), check=True, capture_output=True, timeout=30)


@pytest.fixture
def netns():
    """eth1 (up, a veth) with the macvlan fcoe0 over it, and eth2 (a veth that is down). A veth has no DCB
    in the kernel, so DCB read on eth1 says 'eth1 is not DCB-capable'."""
    name = 'fcoekind-%d-%d' % (os.getpid(), next(_NUMBER))
    ip('netns', 'add', name)
    try:
        ip('-n', name, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p')
        ip('-n', name, 'link', 'add', 'eth2', 'type', 'veth', 'peer', 'name', 'eth2p')
        ip('-n', name, 'link', 'add', 'link', 'eth1', 'name', 'fcoe0', 'type', 'macvlan', 'mode', 'bridge')
        for link in ('eth1', 'eth1p', 'fcoe0'):
            ip('-n', name, 'link', 'set', link, 'up')
        yield name
    finally:
        ip('netns', 'del', name)
