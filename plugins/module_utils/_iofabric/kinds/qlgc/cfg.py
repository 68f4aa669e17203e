# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and write /etc/infiniband/qlgc_vnic.cfg in the vendor grammar.

PRIVATE to the collection. The vendor parser was never published; this one follows the
documented grammar and tolerates the quirks of the vendor's own sample (missing ';',
a missing closing quote): each quirk is reported with its line number, nothing raises.
Blocks it does not manage and comments are kept byte for byte when merging.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.spec import normalize

CFG_PATH = '/etc/infiniband/qlgc_vnic.cfg'
HEADER = ('# QLogic VNIC configuration, managed by iofabric.core (vnic_interface).\n'
          '# Blocks for interfaces it does not manage are kept as written.\n')
_PATH_KEYS = {'IOCSTRING': 'ioc_string', 'IOCGUID': 'ioc_guid', 'DGID': 'dgid', 'INSTANCE': 'instance',
              'PORT': 'port', 'HCA': 'hca', 'PORTGUID': 'port_guid'}
_IFACE_KEYS = {'HEARTBEAT': 'heartbeat', 'RX_CSUM': 'rx_csum', 'TX_CSUM': 'tx_csum', 'IB_MULTICAST': 'ib_multicast'}
_BOOL_KEYS = ('rx_csum', 'tx_csum', 'ib_multicast')


@dataclass
class Token:
    kind: str  # { } ; = word string
    text: str
    line: int
    start: int
    end: int


@dataclass
class Block:
    name: str | None
    start: int
    end: int
    line: int


@dataclass
class ParsedCfg:
    items: list = field(default_factory=list)
    quirks: list = field(default_factory=list)
    blocks: list = field(default_factory=list)

    def quirk(self, line: int, message: str) -> None:
        self.quirks.append({'line': line, 'message': message})


# One alternative per kind of character, so that every position matches exactly one: a newline,
# other whitespace, a comment, punctuation, a string closed on its line, a quote that is not (an
# unterminated string), and a word. One compiled match per token instead of a Python step per
# character: a 1,024-block file tokenizes in milliseconds, not half a second.
_TOKEN = re.compile(r'(\n)|([^\S\n]+)|(#[^\n]*)|([{};=])|("[^"\n]*")|(")|([^\s{};="#]+)')


def tokenize(text: str, parsed: ParsedCfg) -> list:
    tokens: list = []
    index, line = 0, 1
    while index < len(text):
        match = _TOKEN.match(text, index)
        newline, _space, _comment, punct, string, quote, word = match.groups()
        if newline:
            line += 1
        elif punct:
            tokens.append(Token(punct, punct, line, index, index + 1))
        elif string:
            tokens.append(Token('string', string[1:-1], line, index, match.end()))
        elif quote:
            stop = text.find('\n', index)
            stop = len(text) if stop < 0 else stop
            value = text[index + 1:stop].rstrip().rstrip(';').rstrip()
            parsed.quirk(line, 'unterminated string "%s; taken up to the end of the line' % value)
            tokens.append(Token('string', value, line, index, stop))
            tokens.append(Token(';', ';', line, stop, stop))
            index = stop
            continue
        elif word:
            tokens.append(Token('word', word, line, index, match.end()))
        index = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.parsed = ParsedCfg()
        self.tokens = tokenize(text, self.parsed)
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def run(self) -> ParsedCfg:
        while self.peek() is not None:
            token = self.take()
            if token.kind == '{':
                self.block(token)
            else:
                self.parsed.quirk(token.line, 'unexpected %r outside a CREATE block (ignored)' % token.text)
        return self.parsed

    def statements(self, line: int) -> tuple:
        """Read key=value statements up to the matching '}'; returns (values, paths, end)."""
        values: dict = {}
        paths: dict = {}
        while True:
            token = self.peek()
            if token is None:
                self.parsed.quirk(line, 'block opened on line %d is never closed' % line)
                return values, paths, len(self.text)
            self.take()
            if token.kind == '}':
                return values, paths, token.end
            if token.kind == ';':
                continue
            if token.kind != 'word':
                self.parsed.quirk(token.line, 'unexpected %r (ignored)' % token.text)
                continue
            key = token.text.upper()
            if key == 'CREATE':
                continue
            if self.peek() is not None and self.peek().kind == '=':
                self.take()
            nxt = self.peek()
            if key in ('PRIMARY', 'SECONDARY') and nxt is not None and nxt.kind == '{':
                self.take()
                inner, _nested, _end = self.statements(nxt.line)
                paths[key.lower()] = (inner, nxt.line)
                continue
            if nxt is None or nxt.kind not in ('word', 'string'):
                self.parsed.quirk(token.line, '%s has no value (ignored)' % token.text)
                continue
            value = self.take()
            values[key] = (value.text, token.line)
            after = self.peek()
            if after is not None and after.kind == 'word':
                self.parsed.quirk(value.line, "missing ';' after %s=%s" % (token.text, value.text))

    def block(self, opening: Token) -> None:
        values, paths, end = self.statements(opening.line)
        end = end + 1 if self.text[end:end + 1] == '\n' else end
        name = values.get('NAME', (None,))[0]
        self.parsed.blocks.append(Block(name, opening.start, end, opening.line))
        item = self.to_item(values, paths, opening.line)
        if item is not None:
            earlier = [i for i, old in enumerate(self.parsed.items) if old['name'] == item['name']]
            if earlier:
                self.parsed.quirk(opening.line, '%s is declared again; this later block wins' % item['name'])
                del self.parsed.items[earlier[0]]
            self.parsed.items.append(item)

    def to_item(self, values: dict, paths: dict, line: int) -> dict | None:
        if 'NAME' not in values:
            self.parsed.quirk(line, 'CREATE block without NAME (ignored)')
            return None
        item: dict = {'type': 'qlgc', 'name': values.pop('NAME')[0]}
        single: dict = {}
        for key, (value, key_line) in values.items():
            if key in _PATH_KEYS:
                single[_PATH_KEYS[key]] = value
            elif key in _IFACE_KEYS:
                self.set_iface(item, _IFACE_KEYS[key], value, key_line)
            else:
                self.parsed.quirk(key_line, 'unknown key %s (ignored)' % key)
        if single and paths:
            self.parsed.quirk(line, 'path keys outside PRIMARY/SECONDARY in a block that has them (ignored)')
        elif single:
            item['primary'] = single
        for which, (inner, _opened_on) in paths.items():
            path = {}
            for key, (value, key_line) in inner.items():
                if key in _PATH_KEYS:
                    path[_PATH_KEYS[key]] = value
                elif key in _IFACE_KEYS:
                    self.set_iface(item, _IFACE_KEYS[key], value, key_line)
                else:
                    self.parsed.quirk(key_line, 'unknown key %s in %s (ignored)' % (key, which.upper()))
            item[which] = path
        for which in ('primary', 'secondary'):
            path = item.get(which)
            if path is not None and not any(key in path for key in ('port', 'port_guid')):
                self.parsed.quirk(line, '%s of %s names no PORT, HCA or PORTGUID; the vendor default is '
                                        'undocumented, so the port is left unset' % (which.upper(), item['name']))
        try:
            _name, spec = normalize(item, 'block at line %d' % line, require_port=False)
        except ValidationError as exc:
            self.parsed.quirk(line, 'block ignored: %s' % exc)
            return None
        return spec

    def set_iface(self, item: dict, key: str, value: str, line: int) -> None:
        if key in _BOOL_KEYS:
            if value.upper() not in ('TRUE', 'FALSE'):
                self.parsed.quirk(line, '%s=%s is not TRUE or FALSE (ignored)' % (key.upper(), value))
                return
            parsed = value.upper() == 'TRUE'
        else:
            if not value.isdigit():
                self.parsed.quirk(line, '%s=%s is not a number (ignored)' % (key.upper(), value))
                return
            parsed = int(value)
        if key in item and item[key] != parsed:
            self.parsed.quirk(line, '%s differs between the paths; the later value wins' % key.upper())
        item[key] = parsed


def parse(text: str) -> ParsedCfg:
    """Parse cfg text; never raises for content problems (they become quirks)."""
    parsed = _Parser(text).run()
    parsed.quirks.sort(key=lambda quirk: quirk['line'])
    return parsed


def render_block(spec: dict) -> str:
    lines = ['{CREATE; NAME="%s";' % spec['name']]
    for which in ('primary', 'secondary'):
        path = spec.get(which)
        if path:
            lines.append('\t%s={%s }' % (which.upper(), ''.join(' %s;' % part for part in _path_parts(path, spec))))
    extras = []
    if spec.get('heartbeat') not in (None, 100):
        extras.append('HEARTBEAT=%d;' % spec['heartbeat'])
    if spec.get('rx_csum') is False:
        extras.append('RX_CSUM=FALSE;')
    if extras:
        lines.append('\t' + ' '.join(extras))
    if spec.get('tx_csum') is False:
        lines.append('\t# tx_csum=false is applied by iofabric; the vendor file has no TX_CSUM key')
    lines.append('}')
    return '\n'.join(lines) + '\n'


def _path_parts(path: dict, spec: dict) -> list:
    parts = []
    if path.get('ioc_string'):
        parts.append('IOCSTRING="%s"' % path['ioc_string'])
    if path.get('ioc_guid'):
        parts.append('IOCGUID=0x%s' % path['ioc_guid'])
    if path.get('dgid'):
        parts.append('DGID=0x%s' % path['dgid'])
    parts.append('INSTANCE=%d' % (path.get('instance') or 0))
    if path.get('port_guid'):
        parts.append('PORTGUID=0x%s' % path['port_guid'])
    else:
        if path.get('hca') is not None:
            parts.append('HCA=%s' % path['hca'])
        if path.get('port') is not None:
            parts.append('PORT=%d' % path['port'])
    if spec.get('ib_multicast') is False:
        parts.append('IB_MULTICAST=FALSE')
    return parts


def merge_text(old_text: str, specs: list, remove: list, own_file: bool) -> tuple:
    """Return (new text, quirks of the old text).

    specs: declared specs to write; remove: names whose blocks go; own_file: overridden.
    """
    declared = {spec['name']: spec for spec in specs}
    if own_file:
        return HEADER + ''.join(render_block(spec) for spec in specs), []
    parsed = parse(old_text)
    out, cursor, written = [], 0, set()
    for block in parsed.blocks:
        out.append(old_text[cursor:block.start])
        cursor = block.end
        if block.name in declared and block.name not in written:
            out.append(render_block(declared[block.name]))
            written.add(block.name)
        elif block.name in remove or block.name in written:
            continue
        else:
            out.append(old_text[block.start:block.end])
    out.append(old_text[cursor:])
    text = ''.join(out)
    if not text.strip():
        text = HEADER
    missing = [spec for name, spec in declared.items() if name not in written]
    if missing and not text.endswith('\n'):
        text += '\n'
    text += ''.join(render_block(spec) for spec in missing)
    return text, parsed.quirks
