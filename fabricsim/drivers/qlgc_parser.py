"""The qlgc_vnic kernel's create-string parser, token for token.

Mirrors vnic_parse_options() in drivers/infiniband/ulp/qlgc_vnic/vnic_sys.c as described
in ../shared/reference/ib_vnic_eoib.md §1.3: strsep(",") over a kstrdup of the buffer,
match_token() against the driver's table, the ioc_string quote handling, then the
required-key check. Errors carry the driver's printk text; the write fails with EINVAL.
"""

from __future__ import annotations

import re

IFNAMSIZ = 16
MAX_IOC_STRING_LEN = 64
REQUIRED = ('ioc_guid', 'dgid', 'pkey', 'name')

# (key, pattern) in the driver's table order; match_token() takes the first match.
TABLE = (
    ('ioc_guid', b'ioc_guid=%s'),
    ('dgid', b'dgid=%s'),
    ('pkey', b'pkey=%x'),
    ('name', b'name=%s'),
    ('instance', b'instance=%d'),
    ('rx_csum', b'rx_csum=%s'),
    ('tx_csum', b'tx_csum=%s'),
    ('heartbeat', b'heartbeat=%d'),
    ('ioc_string', b'ioc_string="%s'),
    ('ib_multicast', b'ib_multicast=%s'),
)


class CreateStringError(ValueError):
    """The driver refuses the buffer; the message is the driver's warning text."""


def strsep(buf: bytes, pos: int | None, delims: bytes):
    """Return (token, new position); the position becomes None after the last token."""
    if pos is None:
        return None, None
    for index in range(pos, len(buf)):
        if buf[index] in delims:
            return buf[pos:index], index + 1
    return buf[pos:], None


def simple_strtoul(text: bytes, base: int) -> tuple:
    """Parse like the kernel: optional sign for base 0/10, 0x prefix for 16 and 0; stop at junk.
    Returns (value, number of bytes consumed)."""
    index, sign = 0, 1
    if text[:1] in (b'-', b'+') and base != 16:
        sign = -1 if text[:1] == b'-' else 1
        index = 1
    rest = text[index:]
    if base == 0:
        if rest[:2].lower() == b'0x' and re.match(rb'^[0-9a-fA-F]', rest[2:3]):
            base, index = 16, index + 2
        elif rest[:1] == b'0':
            base = 8
        else:
            base = 10
    elif base == 16 and rest[:2].lower() == b'0x' and re.match(rb'^[0-9a-fA-F]', rest[2:3]):
        index += 2
    digits = {8: rb'[0-7]*', 10: rb'[0-9]*', 16: rb'[0-9a-fA-F]*'}[base]
    match = re.match(digits, text[index:])
    run = match.group(0)
    if not run:
        return 0, 0
    return sign * int(run, base), index + len(run)


def match_one(token: bytes, pattern: bytes):
    """match_one() of lib/parser.c for the %s, %d and %x forms the table uses."""
    meta = pattern.index(b'%')
    prefix, conv = pattern[:meta], pattern[meta + 1:meta + 2]
    if not token.startswith(prefix):
        return None
    rest = token[len(prefix):]
    if conv == b's':
        return rest if rest else None  # %s needs at least one character and takes the rest
    value, used = simple_strtoul(rest, 0 if conv == b'd' else 16)
    if used == 0 or used != len(rest):  # trailing text (a newline, say) makes the token unknown
        return None
    return value


def match_token(token: bytes):
    for key, pattern in TABLE:
        value = match_one(token, pattern)
        if value is not None:
            return key, value
    return None, None


def _bool(key: str, value: bytes) -> bool:
    if value.startswith(b'true'):
        return True
    if value.startswith(b'false'):
        return False
    raise CreateStringError("bad %s parameter. must be 'true' or 'false'" % key)


def parse(buf: bytes) -> dict:
    """Parse a create string; return the driver's parameters or raise CreateStringError."""
    buf = buf.split(b'\0', 1)[0]  # kstrdup
    params: dict = {'instance': 0, 'ioc_string': ''}
    pos: int | None = 0
    while True:
        token, pos = strsep(buf, pos, b',')
        if token is None:
            break
        if not token:
            continue
        key, value = match_token(token)
        if key is None:
            raise CreateStringError("unknown parameter or missing value '%s' in target creation request"
                                    % token.decode('latin-1'))
        if key == 'ioc_guid':
            params[key] = simple_strtoul(value, 16)[0] & 0xffffffffffffffff
        elif key == 'dgid':
            if len(value) != 32 or not re.fullmatch(rb'[0-9a-fA-F]{32}', value):
                # Guess: the driver parses 16 hex byte pairs; non-hex bytes are refused too.
                raise CreateStringError("bad dest GID parameter '%s'" % value.decode('latin-1'))
            params[key] = value.decode('ascii').lower()
        elif key == 'pkey':
            if value > 0xffff:  # guess: a value that does not fit 16 bits is refused
                raise CreateStringError("bad P_key parameter '%x'" % value)
            params[key] = value
        elif key == 'name':
            if len(value) >= IFNAMSIZ:
                raise CreateStringError('interface name parameter too long')
            params[key] = value.decode('latin-1')
        elif key == 'instance':
            if not 0 <= value <= 255:
                raise CreateStringError('instance parameter must be >= 0 and <= 255')
            params[key] = value
        elif key == 'heartbeat':
            if not 0 < value <= 6000:
                raise CreateStringError('heartbeat parameter must be > 0 and <= 6000')
            params[key] = value
        elif key in ('rx_csum', 'tx_csum', 'ib_multicast'):
            params[key] = _bool(key, value)
        elif key == 'ioc_string':
            pos = _ioc_string(buf, pos, value, params)
    missing = [key for key in REQUIRED if key not in params]
    if missing:
        raise CreateStringError("target creation request is missing parameter '%s=%s'"
                                % (missing[0], '%x' if missing[0] == 'pkey' else '%s'))
    return params


def _ioc_string(buf: bytes, pos: int | None, first: bytes, params: dict) -> int | None:
    if len(first) > MAX_IOC_STRING_LEN:
        raise CreateStringError('ioc string parameter too long')
    if first.endswith(b'"'):
        params['ioc_string'] = first[:-1].decode('latin-1')
        return pos
    # The string went on past a comma: take everything up to the closing quote, then
    # skip the one character after it (the comma before the next token).
    if pos is None:
        # Guess: the kernel does sep_opt++ on NULL here and oopses on the next strsep.
        raise CreateStringError('unterminated ioc_string (the real driver dereferences NULL here)')
    rest, pos = strsep(buf, pos, b'"')
    if pos is None:
        # Guess: no closing quote; the kernel increments a NULL pointer. Refuse it.
        raise CreateStringError('unterminated ioc_string (the real driver dereferences NULL here)')
    if pos >= len(buf):
        # Guess: the quote was the last byte; sep_opt++ steps past the terminator (undefined).
        raise CreateStringError('ioc_string must not be the last token (undefined behaviour in the driver)')
    value = first + b',' + rest
    if len(value) > MAX_IOC_STRING_LEN:
        # Guess: strcat would overflow the 65-byte buffer; refused rather than modelled.
        raise CreateStringError('ioc string parameter too long')
    params['ioc_string'] = value.decode('latin-1')
    return pos + 1
