"""Issue 21's break of the watch: an FCoE interface whose DCB condition is being retried (a failed step of
fcoemon's query sequence) is never taken as ready, whatever the failed step; what is ready stays ready."""

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.reader import DcbState, Feature, unreadable
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.decide import Inputs, decide
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.watch import dcb_ready_for_fcoe


def state(**changes) -> DcbState:
    pfc = dict(enable=True, oper=True, syncd=True, priorities=0x08)
    app = dict(enable=True, oper=True, syncd=True, priorities=0x08)
    pfc.update(changes.pop('pfc', {}))
    app.update(changes.pop('app', {}))
    return DcbState('test', **dict({'dcb_on': True, 'pfc': Feature(**pfc), 'app': Feature(**app)}, **changes))


RETRIED = {
    'lldpad silent': unreadable('lldpad (CEE)', 'DCB query failed: timed out'),
    'not DCB-capable yet': state(capable=False, reason='eth1 is not DCB-capable'),
    'PFC not operational': state(pfc={'oper': False}),
    'App:FCoE not operational': state(app={'oper': False}),
    'PFC not synchronised': state(pfc={'syncd': False}),
    'App:FCoE not synchronised': state(app={'syncd': False}),
    'PFC disabled': state(pfc={'enable': False}),
}


@pytest.mark.parametrize('dcb', list(RETRIED.values()), ids=list(RETRIED))
def test_a_dcb_condition_being_retried_is_not_ready(dcb):
    assert decide(Inputs('eth1', instance=True, dcb=dcb)).retry   # the kind itself would retry it...
    assert not dcb_ready_for_fcoe('eth1', dcb)                      # ...so the watch must not call it ready


def test_a_ready_dcb_state_is_ready():
    assert dcb_ready_for_fcoe('eth1', state())
