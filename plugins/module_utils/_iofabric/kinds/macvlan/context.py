# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the macvlan kind's phases hand each other: the link table read_live saw, and what planning decided.

PRIVATE to the collection. read_live returns a MacvlanView in ``Live.view`` beside its objects;
plan returns a Plan whose ``context`` apply reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MacvlanView:
    """The netns's links as one dump showed them."""

    links: dict      # ifindex -> netlink.Link, every link (the lowers too)
    link_of: dict    # object id -> its macvlan Link


@dataclass
class MacvlanPlanContext:
    """What apply needs from planning: the link table it planned on, the declarations, and the lower
    link each planned VNIC resolved to (recorded with a create, so a rename of the lower is recognised)."""

    view: MacvlanView
    want: dict
    lowers: dict = field(default_factory=dict)   # object id -> netlink.Link
