# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every kind's code, imported by name.

PRIVATE to the collection. The reconciler imports a kind only when a pass runs it
(_reconcile_kinds._engine), which Ansible's module packer cannot see: it bundles only what a
module imports statically. A module that may run any kind (fabric_info) imports this file,
so that every kind travels in its payload.
"""

from __future__ import annotations

from ansible_collections.iofabric.core.plugins.module_utils import (  # noqa: F401  pylint: disable=unused-import
    _eoib_kind,
    _eoib_spec,
    _fcoe_kind,
    _macvlan_kind,
    _qlgc_kind,
    _scsi_live,
    _sdi_kind,
)

MODULES = ('_eoib_kind', '_eoib_spec', '_fcoe_kind', '_macvlan_kind', '_qlgc_kind', '_scsi_live', '_sdi_kind')
