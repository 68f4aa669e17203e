"""The FCoE decision's reasons and flags, exactly (mutation testing, docs/mutation.md)."""

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._dcb import DcbState, Feature
from ansible_collections.iofabric.core.plugins.module_utils._fcoe_decide import (
    CREATE,
    DESTROY,
    KEEP,
    MAX_RETRIES,
    WAIT,
    Inputs,
    decide,
    retries_due,
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
