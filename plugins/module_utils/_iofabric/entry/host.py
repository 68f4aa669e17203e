# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module's run opens on the host: the sysroot, a tool runner and the state store.

PRIVATE to the collection. The offline states (rendered, parsed) never look at the host: they get
no sysroot (so a missing one is not an error), no runner and no store.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore

OFFLINE_STATES = ('rendered', 'parsed')


@dataclass
class Host:
    """The host a module acts on; every part is None for the offline states."""

    sysroot: Sysroot | None
    netns: str | None
    owner: str
    lock_timeout: float

    def runner(self) -> Runner | None:
        return Runner(self.sysroot, netns=self.netns) if self.sysroot else None

    def store(self) -> StateStore | None:
        if self.sysroot is None:
            return None
        return StateStore(self.sysroot, owner=self.owner, lock_timeout=self.lock_timeout)


def open_host(params: dict, module: str, state: str | None = None) -> Host:
    """The module's host from its common parameters (sysroot, netns, lock_timeout), checked first."""
    lock_timeout = v.seconds(params.get('lock_timeout', 30.0), 'lock_timeout', 3600)
    offline = (state or params.get('state')) in OFFLINE_STATES
    sysroot = None if offline else Sysroot(params.get('sysroot') or '/')
    return Host(sysroot, params.get('netns') or None, 'iofabric.core.' + module, lock_timeout)
