# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vnic_interface: one declaration of qlgc and macvlan VNICs, run through the pipeline.

PRIVATE to the collection. Every item of both types is validated before either kind
touches the host; then each kind runs its pipeline and the results are merged.
"""

from __future__ import annotations

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.macvlan import spec as mspec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import spec as qspec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.macvlan.kind import MacvlanKind
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.netlink import HAS_PYROUTE2
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.pipeline import Request, run
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.host import open_host
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.kind import QlgcKind, QlgcOptions
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner

TYPES = ('qlgc', 'macvlan')
LIST_KEYS = ('actions', 'pending', 'failures', 'objects', 'before', 'after', 'diff', 'warnings', 'gathered')


def split_config(config: list) -> dict:
    """Validate every item first; return {type: ([items], [fields])}."""
    parts: dict = {kind: ([], []) for kind in TYPES}
    names: dict = {}
    for number, item in enumerate(config):
        field = 'config[%d]' % number
        kind = item.get('type')
        if kind not in TYPES:
            raise ValidationError(field + '.type', 'must be one of %s' % ', '.join(TYPES))
        if kind == 'qlgc':
            _name, spec = qspec.normalize(item, field)
        else:
            spec = mspec.normalize(item, field)
        if spec.get('name'):
            if spec['name'] in names:
                raise ValidationError(field + '.name', '%s is declared again (already %s)' % (spec['name'], names[spec['name']]))
            names[spec['name']] = field
        parts[kind][0].append(item)
        parts[kind][1].append(field)
    return parts


def merge_results(results: list) -> dict:
    merged: dict = {'changed': False}
    for result in results:
        merged['changed'] = merged['changed'] or result.get('changed', False)
        for key, value in result.items():
            if key == 'changed':
                continue
            if key in LIST_KEYS:
                merged.setdefault(key, []).extend(value)
            elif key == 'tool_runs':
                runs = merged.setdefault(key, {})
                for tool, count in value.items():
                    runs[tool] = runs.get(tool, 0) + count
            elif isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key].update(value)
            else:
                merged[key] = value
    return merged


def _allow_disruption(value) -> bool:
    if value is None:
        return True
    if not isinstance(value, bool):
        raise ValidationError('allow_disruption', 'must be true or false')
    return value


def run_vnic(params: dict, check_mode: bool) -> dict:
    state = params['state']
    # The offline states never look at the host, so they do not need (or check) a sysroot.
    host = open_host(params, 'vnic_interface')
    options = QlgcOptions(config_file=params.get('config_file') or QlgcOptions.config_file,
                          persist=params.get('persist', True),
                          connect_timeout=v.seconds(params.get('connect_timeout', 10.0), 'connect_timeout', 3600),
                          allow_disruption=_allow_disruption(params.get('allow_disruption', True)),
                          warn_late_iocs=True)
    qlgc = QlgcKind(host.sysroot, Runner(host.sysroot) if host.sysroot else None, options)
    if state == 'parsed':
        return run(qlgc, Request(state, running_config=params.get('running_config')))
    parts = split_config(params.get('config') or [])
    if state == 'deleted' and not params.get('config'):
        raise ValidationError('config', 'state=deleted needs the VNICs to delete; use state=overridden with an '
                                        'empty config to remove every VNIC')
    macvlan = MacvlanKind(host.sysroot, params.get('netns'))
    if state == 'rendered':
        return merge_results([run(kind, Request(state, parts[name][0], fields=parts[name][1]))
                              for name, kind in (('qlgc', qlgc), ('macvlan', macvlan)) if parts[name][0]])
    store = host.store()
    results = []
    for name, kind in (('qlgc', qlgc), ('macvlan', macvlan)):
        items, fields = parts[name]
        if not items and state not in ('overridden', 'gathered'):
            continue
        if name == 'macvlan' and not items and not HAS_PYROUTE2:
            results.append({'warnings': ['pyroute2 is not installed: macvlan VNICs were not %s'
                                         % ('gathered' if state == 'gathered' else 'overridden')]})
            continue
        results.append(run(kind, Request(state, items, check_mode=check_mode, fields=fields), store))
    return merge_results(results)
