"""The FCoE decision, exhaustively over the boolean inputs, against the seed's rules written out plainly."""

import itertools

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

NAMES = ('link', 'dcb_on', 'pfc_enable', 'pfc_oper', 'app_enable', 'app_oper', 'intersect', 'exhausted')


def seed(c: dict, instance: bool) -> str:
    """The fcoemon redesign note (seed 002), condition by condition."""
    create = c['link'] and (c['dcb_on'] and c['pfc_enable'] and c['app_enable'] and c['pfc_oper'] and c['app_oper']
                            and c['intersect'])
    destroy = c['link'] and (not c['dcb_on'] or not c['app_enable']
                             or (c['pfc_oper'] and c['app_oper'] and not c['intersect']))
    if create:
        return KEEP if instance else CREATE
    if destroy:
        return DESTROY if instance else WAIT
    if c['link'] and c['exhausted']:
        return DESTROY if instance else WAIT  # unmet after the maximum number of retries
    return KEEP if instance and not c['link'] else WAIT


def inputs(c: dict, instance: bool) -> Inputs:
    pfc = Feature(enable=c['pfc_enable'], oper=c['pfc_oper'], priorities=0x08)
    app = Feature(enable=c['app_enable'], oper=c['app_oper'], priorities=0x08 if c['intersect'] else 0x10)
    dcb = DcbState('test', dcb_on=c['dcb_on'], pfc=pfc, app=app)
    return Inputs('eth2', link_up=c['link'], instance=instance, dcb=dcb,
                  retries=MAX_RETRIES if c['exhausted'] else 3)


CASES = [dict(zip(NAMES, values)) for values in itertools.product((False, True), repeat=len(NAMES))]


@pytest.mark.parametrize('instance', [False, True])
@pytest.mark.parametrize('case', CASES, ids=lambda c: ''.join('1' if c[n] else '0' for n in NAMES))
def test_decision_matches_the_seed(case, instance):
    decision = decide(inputs(case, instance))
    assert decision.action == seed(case, instance), decision.reason


def test_the_reason_names_the_unmet_condition():
    case = dict(zip(NAMES, (True,) * len(NAMES)), pfc_oper=False, exhausted=False)
    decision = decide(inputs(case, instance=False))
    assert (decision.action, decision.retry) == (WAIT, True)
    assert decision.reason == 'PFC is not operational on eth2'
    case = dict(case, pfc_oper=True, dcb_on=False)
    assert decide(inputs(case, instance=True)).reason == 'DCB is off on eth2'
    case = dict(case, dcb_on=True, intersect=False)
    assert 'do not intersect' in decide(inputs(case, instance=True)).reason


def test_without_dcb_only_the_link_counts():
    assert decide(Inputs('eth2', dcb_required=False)).action == CREATE
    assert decide(Inputs('eth2', dcb_required=False, link_up=False)).action == WAIT
    assert decide(Inputs('eth2', dcb_required=False, instance=True)).action == KEEP


def test_netif_gone_and_disabled():
    assert decide(Inputs('eth2.101', netif_exists=False, instance=True)).action == DESTROY
    assert decide(Inputs('eth2.101', netif_exists=False)).action == WAIT
    assert decide(Inputs('eth2', enabled=False, instance=True)).action == DESTROY


def test_a_link_flap_keeps_the_interface_and_names_the_real_device():
    decision = decide(Inputs('eth2.101', real='eth2', link_up=False, instance=True))
    assert (decision.action, decision.waiting) == (KEEP, True)
    assert 'eth2.101 or its real device eth2' in decision.reason


def test_not_capable_counts_retries_then_gives_up():
    dcb = DcbState('lldpad', capable=False, reason='eth1 is not DCB-capable (lldpad: Device not capable)')
    first = decide(Inputs('eth1', dcb=dcb))
    assert (first.action, first.retry, first.reason) == (WAIT, True, dcb.reason)
    assert decide(Inputs('eth1', dcb=dcb, retries=MAX_RETRIES, instance=True)).action == DESTROY


def test_retry_timer_grows_in_fifths_of_a_second():
    assert [retry_delay(n) for n in (1, 2, 10)] == pytest.approx([0.2, 0.4, 2.0])


def _synced(pfc_syncd: bool, app_syncd: bool) -> DcbState:
    return DcbState('test', dcb_on=True, pfc=Feature(enable=True, oper=True, priorities=0x08, syncd=pfc_syncd),
                    app=Feature(enable=True, oper=True, priorities=0x08, syncd=app_syncd))


@pytest.mark.parametrize('instance', [False, True])
def test_dcb_not_synchronised_is_a_failed_step_not_ready(instance):
    decision = decide(Inputs('eth2', instance=instance, dcb=_synced(False, False), retries=0))
    assert (decision.action, decision.retry, decision.waiting) == (WAIT, True, True)
    assert decision.reason == ('PFC is not synchronised with the peer, App:FCoE is not synchronised with the peer '
                               'on eth2')
    assert decide(Inputs('eth2', instance=instance, dcb=_synced(True, False))).retry
    exhausted = decide(Inputs('eth2', instance=instance, dcb=_synced(False, True), retries=MAX_RETRIES))
    assert exhausted.action == (DESTROY if instance else WAIT) and exhausted.exhausted
    assert decide(Inputs('eth2', instance=instance, dcb=_synced(True, True))).action == (KEEP if instance else CREATE)


def test_unsynchronised_disjoint_priorities_are_retried_not_destroyed():
    dcb = _synced(False, True)
    dcb.app.priorities = 0x10
    assert decide(Inputs('eth2', instance=True, dcb=dcb)).action == WAIT
    dcb.pfc.syncd = True
    assert decide(Inputs('eth2', instance=True, dcb=dcb)).action == DESTROY


def test_a_failed_query_is_a_failed_step():
    decision = decide(Inputs('eth2', instance=True, dcb=DcbState('test', readable=False, reason='garbage')))
    assert (decision.action, decision.retry) == (WAIT, True)


def test_the_retry_times_are_the_seeds():
    """Retry n is due 0.2 s x n after retry n-1: the tenth 11 s after the first failed step."""
    assert [round(retry_offset(n), 3) for n in range(1, MAX_RETRIES + 1)] == [
        0.2, 0.6, 1.2, 2.0, 3.0, 4.2, 5.6, 7.2, 9.0, 11.0]
    assert [round(retry_offset(n) - retry_offset(n - 1), 3) for n in range(1, 11)] == [
        round(retry_delay(n), 3) for n in range(1, 11)]
    assert retries_due(0.0) == 0 and retries_due(0.19) == 0 and retries_due(0.2) == 1
    assert retries_due(10.99) == 9 and retries_due(11.0) == MAX_RETRIES and retries_due(3600) == MAX_RETRIES


def _waiting_for_by_words(reason: str) -> str:
    """How the kind used to tell what a decision waits for: by words of its reason (issue 15). The oracle
    for waits_for on reasons that are decide's own (no tool text in them)."""
    for needle, what in (('link is down', 'link'), ('does not exist', 'netif'), ('DCB-capable', 'dcb'),
                         ('DCB', 'dcb'), ('PFC', 'dcb'), ('App:FCoE', 'dcb')):
        if needle in reason:
            return what
    return 'hardware'


@pytest.mark.parametrize('instance', [False, True])
@pytest.mark.parametrize('case', CASES, ids=lambda c: ''.join('1' if c[n] else '0' for n in NAMES))
def test_waits_for_is_what_the_reason_says(case, instance):
    decision = decide(inputs(case, instance))
    if decision.waiting or decision.action == DESTROY:
        assert decision.waits_for == _waiting_for_by_words(decision.reason), decision.reason
    assert decision.waits_for in ('', 'link', 'dcb')


def test_waits_for_is_a_field_not_words():
    """A reason that carries a tool's words (a query that failed with 'does not exist') still waits for DCB."""
    dcb = DcbState('lldpad', readable=False, reason='lldpad: Device eth2 does not exist; link is down')
    decision = decide(Inputs('eth2', instance=True, dcb=dcb))
    assert (decision.action, decision.waits_for) == (WAIT, 'dcb')
    assert decide(Inputs('eth2.101', netif_exists=False)).waits_for == 'netif'
    assert decide(Inputs('eth2', link_up=False)).waits_for == 'link'
    assert decide(Inputs('eth2', enabled=False, instance=True)).waits_for == ''
    assert decide(Inputs('eth2', dcb_required=False)).waits_for == ''
