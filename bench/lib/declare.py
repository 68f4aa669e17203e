"""The declarations the benchmarks converge, sized to the bench scenarios' hardware."""

from __future__ import annotations

IOC_STRING = 'EVIC in Chassis 0x00066a00db0000%02x, Slot %d, Ioc %d'


def qlgc(count: int) -> list:
    """qlgc VNICs on fabricsim's large scenario: eight instances on each of its 128 IOCs, by IOC
    string, spread over the 16 local ports."""
    config = []
    for number in range(count):
        ioc, instance = divmod(number, 8)
        unit, which = divmod(ioc, 4)
        chassis, slot = divmod(unit, 16)
        config.append({'type': 'qlgc', 'name': 'qv%d' % number, 'primary': {
            'ioc_string': IOC_STRING % (chassis, slot + 1, which + 1), 'hca': 'mlx4_%d' % (number % 8),
            'port': 1 + (number // 8) % 2, 'instance': instance}})
    return config


def qlgc_kernel(count: int) -> list:
    """What a user without the collection hard-codes per VNIC: its create string and the port directory
    (the IOC GUIDs and DGIDs of the large scenario's generator, resolved by hand)."""
    items = []
    for number in range(count):
        ioc, instance = divmod(number, 8)
        unit, which = divmod(ioc, 4)
        chassis, slot = divmod(unit, 16)
        guid = '00066a%02x%02x%02x%04x' % (which + 1, slot + 1, chassis, unit)
        dgid = 'fe8000000000000000066a%02x%02xde%04x' % (slot + 1, chassis, unit)
        items.append({'name': 'qv%d' % number, 'dir': 'vnic-mlx4_%d-%d' % (number % 8, 1 + (number // 8) % 2),
                      'create': 'ioc_guid=%s,dgid=%s,pkey=ffff,name=qv%d,instance=%d' % (guid, dgid, number, instance)})
    return items


def fcoe(count: int) -> list:
    return [{'interface': 'fc%d' % number} for number in range(count)]


def luns(count: int) -> list:
    return [{'address': '1:0:%d:%d' % divmod(number, 128)} for number in range(count)]


def eoib_parents(count: int) -> list:
    return ['eb%d' % number for number in range(count)]
