# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EoIB settings a run collects with, from the declarations eoib_gc recorded.

PRIVATE to the collection. One eoib_gc declaration names parents and the settings to collect them
with; the store keeps one object per parent, so a later run (the reconciler, fabric_info) groups the
stored parents back by their settings.
"""

from __future__ import annotations

import json

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib import spec as espec

SHARED = ('source', 'libvirt_uri', 'grace', 'confirm_timeout')


def stored_groups(document) -> list:
    """The settings to collect with, one per set of stored parents declared with the same settings:
    each stored parent is collected with its own declaration's settings. A stored ``*`` (all parents)
    is one run over every parent with its settings."""
    if not document.objects:
        return [espec.normalize({})]
    if '*' in document.objects:
        spec = document.objects['*']['spec']
        return [espec.normalize(dict({key: spec.get(key) for key in SHARED}, parents=[espec.ALL]))]
    groups: dict = {}
    for parent in sorted(document.objects):
        spec = document.objects[parent]['spec']
        shared = {key: spec.get(key) for key in SHARED}
        groups.setdefault(json.dumps(shared, sort_keys=True), (shared, []))[1].append(parent)
    return [espec.normalize(dict(shared, parents=parents)) for shared, parents in groups.values()]


def stored_settings(document) -> dict:
    """One set of settings over every stored parent (those of the first group): the read-only view
    fabric_info takes. A pass collects with stored_groups."""
    groups = stored_groups(document)
    parents = sorted({parent for group in groups for parent in group['parents']})
    return dict(groups[0], parents=parents)
