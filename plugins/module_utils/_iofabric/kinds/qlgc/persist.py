# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The qlgc boot config (the vendor init script's qlgc_vnic.cfg): what a plan rewrites in it, and the
text apply writes once it knows which creates the kernel refused.

PRIVATE to the collection. The store keeps a digest of the file and of what it was rendered from, so
that a re-run over an unchanged file and declaration does not parse and render it again.
"""

from __future__ import annotations

import hashlib
import json

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Action
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import cfg
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import spec as qspec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.context import ConfigWrite
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state import cfgfile

PERSISTING_STATES = ('merged', 'replaced', 'overridden', 'deleted')


def plan_config(sysroot, config_file: str, plan, want: dict, deletes: list, document, state: str,
                vnics: dict) -> ConfigWrite | None:
    """Add the write-config action (and its diff and quirk warnings) to ``plan`` when the file changes;
    return what apply needs to write it, or None when the run does not touch the boot config.
    ``vnics``: the VNICs the kernel has (LiveVnic by name)."""
    if state not in PERSISTING_STATES:
        return None
    config = cfgfile.read(sysroot, config_file)
    old_text = config.text
    # A new VNIC that is not created in this run (its IOC string is ambiguous, or its plan failed: a port
    # typo) is not written either; a create that fails when applied is taken out then (without_failed_creates).
    unresolved = {item.object for item in plan.pending if item.waiting_for == 'ambiguous'}
    unresolved |= {failure.object for failure in plan.failures}
    unresolved -= set(vnics)
    want = {name: spec for name, spec in want.items() if name not in unresolved}
    if not config.exists and not want:
        return None   # no qlgc VNIC to write (a macvlan-only run, say): no vendor file to create
    own_file = state == 'overridden'
    specs = [qspec.merge(spec, {}) for spec in want.values()]
    inputs = digest(json.dumps([specs, sorted(deletes), own_file], sort_keys=True))
    seen = document.observation(config_file)
    if seen.get('file') == digest(old_text) and seen.get('inputs') == inputs:
        # The file is byte for byte what the last run rendered from this very declaration:
        # nothing to merge (parsing and rendering 1,024 blocks took over half a second).
        quirks = seen.get('quirks', [])
        new_text = old_text
    else:
        new_text, quirks = cfg.merge_text(old_text, specs, deletes, own_file=own_file)
    write = ConfigWrite(config, old_text, want, deletes, own_file,
                        {'file': digest(new_text), 'inputs': inputs, 'quirks': quirks or None})
    if new_text == old_text:
        document.observe(config_file, **write.record)
    for quirk in quirks:
        plan.warnings.append('%s line %d: %s' % (config_file, quirk['line'], quirk['message']))
    if new_text != old_text:
        plan.actions.append(Action(config_file, 'write-config', 'persist the declaration for the '
                                   'vendor init script', {'file': config_file}))
        plan.diffs.append({'before': cfgfile.printable(old_text), 'after': cfgfile.printable(new_text),
                           'before_header': config_file, 'after_header': config_file})
        write.text = new_text
    return write


def forgotten(state: str, declared: list, want: dict, document, vnics: dict) -> list:
    """VNICs whose declaration this run removes from the store although the kernel has none (a create
    that failed: a port typo): their block goes from the boot config too, as the pipeline's forget does.
    ``declared``: the names the task gave (state=deleted names them)."""
    if state == 'deleted':
        return [name for name in declared if name in document.objects and name not in vnics]
    if state == 'overridden':
        return [name for name in document.objects if name not in want and name not in vnics]
    return []


def without_failed_creates(write: ConfigWrite, created: dict) -> tuple:
    """The boot config text to write and its store record: a VNIC whose create failed in this run is
    not written into it (what the file had for it, if anything, stays)."""
    failed = sorted(name for name, done in created.items() if not done)
    if not failed:
        return write.text, write.record
    specs = [qspec.merge(spec, {}) for name, spec in write.want.items() if name not in failed]
    text, _quirks = cfg.merge_text(write.old_text, specs, write.deletes, own_file=write.own_file)
    return text, dict(write.record, file=digest(text), inputs=None)


def digest(text: str) -> str:
    return hashlib.sha256(cfgfile.digest_bytes(text)).hexdigest()
