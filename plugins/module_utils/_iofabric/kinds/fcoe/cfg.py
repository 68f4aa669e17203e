# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""/etc/fcoe/cfg-<interface>, read exactly as fcoemon reads it and written in its format.

PRIVATE to the collection. fcoemon (fcoe-utils 1.0.34): per key, the first line that
starts with the exact key and '=' wins; the value ends at the first whitespace and must be
quoted (1 to 20 bytes inside). Read as its fgets() loop reads it (254-byte pieces, NUL ends a
line, ASCII white space and letters). A malformed value makes fcoemon drop the whole file,
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


# fcm_read_config_variable (fcoemon.c): fgets(buf, sizeof(buf) - 1) with buf[NAME_MAX + 1] reads at most 254
# bytes at a time, so a longer line is read in pieces, each taken as a line; C strings end at a NUL; isspace
# and isalpha are the C locale's (ASCII).
_READ_BYTES = 254
_C_SPACE = b' \t\n\v\f\r'


def _text(data: bytes) -> str:
    return data.decode('utf-8', 'surrogateescape')


def _lines(text: str):
    """(line number, key, value) of every read fcoemon takes for a setting: lines split at '\n' only, in
    254-byte pieces, each cut at a NUL; the value runs from just after the first '=' to the first white space
    (none skipped before it: ``KEY= "yes"`` has an empty value, which fcoemon refuses)."""
    data = text.encode('utf-8', 'surrogateescape')
    for number, line in enumerate(data.split(b'\n'), 1):
        line += b'\n'   # fgets keeps it; a last line without one ends at EOF, which reads the same
        for start in range(0, len(line), _READ_BYTES):
            piece = line[start:start + _READ_BYTES].split(b'\0', 1)[0].lstrip(_C_SPACE)
            if not piece or piece[:1] == b'#' or not piece[:1].isalpha():
                continue
            key, sep, value = piece.partition(b'=')
            if not sep:
                continue
            end = next((index for index, byte in enumerate(value) if byte in _C_SPACE), len(value))
            yield number, _text(key), _text(value[:end])


def _alnum(char: int) -> bool:
    return chr(char).isascii() and chr(char).isalnum()


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
        raw = value.encode('utf-8', 'surrogateescape')   # fcm_remove_quotes counts bytes
        if len(raw) < 3 or _alnum(raw[0]) or _alnum(raw[-1]) or not 1 <= len(raw) - 2 <= 20:
            parsed.quirks.append({'line': number, 'message': 'invalid format %s=%s: fcoemon ignores the whole file'
                                  % (key, value)})
            parsed.ignored_by_fcoemon = True
            continue
        parsed.values[key] = _text(raw[1:-1])
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
    """Set the managed keys (on the line fcoemon reads), keep every other line, add what is missing. Lines
    are split at '\n' only, as fcoemon reads them (a '\r', form feed or U+2028 is part of its line)."""
    wanted = render_values(spec)
    text = old_text or HEADER % spec['interface']
    if not text.endswith('\n'):
        text += '\n'
    lines = text.split('\n')[:-1]
    first = {}
    for number, key, _value in _lines(text):
        if key in wanted and key not in first:
            first[key] = number - 1
    for key, index in first.items():
        lines[index] = '%s="%s"' % (key, wanted[key])
    lines.extend('%s="%s"' % (key, value) for key, value in wanted.items() if key not in first)
    return '\n'.join(lines) + '\n'
