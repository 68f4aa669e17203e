# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the reconciler finishes each kind's declared work: the kind's own pipeline, run with
the declarations the modules recorded, exactly as a playbook run with state=merged would.

PRIVATE to the collection. Nothing here decides anything a kind decides: a late IOC is
connected and a hot-swapped IOC re-attached by the qlgc kind's plan, the FCoE retries and
their limit are the FCoE kind's, the EoIB grace is the EoIB kind's. The reconciler never
removes what is declared; it only re-applies declarations.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils import _eoib_spec as espec
from ansible_collections.iofabric.core.plugins.module_utils._eoib_kind import EoibKind
from ansible_collections.iofabric.core.plugins.module_utils._fcoe_kind import FcoeKind, FcoeOptions
from ansible_collections.iofabric.core.plugins.module_utils._macvlan_kind import MacvlanKind
from ansible_collections.iofabric.core.plugins.module_utils._pipeline import Request, run
from ansible_collections.iofabric.core.plugins.module_utils._plan import Pending
from ansible_collections.iofabric.core.plugins.module_utils._qlgc_kind import QlgcKind, QlgcOptions
from ansible_collections.iofabric.core.plugins.module_utils._resource import strip_none
from ansible_collections.iofabric.core.plugins.module_utils._runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._scsi_live import read_devices
from ansible_collections.iofabric.core.plugins.module_utils._sdi_kind import SdiKind, SdiOptions

ORDER = ('qlgc', 'macvlan', 'fcoe', 'sdi', 'eoib')


@dataclass
class Context:
    sysroot: object
    netns: str | None
    check: bool
    store: object

    def runner(self) -> Runner:
        return Runner(self.sysroot, netns=self.netns)


def declarations(document) -> tuple:
    """(object ids, specs) in a stable order."""
    ids = sorted(document.objects)
    return ids, [strip_none(document.objects[object_id]['spec']) for object_id in ids]


def _merged(kind, ctx: Context, declared: tuple) -> dict:
    ids, specs = declared
    fields = ['store %s' % object_id for object_id in ids]
    return run(kind, Request('merged', specs, check_mode=ctx.check, fields=fields, ids=ids), ctx.store)


def reconcile_qlgc(ctx: Context, document) -> dict | None:
    declared = declarations(document)
    if not declared[0]:
        return None
    return _merged(QlgcKind(ctx.sysroot, ctx.runner(), QlgcOptions()), ctx, declared)


def reconcile_macvlan(ctx: Context, document) -> dict | None:
    declared = declarations(document)
    return _merged(MacvlanKind(ctx.sysroot, ctx.netns), ctx, declared) if declared[0] else None


def reconcile_fcoe(ctx: Context, document) -> dict | None:
    declared = declarations(document)
    if not declared[0]:
        return None
    kind = FcoeKind(ctx.sysroot, ctx.runner(), ctx.netns, FcoeOptions(check_mode=ctx.check))
    return _merged(kind, ctx, declared)


def reconcile_sdi(ctx: Context, document) -> dict | None:
    """Missing devices are re-added only where the declaration says readd: true; the
    others are reported as pending, and the bus is left alone."""
    ids, specs = declarations(document)
    if not ids:
        return None
    present = read_devices(ctx.sysroot)
    readd = ([i for i, spec in zip(ids, specs) if spec.get('readd')], [spec for spec in specs if spec.get('readd')])
    result = _merged(SdiKind(ctx.sysroot, ctx.runner(), SdiOptions(check_mode=ctx.check)), ctx, readd) if readd[0] \
        else {'changed': False, 'actions': [], 'pending': [], 'failures': []}
    for spec in specs:
        if not spec.get('readd') and spec['address'] not in present:
            result['pending'].append(Pending(spec['address'], 'declared present, missing; readd is false, so it is '
                                                              'reported and not scanned for', 'sdi_device readd').as_dict())
    return result


def reconcile_eoib(ctx: Context, document) -> dict | None:
    """The settings of the latest eoib_gc run; the vendor daemon's file is the module's business."""
    if not document.objects:
        return None
    first = next(iter(document.objects.values()))['spec']
    parents = [espec.ALL] if '*' in document.objects else sorted(document.objects)
    settings = espec.normalize({'parents': parents, 'source': first.get('source'), 'libvirt_uri': first.get('libvirt_uri'),
                                'grace': first.get('grace'), 'confirm_timeout': first.get('confirm_timeout')})
    kind = EoibKind(ctx.sysroot, ctx.runner(), ctx.netns, settings)
    return run(kind, Request('merged', [settings], check_mode=ctx.check), ctx.store)


RECONCILERS = {'qlgc': reconcile_qlgc, 'macvlan': reconcile_macvlan, 'fcoe': reconcile_fcoe, 'sdi': reconcile_sdi,
               'eoib': reconcile_eoib}
