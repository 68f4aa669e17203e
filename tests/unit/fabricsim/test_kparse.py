"""The kernel's parsers as fabricsim reproduces them (lib/kstrtox.c, lib/vsprintf.c)."""

import errno

import pytest

from fabricsim import kparse


@pytest.mark.parametrize('text, value, rest', [
    ('12', 12, ''), ('0x1f', 31, ''), ('0X1F', 31, ''), ('017', 15, ''), ('08', 0, '8'), ('0x', 0, 'x'),
    ('-1', 0, '-1'), ('+1', 0, '+1'), ('12abc', 12, 'abc'), ('0xg', 0, 'xg'),
])
def test_simple_strtoull(text, value, rest):
    assert kparse.simple_strtoull(text) == (value, rest)


def test_kstrtoull_takes_one_newline_and_a_plus():
    assert kparse.kstrtoull('+10\n', 10) == 10
    assert kparse.kstrtoull('0x10', 0) == 16
    for bad in (' 1', '1 ', '1\n\n', '', '-1', '0x10'):
        with pytest.raises(OSError) as info:
            kparse.kstrtoull(bad, 10)
        assert info.value.errno == errno.EINVAL, bad
    with pytest.raises(OSError) as info:
        kparse.kstrtoull('18446744073709551616', 10)
    assert info.value.errno == errno.ERANGE
    with pytest.raises(OSError) as info:
        kparse.kstrtouint('4294967296', 10)
    assert info.value.errno == errno.ERANGE


@pytest.mark.parametrize('text, tokens', [
    ('0 1 2', ['0', '1', '2']), ('  0\t1  2\n', ['0', '1', '2']), ('0 1', ['0', '1']),
    ('0 1 2 3', ['0', '1', '2', '3']), ('01234567890 1', ['0123456789', '0', '1']),
    ('0 1 2\0 3', ['0', '1', '2']), ('', []),
])
def test_sscanf_strings(text, tokens):
    assert kparse.sscanf_strings(text, [10, 10, 16]) == tokens
