# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""fcoe_interface: FCoE interfaces through the pipeline.

PRIVATE to the collection.
"""

from __future__ import annotations

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.kind import FcoeKind, FcoeOptions
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.pipeline import Request, run
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot


def run_fcoe(params: dict, check_mode: bool) -> dict:
    state = params['state']
    options = FcoeOptions(dcb_timeout=v.seconds(params.get('dcb_timeout', 2.0), 'dcb_timeout', 600),
                          destroy_timeout=v.seconds(params.get('destroy_timeout', 10.0), 'destroy_timeout', 600),
                          persist=params.get('persist', True),
                          fcoemon_policy=params.get('fcoemon_policy') or 'refuse', check_mode=check_mode)
    offline = state in ('rendered', 'parsed')
    sysroot = None if offline else Sysroot(params.get('sysroot') or '/')
    runner = Runner(sysroot, netns=params.get('netns')) if sysroot else None
    kind = FcoeKind(sysroot, runner, params.get('netns'), options)
    if state == 'parsed':
        return run(kind, Request(state, running_config=params.get('running_config')))
    store = None if offline else StateStore(sysroot, owner='iofabric.core.fcoe_interface',
                                            lock_timeout=v.seconds(params.get('lock_timeout', 30.0), 'lock_timeout', 3600))
    return run(kind, Request(state, params.get('config') or [], check_mode=check_mode), store)
