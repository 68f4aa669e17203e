# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""sdi_device: SCSI devices through the pipeline.

PRIVATE to the collection.
"""

from __future__ import annotations

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.pipeline import Request, run
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.host import open_host
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.kind import SdiKind, SdiOptions


def run_sdi(params: dict, check_mode: bool) -> dict:
    state = params['state']
    host = open_host(params, 'sdi_device')
    options = SdiOptions(attach_timeout=v.seconds(params.get('attach_timeout', 10.0), 'attach_timeout', 600),
                         remove_timeout=v.seconds(params.get('remove_timeout', 10.0), 'remove_timeout', 600))
    kind = SdiKind(host.sysroot, host.runner(), options)
    if state == 'parsed':
        return run(kind, Request(state, running_config=params.get('running_config')))
    return run(kind, Request(state, params.get('config') or [], check_mode=check_mode), host.store())
