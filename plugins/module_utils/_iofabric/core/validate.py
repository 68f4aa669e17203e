# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validators: normalise a value or raise ValidationError naming the field.

PRIVATE to the collection. Every value that reaches a sysfs write or a tool's argv passes
through one of these first, so a value can never carry a second parameter into a kernel create
string, nor be read as an option by a tool (no value that reaches argv may begin with '-').
"""

from __future__ import annotations

import re

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError

IFNAMSIZ = 16
IOC_STRING_MAX = 64  # MAX_IOC_STRING_LEN in qlgc_vnic (512 bits)
_HEX = re.compile(r'[0-9a-fA-F]+')
_IFNAME_CHARS = re.compile(r'[A-Za-z0-9_.@+-]+')
_SCSI_ADDRESS = re.compile(r'(\d{1,10}):(\d{1,10}):(\d{1,10}):(\d{1,20})')


def _text(value, field: str) -> str:
    if isinstance(value, bool) or value is None:
        raise ValidationError(field, 'a value is required')
    if isinstance(value, int):
        return '%x' % value
    if not isinstance(value, str):
        raise ValidationError(field, 'expected a string, got %s' % type(value).__name__)
    if value != value.strip():
        raise ValidationError(field, '%r has leading or trailing whitespace' % value)
    return value


def _strip_0x(text: str) -> str:
    return text[2:] if text[:2].lower() == '0x' else text


def guid(value, field: str) -> str:
    """A 64-bit GUID (port or IOC): 16 hex digits, ``0x`` or colon groups accepted."""
    text = _text(value, field)
    if ':' in text:
        if not re.fullmatch(r'([0-9a-fA-F]{4}:){3}[0-9a-fA-F]{4}', text):
            raise ValidationError(field, '%r is not a GUID (colon form is four groups of 4 hex digits)' % value)
        text = text.replace(':', '')
    text = _strip_0x(text)
    if not text or not _HEX.fullmatch(text) or len(text) > 16:
        raise ValidationError(field, '%r is not a GUID (up to 16 hex digits, e.g. 0x0002c903000010f5)' % value)
    if int(text, 16) == 0:
        raise ValidationError(field, 'a GUID of zero is not valid')
    return text.lower().zfill(16)


def gid(value, field: str) -> str:
    """A 128-bit GID/DGID: 32 hex digits; ``0x`` and IPv6-style colon forms accepted."""
    text = _text(value, field)
    if ':' in text:
        import ipaddress   # here: only the colon form needs it, and most runs give none
        try:
            number = int(ipaddress.IPv6Address(text))
        except ValueError:
            raise ValidationError(field, '%r is not a GID' % value) from None
        result = '%032x' % number
    else:
        text = _strip_0x(text)
        if len(text) != 32 or not _HEX.fullmatch(text):
            raise ValidationError(field, '%r is not a GID (32 hex digits, e.g. fe8000000000000000066a11de000070)' % value)
        result = text.lower()
    if int(result, 16) == 0:
        raise ValidationError(field, 'a GID of zero is not valid')
    return result


def pkey(value, field: str) -> int:
    """A 16-bit P_Key; 0x0000 and 0x8000 (the invalid keys) are refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = _strip_0x(_text(value, field))
        if not text or not _HEX.fullmatch(text) or len(text) > 4:
            raise ValidationError(field, '%r is not a P_Key (hex up to ffff)' % value)
        number = int(text, 16)
    if not 0 < number <= 0xffff or number == 0x8000:
        raise ValidationError(field, 'P_Key 0x%04x is out of range (0x0001-0xffff, not 0x8000)' % (number & 0xffffffff))
    return number


def ifname(value, field: str) -> str:
    """A Linux interface name: 1-15 bytes of [A-Za-z0-9_.@+-], not . or .., not starting with '-'.

    The kernel would take '-x', but an interface name is an argument of dcbtool and lldptool
    (``dcbtool gc <ifname> dcb``), whose getopt would read it as an option.
    """
    if not isinstance(value, str):
        raise ValidationError(field, 'an interface name must be a string')
    if not value:
        raise ValidationError(field, 'an interface name must not be empty')
    if value in ('.', '..'):
        raise ValidationError(field, 'an interface name cannot be %r' % value)
    # The characters first: they are ASCII, so the length in bytes is then the length (and a name read from
    # a file with surrogateescape, holding a byte that is not UTF-8, is refused here rather than at encode()).
    if not _IFNAME_CHARS.fullmatch(value):
        raise ValidationError(field, 'interface name %r may only hold letters, digits and _.@+- '
                                     '(no /, whitespace, quotes, commas or =)' % value)
    if len(value) >= IFNAMSIZ:
        raise ValidationError(field, 'interface name %r is longer than %d bytes' % (value, IFNAMSIZ - 1))
    not_option(value, field)
    return value


def not_option(value: str, field: str) -> str:
    """A value for a tool's argv that no tool can take for an option: it does not begin with '-'."""
    if value.startswith('-'):
        raise ValidationError(field, '%r begins with "-": a tool would read it as an option' % value)
    return value


def mac(value, field: str) -> str:
    """A unicast, non-zero MAC; normalised to lowercase aa:bb:cc:dd:ee:ff."""
    text = _text(value, field)
    if re.fullmatch(r'[0-9a-fA-F]{1,2}([:-][0-9a-fA-F]{1,2}){5}', text):
        octets = [int(part, 16) for part in re.split('[:-]', text)]
    elif re.fullmatch(r'[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4}){2}', text) or re.fullmatch(r'[0-9a-fA-F]{12}', text):
        digits = text.replace('.', '')
        octets = [int(digits[i:i + 2], 16) for i in range(0, 12, 2)]
    else:
        raise ValidationError(field, '%r is not a MAC address' % value)
    if not any(octets):
        raise ValidationError(field, 'the all-zero MAC is not valid')
    if octets[0] & 1:
        raise ValidationError(field, '%s is a multicast MAC; a unicast MAC is required' % text)
    return ':'.join('%02x' % octet for octet in octets)


def scsi_address(value, field: str) -> tuple:
    """``H:C:T:L`` with decimal parts; returned as a tuple of ints."""
    text = _text(value, field) if not isinstance(value, int) else str(value)
    match = _SCSI_ADDRESS.fullmatch(text)
    if not match:
        raise ValidationError(field, '%r is not a SCSI address H:C:T:L (four decimal numbers)' % value)
    host, channel, target, lun = (int(part) for part in match.groups())
    if max(host, channel, target) > 0xffffffff or lun > 0xffffffffffffffff:
        raise ValidationError(field, '%r is out of range' % value)
    return (host, channel, target, lun)


def ioc_string(value, field: str) -> str:
    """An IOC profile ID string: printable ASCII, no double quote, at most 64 bytes."""
    if not isinstance(value, str):
        raise ValidationError(field, 'an IOC string must be a string')
    if not value:
        raise ValidationError(field, 'an IOC string must not be empty')
    bad = sorted({char for char in value if not ' ' <= char <= '~' or char == '"'})
    if bad:
        raise ValidationError(field, 'IOC string holds characters the kernel cannot take: %s'
                              % ', '.join(repr(char) for char in bad))
    if len(value) > IOC_STRING_MAX:   # printable ASCII by now: a character is a byte
        raise ValidationError(field, 'IOC string is longer than %d bytes' % IOC_STRING_MAX)
    if value.startswith(','):
        raise ValidationError(field, 'an IOC string cannot start with a comma (the kernel parser needs a '
                                     'character before the first comma)')
    return value


def int_range(value, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValidationError(field, 'expected an integer, got a boolean')
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(field, '%r is not an integer' % (value,)) from None
    if not low <= number <= high:
        raise ValidationError(field, '%d is out of range (%d-%d)' % (number, low, high))
    return number


def seconds(value, field: str, high: float = 86400.0) -> float:
    """A timeout or a delay: a number of seconds from 0 to ``high``."""
    if isinstance(value, bool):
        raise ValidationError(field, 'expected a number of seconds, got a boolean')
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(field, '%r is not a number of seconds' % (value,)) from None
    if not 0 <= number <= high:  # also false for NaN
        raise ValidationError(field, '%s is out of range (0-%g seconds)' % (value, high))
    return number


def choice(value, field: str, choices: tuple) -> str:
    if value not in choices:
        raise ValidationError(field, '%r is not one of %s' % (value, ', '.join(choices)))
    return value
