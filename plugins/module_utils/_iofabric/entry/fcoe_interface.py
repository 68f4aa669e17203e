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
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.host import open_host


def run_fcoe(params: dict, check_mode: bool) -> dict:
    state = params['state']
    options = FcoeOptions(dcb_timeout=v.seconds(params.get('dcb_timeout', 2.0), 'dcb_timeout', 600),
                          destroy_timeout=v.seconds(params.get('destroy_timeout', 10.0), 'destroy_timeout', 600),
                          persist=params.get('persist', True),
                          fcoemon_policy=params.get('fcoemon_policy') or 'refuse', check_mode=check_mode)
    host = open_host(params, 'fcoe_interface')
    kind = FcoeKind(host.sysroot, host.runner(), params.get('netns'), options)
    if state == 'parsed':
        return run(kind, Request(state, running_config=params.get('running_config')))
    return run(kind, Request(state, params.get('config') or [], check_mode=check_mode), host.store())
