"""The FCoE decision's reasons and flags, exactly (mutation testing, docs/mutation.md)."""

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.reader import DcbState, Feature
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.decide import (
    CREATE,
    DESTROY,
    KEEP,
    MAX_RETRIES,
    WAIT,
    Inputs,
    decide,
    retries_due,
    retry_delay,
    retry_offset,
)


def dcb(app_enable=True, app_priorities=0x08) -> DcbState:
    return DcbState('test', dcb_on=True, pfc=Feature(enable=True, oper=True, priorities=0x08),
                    app=Feature(enable=app_enable, oper=True, priorities=app_priorities))


@pytest.mark.parametrize('instance', [False, True])
def test_a_ready_interface_is_not_reported_waiting(instance):
    decision = decide(Inputs('eth2', instance=instance, dcb=dcb()))
    assert (decision.action, decision.waiting, decision.retry, decision.exhausted) == (
        KEEP if instance else CREATE, False, False, False)


def test_app_fcoe_disabled_names_the_real_device():
    decision = decide(Inputs('eth2.100', real='eth2', dcb=dcb(app_enable=False)))
    assert decision.reason == 'App:FCoE is disabled on eth2'


@pytest.mark.parametrize('instance', [False, True])
def test_disjoint_priorities_wait_only_for_an_interface_not_yet_created(instance):
    decision = decide(Inputs('eth2', instance=instance, dcb=dcb(app_priorities=0x10)))
    assert (decision.action, decision.waiting) == ((DESTROY, False) if instance else (WAIT, True))


def test_a_link_down_on_a_vlan_names_both_whatever_their_order():
    """A VLAN may be named anything ('data100' sorts before its real device 'eth1')."""
    decision = decide(Inputs('data100', real='eth1', link_up=False, instance=True))
    assert decision.reason == 'the link is down on data100 or its real device eth1'
    assert decide(Inputs('eth1', link_up=False, instance=True)).reason == 'the link is down on eth1'


def test_a_retry_count_past_the_maximum_is_exhausted_too():
    """A count stored by a run with a larger maximum (or counted past it) never restarts the retries."""
    unmet = DcbState('test', dcb_on=True, pfc=Feature(enable=True, oper=False, priorities=0x08),
                     app=Feature(enable=True, oper=True, priorities=0x08))
    decision = decide(Inputs('eth2', instance=True, dcb=unmet, retries=MAX_RETRIES + 1))
    assert (decision.action, decision.exhausted, decision.retry) == (DESTROY, True, False)


def test_no_retry_is_due_before_the_first_failed_step():
    """A wall clock stepped back makes the elapsed time negative: nothing is due, never a negative count."""
    assert retries_due(-5.0) == 0 and retries_due(0.0) == 0


def test_a_retry_is_due_at_its_time_within_the_millisecond_tolerance():
    """The tolerance makes the bound inclusive: retry n is due at retry_offset(n) - 1 ms."""
    for n in (1, 3, MAX_RETRIES):
        elapsed = retry_offset(n) - 1e-3
        assert elapsed + 1e-3 == retry_offset(n)   # the boundary is exact in floating point here
        assert retries_due(elapsed) == n


def test_the_ready_reason_names_the_intersecting_priorities():
    state = DcbState('test', dcb_on=True, pfc=Feature(enable=True, oper=True, priorities=0x18),
                     app=Feature(enable=True, oper=True, priorities=0x08))
    assert decide(Inputs('eth2', dcb=state)).reason == \
        'link up; DCB, PFC and App:FCoE on and operational; priorities 0x08'


def test_a_real_device_read_from_sysfs_equal_to_the_name_is_named_once():
    """The real device's name comes from sysfs: an equal string, not the same object."""
    real = ''.join(['eth', '1'])
    assert decide(Inputs('eth1', real=real, link_up=False, instance=True)).reason == 'the link is down on eth1'


@pytest.mark.parametrize('instance', [False, True])
def test_gone_conditions_wait_only_for_an_interface_not_yet_created(instance):
    off = DcbState('test', dcb_on=False, pfc=Feature(enable=True, oper=True, priorities=0x08),
                   app=Feature(enable=True, oper=True, priorities=0x08))
    for decision in (decide(Inputs('eth2', instance=instance, netif_exists=False)),
                     decide(Inputs('eth2', instance=instance, dcb=off))):
        assert (decision.action, decision.waiting) == ((DESTROY, False) if instance else (WAIT, True))


@pytest.mark.parametrize('instance', [False, True])
def test_disabled_names_the_interface_and_the_setting(instance):
    decision = decide(Inputs('eth2', enabled=False, instance=instance))
    assert (decision.action, decision.reason) == (DESTROY if instance else KEEP, 'FCoE is disabled for eth2 (enabled: false)')


def test_the_first_retry_timer_is_one_step_even_at_count_zero():
    assert retry_delay(0) == pytest.approx(0.2) and retry_delay(1) == pytest.approx(0.2)


@pytest.mark.parametrize('instance', [False, True])
def test_exhausted_waits_only_for_an_interface_not_yet_created(instance):
    unmet = DcbState('test', dcb_on=True, pfc=Feature(enable=True, oper=False, priorities=0x08),
                     app=Feature(enable=True, oper=True, priorities=0x08))
    decision = decide(Inputs('eth2', instance=instance, dcb=unmet, retries=MAX_RETRIES))
    assert (decision.action, decision.waiting, decision.exhausted) == ((DESTROY, False, True) if instance else (WAIT, True, True))
    assert decision.reason == 'PFC is not operational on eth2, still after 10 retries'


def test_an_unreadable_dcb_state_says_why():
    unreadable = decide(Inputs('eth2', dcb=DcbState('test', readable=False, reason='dcbtool printed garbage')))
    assert unreadable.reason == 'DCB state of eth2 is unknown: dcbtool printed garbage'
    assert decide(Inputs('eth2', dcb=None)).reason == 'DCB state of eth2 is unknown: not read'


@pytest.mark.parametrize('instance', [False, True])
def test_a_missing_netif_or_app_fcoe_off_waits_only_when_not_yet_created(instance):
    missing = decide(Inputs('eth2', instance=instance, netif_exists=False))
    assert missing.reason == 'the network interface eth2 does not exist'
    app_off = decide(Inputs('eth2', instance=instance, dcb=dcb(app_enable=False)))
    expected = (DESTROY, False) if instance else (WAIT, True)
    assert (missing.action, missing.waiting) == expected and (app_off.action, app_off.waiting) == expected
