# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the qlgc kind's phases hand each other: the host as read_live saw it, and what planning decided.

PRIVATE to the collection. read_live returns a QlgcView in ``Live.view``; plan returns a Plan whose
``context`` carries the resolved targets, the declarations and the boot-config rewrite to apply and verify.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.resolve import PortIndex


@dataclass
class QlgcView:
    """The host beyond the objects: the VNICs as sysfs showed them (LiveVnic by name) and the ports and
    IOCs from the run's one ib_qlgc_vnic_query."""

    vnics: dict
    index: PortIndex


@dataclass
class ConfigWrite:
    """The boot config as planning read it and what it renders to. ``text`` is None when the file
    stays as it is; old_text, want, deletes and own_file re-render it without a VNIC whose create
    fails when applied."""

    config: object            # the CfgFile read (state/cfgfile.py): how to write it back
    old_text: str
    want: dict
    deletes: list
    own_file: bool
    record: dict              # what the store observes for the file once written
    text: str | None = None


@dataclass
class QlgcPlanContext:
    """What apply and verify need from planning."""

    view: QlgcView
    want: dict                # name -> the completed declaration
    targets: dict             # (name, 'primary'|'secondary') -> resolve.Target
    config: ConfigWrite | None = None
    # Filled by apply: VNIC -> whether its create-primary was written (a failed one stays out of the boot config).
    created: dict = field(default_factory=dict)
