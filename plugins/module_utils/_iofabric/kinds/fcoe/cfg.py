# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""/etc/fcoe/cfg-<interface>, read exactly as fcoemon reads it and written in its format.

PRIVATE to the collection. fcoemon (fcoe-utils 1.0.34): per key, the first line that
starts with the exact key and '=' wins; the value ends at the first whitespace and must be
quoted (1 to 20 characters inside). A malformed value makes fcoemon drop the whole file,
which is reported. Writing keeps every line it does not manage, comments included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CFG_DIR = '/etc/fcoe'
KEYS = {'FCOE_ENABLE': 'enabled', 'DCB_REQUIRED': 'dcb_required', 'AUTO_VLAN': 'auto_vlan', 'MODE': 'mode',
        'FIP_RESP': 'fip_resp'}
HEADER = '# FCoE configuration for %s, managed by iofabric.core (fcoe_interface).\n'


@dataclass
class ParsedFcoeCfg:
    values: dict = field(default_factory=dict)      # fcoemon key -> unquoted value
    quirks: list = field(default_factory=list)
    ignored_by_fcoemon: bool = False


def file_name(interface: str) -> str:
    return 'cfg-' + interface


def _lines(text: str):
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.lstrip()
        if not line or line.startswith('#') or not line[0].isalpha():
            continue
        key, sep, value = line.partition('=')
        if sep:
            yield number, key, value.split()[0] if value.split() else ''


def parse(text: str) -> ParsedFcoeCfg:
    parsed = ParsedFcoeCfg()
    seen: dict = {}
    for number, key, value in _lines(text):
        if key in KEYS and key in seen:
            parsed.quirks.append({'line': number, 'message': '%s again; fcoemon uses line %d' % (key, seen[key])})
            continue
        if key.strip() in KEYS and key not in KEYS:
            parsed.quirks.append({'line': number, 'message': '%r is not exactly %s; fcoemon ignores it'
                                  % (key, key.strip())})
            continue
        if key not in KEYS:
            continue
        seen[key] = number
        inner = value[1:-1]
        if len(value) < 3 or value[0].isalnum() or value[-1].isalnum() or not 1 <= len(inner) <= 20:
            parsed.quirks.append({'line': number, 'message': 'invalid format %s=%s: fcoemon ignores the whole file'
                                  % (key, value)})
            parsed.ignored_by_fcoemon = True
            continue
        parsed.values[key] = inner
    return parsed


def to_item(interface: str, values: dict) -> dict:
    """The config item fcoemon would act on (its defaults for absent keys)."""
    def yes(key: str) -> bool:
        return values.get(key, 'no')[:3].lower() == 'yes'
    return {'interface': interface, 'enabled': yes('FCOE_ENABLE'), 'dcb_required': yes('DCB_REQUIRED'),
            'auto_vlan': yes('AUTO_VLAN'),
            'mode': 'vn2vn' if values.get('MODE', '')[:5].lower() == 'vn2vn' else 'fabric',
            'fip_resp': values.get('FIP_RESP', 'no').lower() == 'yes'}


def render_values(spec: dict) -> dict:
    def yes_no(value: bool) -> str:
        return 'yes' if value else 'no'
    return {'FCOE_ENABLE': yes_no(spec['enabled']), 'DCB_REQUIRED': yes_no(spec['dcb_required']),
            'AUTO_VLAN': yes_no(spec['auto_vlan']), 'MODE': spec['mode'], 'FIP_RESP': yes_no(spec['fip_resp'])}


def merge_text(old_text: str, spec: dict) -> str:
    """Set the managed keys (on the line fcoemon reads), keep every other line, add what is missing."""
    wanted = render_values(spec)
    lines = old_text.splitlines(keepends=True) if old_text else [HEADER % spec['interface']]
    first = {}
    for number, key, _value in _lines(''.join(lines)):
        if key in wanted and key not in first:
            first[key] = number - 1
    out = list(lines)
    for key, index in first.items():
        out[index] = '%s="%s"\n' % (key, wanted[key])
    if out and not out[-1].endswith('\n'):
        out[-1] += '\n'
    out.extend('%s="%s"\n' % (key, value) for key, value in wanted.items() if key not in first)
    return ''.join(out)
