# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""eoib_gc: EoIB child MAC garbage collection through the pipeline.

PRIVATE to the collection.
"""

from __future__ import annotations

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib import spec as espec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.kind import EoibKind
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.libvirt_domains import configured_uri
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.pipeline import Request, run
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.host import open_host


def run_eoib(params: dict, check_mode: bool) -> dict:
    settings = espec.normalize(params)  # every field checked before the host is looked at
    host = open_host(params, 'eoib_gc', state='merged')
    if settings['libvirt_uri'] is None and {'auto', 'libvirt'} & set(settings['source']):
        configured_uri(host.sysroot)  # uri_default is checked like libvirt_uri, before the host is looked at
    kind = EoibKind(host.sysroot, host.runner(), host.netns, settings)
    return run(kind, Request('merged', [settings], check_mode=check_mode), host.store())
