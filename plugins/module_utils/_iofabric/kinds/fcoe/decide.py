# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When an FCoE interface is created, kept, left pending or destroyed: the fcoemon redesign's rules.

PRIVATE to the collection. Pure. Create when the link is up on the interfaces it needs and
DCB is not required, or DCB is on, PFC and App:FCoE are enabled and operational and their
priorities intersect. Destroy when the netif is gone; when DCB is required and DCB or
App:FCoE is off, or PFC and App:FCoE are operational with disjoint priorities; or when the
conditions are still unmet after the maximum number of retries. A link that is down keeps
an existing interface (a flap must not tear it down). Otherwise: pending, naming the
condition that is not met.

The retry discipline (fcoemon's "dcbd query sequence"): a failed step (a query that fails, a
feature not synchronised with the peer, a condition unmet) starts a timer; retry n comes
n x 0.2 s after retry n-1, so retry n is due retry_offset(n) after the first failed step and the
tenth at 11 s. Still unmet at the tenth: destroyed. The count is that of the retry times that
have passed since the first failed step (retries_due), so passes in between neither hasten nor
delay the destroy.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_RETRIES = 10
RETRY_STEP = 0.2  # seconds; the n-th retry waits n * RETRY_STEP

CREATE, DESTROY, KEEP, WAIT = 'create', 'destroy', 'keep', 'wait'
# What a decision waits for (a Pending's waiting_for): the netdev, its link, or DCB on its real device.
NETIF, LINK, DCB = 'netif', 'link', 'dcb'


@dataclass
class Inputs:
    interface: str
    enabled: bool = True
    dcb_required: bool = True
    netif_exists: bool = True
    link_up: bool = True
    real: str = ''
    instance: bool = False
    dcb: object = None  # _dcb.DcbState, read on the real device when dcb_required
    retries: int = 0


@dataclass
class Decision:
    action: str
    reason: str
    retry: bool = False    # the condition may resolve by itself: count a retry and ask again later
    waiting: bool = False  # declared but not serving (yet): report it as pending
    exhausted: bool = False  # unmet after the last retry: no more retries until the conditions change
    waits_for: str = ''    # the condition the decision hinges on (NETIF, LINK, DCB); '' when none


def retry_delay(retries: int) -> float:
    """fcoemon's timer: 0.2 s times the retry count."""
    return RETRY_STEP * max(retries, 1)


def retry_offset(retry: int) -> float:
    """When retry ``retry`` is due, in seconds after the first failed step: 0.2 + 0.4 + ... + 0.2 x retry."""
    return RETRY_STEP * retry * (retry + 1) / 2


def retries_due(elapsed: float) -> int:
    """How many retries are due ``elapsed`` seconds after the first failed step (at most MAX_RETRIES)."""
    count = 0
    while count < MAX_RETRIES and retry_offset(count + 1) <= elapsed + 1e-3:
        count += 1
    return count


def decide(inputs: Inputs) -> Decision:
    name, real = inputs.interface, inputs.real or inputs.interface
    gone = DESTROY if inputs.instance else WAIT
    if not inputs.netif_exists:
        return Decision(gone, 'the network interface %s does not exist' % name, waiting=not inputs.instance,
                        waits_for=NETIF)
    if not inputs.enabled:
        return Decision(DESTROY if inputs.instance else KEEP, 'FCoE is disabled for %s (enabled: false)' % name)
    if not inputs.link_up:
        return Decision(KEEP if inputs.instance else WAIT, 'the link is down on %s' % (
            name if real == name else '%s or its real device %s' % (name, real)), waiting=True, waits_for=LINK)
    if not inputs.dcb_required:
        return _ready(inputs, 'link up, DCB not required')
    dcb = inputs.dcb
    if dcb is None or not dcb.readable:
        return _unmet(inputs, 'DCB state of %s is unknown: %s' % (real, dcb.reason if dcb else 'not read'))
    if not dcb.capable:
        return _unmet(inputs, dcb.reason)
    if not dcb.dcb_on:
        return Decision(gone, 'DCB is off on %s' % real, waiting=not inputs.instance, waits_for=DCB)
    pfc, app = dcb.pfc, dcb.app
    if not app.enable:
        return Decision(gone, 'App:FCoE is disabled on %s' % real, waiting=not inputs.instance, waits_for=DCB)
    intersect = pfc.priorities & app.priorities
    if pfc.oper and app.oper and pfc.syncd and app.syncd and not intersect:  # unsynchronised values are not final
        return Decision(gone, 'App:FCoE priorities 0x%02x and PFC priorities 0x%02x do not intersect on %s'
                        % (app.priorities, pfc.priorities, real), waiting=not inputs.instance, waits_for=DCB)
    unmet = []
    if not pfc.enable:
        unmet.append('PFC is disabled')
    if not pfc.oper:
        unmet.append('PFC is not operational')
    if not app.oper:
        unmet.append('App:FCoE is not operational')
    # fcoemon's GET_PFC_OPER/GET_APP_OPER: a feature not synchronised with the peer is an error (a retry)
    if pfc.oper and not pfc.syncd:
        unmet.append('PFC is not synchronised with the peer')
    if app.oper and not app.syncd:
        unmet.append('App:FCoE is not synchronised with the peer')
    if unmet:
        return _unmet(inputs, '%s on %s' % (', '.join(unmet), real))
    return _ready(inputs, 'link up; DCB, PFC and App:FCoE on and operational; priorities 0x%02x' % intersect)


def _ready(inputs: Inputs, reason: str) -> Decision:
    return Decision(KEEP if inputs.instance else CREATE, reason)


def _unmet(inputs: Inputs, reason: str) -> Decision:
    """DCB on the real device not (yet) as FCoE needs it: a retry, or after the last one a destroy."""
    if inputs.retries >= MAX_RETRIES:
        return Decision(DESTROY if inputs.instance else WAIT,
                        '%s, still after %d retries' % (reason, MAX_RETRIES), waiting=not inputs.instance,
                        exhausted=True, waits_for=DCB)
    return Decision(WAIT, reason, retry=True, waiting=True, waits_for=DCB)
