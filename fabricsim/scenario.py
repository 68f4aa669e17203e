"""Scenario files: the simulated host's hardware, links and initial files, as YAML.

A scenario is a name (fabricsim/scenarios/<name>.yml) or a path. Sections: ``qlgc``
(HCAs, IO units, IOCs; or ``generate`` for large fabrics), ``netns`` (real links in the
simulator's network namespace) and ``files`` (initial content under <root>/etc, /var).
"""

from __future__ import annotations

import os

import yaml

SCENARIO_DIR = os.path.join(os.path.dirname(__file__), 'scenarios')


def load(name_or_path: str) -> dict:
    path = name_or_path
    if os.path.sep not in name_or_path and not name_or_path.endswith(('.yml', '.yaml')):
        path = os.path.join(SCENARIO_DIR, name_or_path + '.yml')
    with open(path, encoding='utf-8') as handle:
        scenario = yaml.safe_load(handle) or {}
    scenario.setdefault('name', os.path.splitext(os.path.basename(path))[0])
    if 'qlgc' in scenario and 'generate' in (scenario['qlgc'] or {}):
        scenario['qlgc'] = dict(scenario['qlgc'], **generate_qlgc(**scenario['qlgc'].pop('generate')))
    for name, count in (scenario.pop('generate', None) or {}).items():
        GENERATORS[name](scenario, int(count))
    return scenario


def generate_qlgc(hcas: int = 8, ports_per_hca: int = 2, io_units: int = 32, iocs_per_unit: int = 4) -> dict:
    """A regular fabric: every IO unit reachable from every port (chassis 0x00066a00db0000NN)."""
    hca_list = [{'name': 'mlx4_%d' % h,
                 'ports': [{'port': p, 'guid': '0x0002c9030000%02x%02x' % (h, p)} for p in range(1, ports_per_hca + 1)]}
                for h in range(hcas)]
    keys = ['mlx4_%d:%d' % (h, p) for h in range(hcas) for p in range(1, ports_per_hca + 1)]
    units = []
    for u in range(io_units):
        chassis, slot = divmod(u, 16)
        units.append({
            'id': 'unit%d' % u,
            'port_gid': 'fe8000000000000000066a%02x%02xde%04x' % (slot + 1, chassis, u),
            'lid': 0x100 + u, 'reachable': keys, 'max_controllers': iocs_per_unit,
            'iocs': [{'id': 'ioc%d' % (u * iocs_per_unit + i),
                      'guid': '00066a%02x%02x%02x%04x' % (i + 1, slot + 1, chassis, u),
                      'string': 'EVIC in Chassis 0x00066a00db0000%02x, Slot %d, Ioc %d' % (chassis, slot + 1, i + 1)}
                     for i in range(iocs_per_unit)],
        })
    return {'hcas': hca_list, 'io_units': units}


def _links(scenario: dict) -> list:
    return scenario.setdefault('netns', {}).setdefault('links', [])


def generate_fcoe_ports(scenario: dict, count: int) -> None:
    """``count`` 10GbE ports fc0.., each a real veth, DCB ready for FCoE, with an FCF answering."""
    fcfs = scenario.setdefault('fcoe', {}).setdefault('fcfs', {})
    dcb = scenario.setdefault('dcb', {'lldpad': 'running', 'mode': 'cee'}).setdefault('interfaces', {})
    for number in range(count):
        name = 'fc%d' % number
        _links(scenario).append({'name': name, 'kind': 'veth', 'peer': name + 'p'})
        fcfs[name] = {'mac': '00:0d:ec:a3:%02x:%02x' % divmod(number, 256), 'fabric_name': '0x2014%012x' % number}
        dcb[name] = {'dcb': 'on', 'pfc': {'pfcup': '00010000'}, 'app': {'appcfg': '08'}}


def generate_luns(scenario: dict, count: int) -> None:
    """A boot disk on host0, and on host1 a SAN target presenting ``count`` LUNs, none attached yet."""
    per_target = 128
    luns = [{'address': '0:%d:%d' % divmod(number, per_target), 'vendor': 'NETAPP', 'model': 'LUN C-Mode',
             'rev': '9800', 'serial': 'BENCH%05d' % number, 'wwid': 'naa.600a0980383044375200%012x' % number}
            for number in range(count)]
    scenario['scsi'] = {'hosts': [
        {'proc_name': 'ahci', 'max_id': 8, 'luns': [{'address': '0:0:0', 'vendor': 'ATA', 'model': 'BOOT', 'rev': '1',
                                                     'serial': 'BOOT', 'partitions': 2, 'wwid': 'naa.5000c500aaaa0001'}]},
        # An FC HBA has no initiator ID on the bus (this_id -1), so no target number is skipped.
        {'proc_name': 'lpfc', 'this_id': -1, 'max_id': max(1, -(-count // per_target)), 'max_lun': per_target,
         'luns': luns}],
        'attached': ['0:0:0:0'], 'mounts': [{'device': 'sda2', 'target': '/', 'fstype': 'ext4'},
                                            {'device': 'sda1', 'target': '/boot', 'fstype': 'ext4'}]}


def generate_eoib_children(scenario: dict, count: int) -> None:
    """``count`` child MACs of gone guests, 128 (the driver's vnic_child_max) under each of as many
    EoIB parents eb0.. as that takes; each parent a real veth."""
    vnics = []
    for number in range(-(-count // 128)):
        name = 'eb%d' % number
        mac = '00:25:8b:28:%02x:%02x' % divmod(number, 256)
        _links(scenario).append({'name': name, 'kind': 'veth', 'peer': name + 'p', 'address': mac})
        children = ['52:54:01:%02x:%02x:%02x' % (number, child // 256, child % 256)
                    for child in range(min(128, count - number * 128))]
        vnics.append({'name': name, 'mac': mac, 'vnic_id': 5 + number, 'bxguid': '00:02:c9:03:00:11:61:67',
                      'eport': 'A10', 'children': children})
    scenario['mlx4_vnic'] = {'ports': ['mlx4_0:1'], 'vnics': vnics,
                             'gateways': [{'bx_name': 'bridge-119c64', 'bx_guid': '00:02:c9:03:00:11:61:67',
                                           'eport': 'A10', 'eport_id': 63}]}


GENERATORS = {'fcoe_ports': generate_fcoe_ports, 'luns': generate_luns, 'eoib_children': generate_eoib_children}
