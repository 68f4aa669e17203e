# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Show live and predicted qlgc VNICs in the shape of the module's config.

PRIVATE to the collection. One function per source, the same shape, so that a check-mode
``after`` equals what the next run will read back.
"""

from __future__ import annotations

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.live import pkey_equal


def _nonzero(hex_text: str) -> str | None:
    return hex_text if hex_text and int(hex_text, 16) != 0 else None


def port_guid_of(index, ibdev: str | None, port: int | None) -> str | None:
    for query_port in index.ports:
        if query_port.hca == ibdev and query_port.port == port:
            return query_port.port_guid
    return None


def live_path(path, recorded_instance, recorded_pkey, index) -> dict:
    pkey = path.pkey
    if recorded_pkey is not None and pkey_equal(pkey, recorded_pkey):
        pkey = recorded_pkey
    return {'ioc_string': path.ioc_string or None, 'ioc_guid': _nonzero(path.ioc_guid), 'dgid': _nonzero(path.dgid),
            'pkey': None if pkey is None else '%04x' % pkey, 'instance': recorded_instance,
            'hca': path.ibdev, 'port': path.port, 'port_guid': port_guid_of(index, path.ibdev, path.port)}


def live_vnic(vnic, observation: dict, index) -> dict:
    instances = observation.get('instance', {})
    pkeys = observation.get('pkey', {})
    primary = vnic.paths.get('primary')
    shape = {'type': 'qlgc', 'name': vnic.name, 'primary': None, 'secondary': None,
             'heartbeat': primary.heartbeat if primary else None, 'rx_csum': vnic.rx_csum, 'tx_csum': vnic.tx_csum,
             'ib_multicast': observation.get('ib_multicast')}
    for which, path in vnic.paths.items():
        shape[which] = live_path(path, instances.get(which), pkeys.get(which), index)
    return shape


def target_path(target) -> dict:
    return {'ioc_string': target.ioc_string, 'ioc_guid': _nonzero(target.ioc_guid), 'dgid': _nonzero(target.dgid),
            'pkey': '%04x' % target.pkey, 'instance': target.instance, 'hca': target.ibdev, 'port': target.port,
            'port_guid': target.port_guid}


def predicted_vnic(spec: dict, live_shape: dict | None, targets: dict, rewritten: set) -> dict:
    """``rewritten`` holds the paths the plan writes; the others keep their live shape."""
    shape = {key: spec.get(key) for key in ('type', 'name', 'heartbeat', 'rx_csum', 'tx_csum', 'ib_multicast')}
    for which in ('primary', 'secondary'):
        target = targets.get(which)
        if target is None:
            shape[which] = None
        elif which in rewritten or live_shape is None or live_shape.get(which) is None:
            shape[which] = target_path(target)
        else:
            shape[which] = live_shape[which]
    return shape
