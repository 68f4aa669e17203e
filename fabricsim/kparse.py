"""The kernel's number and token parsers, as sysfs store functions use them (Linux 6.1).

lib/kstrtox.c (kstrto*: one optional trailing newline, a leading '+', no spaces),
lib/vsprintf.c (simple_strtoull: base 0 prefixes, stops at the first non-digit; vsscanf's
%Ns: skips whitespace, then at most N non-space bytes, the rest is the next token).
"""

from __future__ import annotations

import errno

SPACES = ' \t\n\v\f\r'
ULLONG_MAX = (1 << 64) - 1
UINT_MAX = (1 << 32) - 1


def _radix(text: str, base: int) -> tuple:
    """_parse_integer_fixup_radix(): base 0 means 0x.. hex, 0.. octal, else decimal."""
    if base == 0:
        if text[:1] == '0':
            base = 16 if text[1:2].lower() == 'x' and text[2:3] in '0123456789abcdefABCDEF' and text[2:3] else 8
        else:
            base = 10
    if base == 16 and text[:2].lower() == '0x':
        text = text[2:]
    return text, base


def _digits(text: str, base: int) -> tuple:
    """_parse_integer(): (value, digits consumed, overflowed)."""
    value, used = 0, 0
    for char in text:
        digit = int(char, 36) if char.isascii() and char.isalnum() else 99
        if digit >= base:
            break
        value = value * base + digit
        used += 1
    return value & ULLONG_MAX, used, value > ULLONG_MAX


def simple_strtoull(text: str, base: int = 0) -> tuple:
    """(value, the rest of the text after the number), as simple_strtoull(cp, &endp, base)."""
    body, base = _radix(text, base)
    value, used, _overflow = _digits(body, base)
    return value, body[used:]


def kstrtoull(text: str, base: int = 0) -> int:
    """kstrtoull(): EINVAL unless the whole text (bar one trailing newline) is the number; ERANGE on overflow."""
    if text[:1] == '+':
        text = text[1:]
    body, base = _radix(text, base)
    value, used, overflow = _digits(body, base)
    rest = body[used:]
    if used == 0 or rest not in ('', '\n'):
        raise OSError(errno.EINVAL, 'Invalid argument')
    if overflow:
        raise OSError(errno.ERANGE, 'Numerical result out of range')
    return value


def kstrtouint(text: str, base: int = 0) -> int:
    value = kstrtoull(text, base)
    if value > UINT_MAX:
        raise OSError(errno.ERANGE, 'Numerical result out of range')
    return value


def sscanf_strings(text: str, widths: list) -> list:
    """The tokens vsscanf(text, "%W1s %W2s ... %c") converts, the trailing %c included when
    anything but whitespace is left; the caller compares the count with what it wanted."""
    text = text.split('\0', 1)[0]   # the store buffer is a C string
    tokens, index = [], 0
    for position, width in enumerate(widths):
        if position:
            while index < len(text) and text[index] in SPACES:   # whitespace in the format
                index += 1
        if index >= len(text):
            return tokens
        while index < len(text) and text[index] in SPACES:       # %s skips leading whitespace
            index += 1
        start = index
        while index < len(text) and text[index] not in SPACES and index - start < width:
            index += 1
        tokens.append(text[start:index])
    while index < len(text) and text[index] in SPACES:
        index += 1
    if index < len(text):
        tokens.append(text[index])   # the %c that catches junk
    return tokens
