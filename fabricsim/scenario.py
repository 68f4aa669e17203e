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
