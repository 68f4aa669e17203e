# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""sdi_device: SCSI devices through the pipeline.

PRIVATE to the collection.
"""

from __future__ import annotations

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.pipeline import Request, run
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.kind import SdiKind, SdiOptions
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot


def run_sdi(params: dict, check_mode: bool) -> dict:
    state = params['state']
    offline = state in ('rendered', 'parsed')
    sysroot = None if offline else Sysroot(params.get('sysroot') or '/')
    options = SdiOptions(attach_timeout=v.seconds(params.get('attach_timeout', 10.0), 'attach_timeout', 600),
                         remove_timeout=v.seconds(params.get('remove_timeout', 10.0), 'remove_timeout', 600),
                         check_mode=check_mode)
    kind = SdiKind(sysroot, Runner(sysroot) if sysroot else None, options)
    if state == 'parsed':
        return run(kind, Request(state, running_config=params.get('running_config')))
    store = None if offline else StateStore(sysroot, owner='iofabric.core.sdi_device',
                                            lock_timeout=v.seconds(params.get('lock_timeout', 30.0), 'lock_timeout', 3600))
    return run(kind, Request(state, params.get('config') or [], check_mode=check_mode), store)
