"""The netdevs view: renames as the scenario's kernel allows them."""

import errno

import pytest

from fabricsim.clock import ManualClock
from fabricsim.fabric import Fabric
from fabricsim.scenario import load


def test_a_live_rename_of_an_up_link_is_ebusy_on_6_1():
    fabric = Fabric(load('small'), ManualClock())
    with pytest.raises(OSError) as info:
        fabric.event('link-rename', {'name': 'eth3', 'to': 'eth9', 'live': 'yes'})
    assert info.value.errno == errno.EBUSY
    fabric.event('link-down', {'name': 'eth3'})
    fabric.event('link-rename', {'name': 'eth3', 'to': 'eth9', 'live': 'yes'})
    assert 'eth9' in fabric.drivers['netdevs'].devices
    fabric.event('link-rename', {'name': 'eth2', 'to': 'eth8'})   # down, rename, up: fine everywhere


def test_a_later_kernel_renames_an_up_link():
    scenario = dict(load('small'), kernel='6.18')
    fabric = Fabric(scenario, ManualClock())
    fabric.event('link-rename', {'name': 'eth3', 'to': 'eth9', 'live': 'yes'})
    assert fabric.drivers['netdevs'].devices['eth9'].up
