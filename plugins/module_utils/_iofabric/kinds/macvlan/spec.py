# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate macvlan VNIC declarations and give each a stable identity.

PRIVATE to the collection. A declaration with a name is identified by that name. One
without a name (the name is allocated, vnic<N>) is identified by its lower link and its
MAC when one is given, else by its position among the unnamed items over that lower.
"""

from __future__ import annotations

import hashlib

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.netlink import MACVLAN_MODES

FIELDS = ('type', 'name', 'lower', 'mode', 'mac', 'mtu')
DEFAULTS = {'mode': 'bridge'}
TAG_PREFIX = 'iofabric-'


def normalize(item: dict, field: str) -> dict:
    foreign = sorted(key for key, value in item.items() if value is not None and key not in FIELDS)
    if foreign:
        raise ValidationError('%s.%s' % (field, foreign[0]), 'is not an option of type macvlan')
    if item.get('lower') is None:
        raise ValidationError(field + '.lower', 'a macvlan VNIC needs its lower link (lower)')
    spec = {'type': 'macvlan', 'name': None, 'lower': v.ifname(item['lower'], field + '.lower'),
            'mode': None, 'mac': None, 'mtu': None}
    if item.get('name') is not None:
        spec['name'] = v.ifname(item['name'], field + '.name')
    if item.get('mode') is not None:
        spec['mode'] = v.choice(item['mode'], field + '.mode', MACVLAN_MODES)
    if item.get('mac') is not None:
        spec['mac'] = v.mac(item['mac'], field + '.mac')
    if item.get('mtu') is not None:
        spec['mtu'] = v.int_range(item['mtu'], field + '.mtu', 68, 65535)
    if spec['name'] is not None and spec['name'] == spec['lower']:
        raise ValidationError(field + '.name', 'a VNIC cannot have the name of its lower link')
    return spec


def assign_ids(specs: list) -> list:
    """[(object id, spec)] in order; unnamed items get lower-based identities."""
    ordinals: dict = {}
    result = []
    for spec in specs:
        if spec['name']:
            object_id = spec['name']
        elif spec['mac']:
            object_id = 'auto:%s:%s' % (spec['lower'], spec['mac'])
        else:
            ordinal = ordinals.get(spec['lower'], 0)
            ordinals[spec['lower']] = ordinal + 1
            object_id = 'auto:%s#%d' % (spec['lower'], ordinal)
        result.append((object_id, spec))
    return result


def label(object_id: str) -> str:
    """An unnamed VNIC as the user declared it (its lower link, its MAC or its place among the unnamed ones on
    that link), not by the id made up for it."""
    if not object_id.startswith('auto:'):
        return object_id
    rest = object_id[len('auto:'):]
    if '#' in rest:
        lower, ordinal = rest.rsplit('#', 1)
        return 'unnamed macvlan %s on %s' % (('#%d' % (int(ordinal) + 1)) if ordinal.isdigit() else ordinal, lower)
    lower, mac = rest.split(':', 1)
    return 'unnamed macvlan %s on %s' % (mac, lower)


def tag_for(object_id: str) -> str:
    """The altname that marks a link as this declaration's, whatever it is renamed to."""
    return TAG_PREFIX + hashlib.sha1(object_id.encode('utf-8')).hexdigest()[:12]


def derived_mac(machine_id: str, object_id: str) -> str:
    """A stable, locally administered unicast MAC (udev may rewrite random ones)."""
    digest = hashlib.sha1(('%s/%s' % (machine_id, object_id)).encode('utf-8')).digest()
    return ':'.join('%02x' % octet for octet in (0x02,) + tuple(digest[:5]))


def allocate_name(taken: set, prefix: str = 'vnic') -> str:
    number = 0
    while '%s%d' % (prefix, number) in taken:
        number += 1
    return '%s%d' % (prefix, number)
