# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table of the object kinds.

PRIVATE to the collection. Everything that lists the kinds (the store, the reconciler, fabric_info)
reads this table; the static copies that cannot import it (meta/runtime.yml, the role's defaults and
argument specs, the drift report schema, module docs) are checked against it by
tests/unit/plugins/module_utils/_iofabric/kinds/test_registry.py.

Each kind's code is imported inside its builder, when a run needs that kind: a pass over VNICs does
not load the guest sources, libvirt and the SCSI code. Ansible's module packer still bundles them,
because it reads every import statement of a module, function bodies included (only importlib is
invisible to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable   # not typing: importing typing costs a pass ~2 ms


@dataclass(frozen=True)
class KindEntry:
    """One kind: its name (in results, the store's file name and --kinds), the module that declares
    it, the spec field that names one object, how a run builds it, and what the watch service polls
    for it (kinds/<kind>/watch.py; None when its changes all come as link events or at the interval)."""

    name: str
    module: str
    id_key: str
    build: Callable   # (context, store document) -> the kind, as a pass or fabric_info runs it
    watch: Callable | None = None   # (sysroot, netns) -> the kind's watch: start, poll, passed, due (reconciler/watch.py)


def _qlgc(ctx, document):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.kind import QlgcKind, QlgcOptions
    return QlgcKind(ctx.sysroot, ctx.runner(), QlgcOptions())


def _macvlan(ctx, document):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.macvlan.kind import MacvlanKind
    return MacvlanKind(ctx.sysroot, ctx.netns)


def _fcoe(ctx, document):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.kind import FcoeKind, FcoeOptions
    return FcoeKind(ctx.sysroot, ctx.runner(), ctx.netns, FcoeOptions(check_mode=ctx.check))


def _qlgc_watch(sysroot, netns):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.watch import QlgcWatch
    return QlgcWatch(sysroot, netns)


def _fcoe_watch(sysroot, netns):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.watch import FcoeWatch
    return FcoeWatch(sysroot, netns)


def _sdi(ctx, document):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.kind import SdiKind, SdiOptions
    return SdiKind(ctx.sysroot, ctx.runner(), SdiOptions())


def _eoib(ctx, document):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.kind import EoibKind
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.settings import stored_settings
    return EoibKind(ctx.sysroot, ctx.runner(), ctx.netns, stored_settings(document))


# The order is the order of a pass: VNICs before the FCoE interfaces that may sit on them, the
# SCSI bus after the fabric that carries it, EoIB collection last.
KINDS = (
    KindEntry('qlgc', 'vnic_interface', 'name', _qlgc, watch=_qlgc_watch),
    KindEntry('macvlan', 'vnic_interface', 'name', _macvlan),
    KindEntry('fcoe', 'fcoe_interface', 'interface', _fcoe, watch=_fcoe_watch),
    KindEntry('sdi', 'sdi_device', 'address', _sdi),
    KindEntry('eoib', 'eoib_gc', 'parent', _eoib),
)
NAMES = tuple(entry.name for entry in KINDS)
BY_NAME = {entry.name: entry for entry in KINDS}
# The modules that declare objects (fabric_info and drift_report only read them).
DECLARING_MODULES = tuple(dict.fromkeys(entry.module for entry in KINDS))


def entry(name: str) -> KindEntry:
    if name not in BY_NAME:
        raise ValueError('unknown kind %r (known: %s)' % (name, ', '.join(NAMES)))
    return BY_NAME[name]
