"""What the FCoE kind offers the watch service, on a real network namespace (conftest.py) and a store in a temporary
sysroot: the interfaces that wait and those in service, DCB read on the real device the kind finds by IFLA_LINK
(a macvlan named fcoe0 over eth1: eth1's DCB), and the next retry the kind recorded."""

import time

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.reader import DcbState, Feature
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.watch import FcoeWatch, dcb_ready_for_fcoe
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore, StoreDocument

SPEC = {'enabled': True, 'dcb_required': True, 'auto_vlan': False, 'mode': 'fabric', 'fip_resp': False}


def store(sysroot, statuses: dict, **observed) -> None:
    """The fcoe document: each interface declared, with the status a run recorded (None: in sync)."""
    document = StoreDocument('fcoe')
    for interface, status in statuses.items():
        document.declare(interface, dict(SPEC, interface=interface, dcb_required=interface != 'eth2'))
        if status:
            document.observe(interface, status=status, status_since='2026-01-01T00:00:00Z')
        else:
            document.observe(interface, in_sync_since='2026-01-01T00:00:00Z')
    for interface, values in observed.items():
        document.observe(interface, **values)
    states = StateStore(sysroot)
    with states.locked():
        states.save(document)


@pytest.fixture
def sysroot(tmp_path):
    return Sysroot(str(tmp_path))


def test_what_waits_and_what_is_in_service(sysroot, netns):
    watch = FcoeWatch(sysroot, netns)
    assert watch.interfaces() == ([], []) and watch.waiting_dcb() is None and watch.due() is None
    store(sysroot, {'fcoe0': 'pending', 'eth1': None, 'eth2': None, 'eth3': 'failed'})
    # eth2 declares no DCB (nothing to poll); a failed one is the interval's.
    assert watch.interfaces() == (['fcoe0'], ['eth1'])


def test_dcb_is_read_on_the_real_device(sysroot, netns):
    store(sysroot, {'fcoe0': 'pending', 'eth1': None})
    watch = FcoeWatch(sysroot, netns)
    waiting = watch.waiting_dcb()
    assert list(waiting) == ['fcoe0'] and waiting['fcoe0']['reason'].startswith('eth1 is not DCB-capable')
    # What a pass read is used as it is (a change between its reading and this one is not lost).
    assert watch.waiting_dcb({'fcoe0': {'capable': True, 'device': 'eth1'}}) == {'fcoe0': {'capable': True}}
    # eth1 has no DCB: not ready for FCoE, so the poll of the interface in service names it.
    assert [watch.in_service_not_ready() for _turn in range(2)] == ['eth1', 'eth1']


def test_poll_reports_a_change_once_and_readiness_every_time(sysroot, netns):
    store(sysroot, {'fcoe0': 'pending', 'eth1': None})
    watch = FcoeWatch(sysroot, netns)
    watch.start()
    assert watch.poll() == ['DCB changed on eth1']
    watch.passed({'dcb': {'fcoe0': {'capable': True, 'device': 'eth1'}}})
    assert watch.poll() == ['DCB changed', 'DCB changed on eth1']   # the pass's reading differs from eth1's now
    assert watch.poll() == ['DCB changed on eth1']
    store(sysroot, {'eth2': None})   # nothing waits, nothing in service needs DCB: nothing to poll
    assert watch.poll() == [] and watch.baseline is None


def test_the_next_retry_is_when_the_kind_recorded_it(sysroot, netns):
    store(sysroot, {'eth1': 'pending'}, eth1={'next_retry': time.time() + 600})
    due = FcoeWatch(sysroot, netns).due()
    assert 0 < due <= 600
    store(sysroot, {'eth1': 'pending', 'fcoe0': 'pending'}, eth1={'next_retry': time.time() + 600},
          fcoe0={'next_retry': time.time() - 5})
    assert FcoeWatch(sysroot, netns).due() == 0.0


def test_ready_is_the_kinds_own_rule():
    ready = DcbState('test', dcb_on=True, pfc=Feature(enable=True, oper=True, syncd=True, priorities=0x08),
                     app=Feature(enable=True, oper=True, syncd=True, priorities=0x08))
    assert dcb_ready_for_fcoe('eth1', ready)
    ready.app.syncd = False   # a failed step of fcoemon's sequence: a retry, not ready
    assert not dcb_ready_for_fcoe('eth1', ready)
    assert not dcb_ready_for_fcoe('eth1', None)
