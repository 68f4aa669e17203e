import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError


def rejects(func, value, *args):
    with pytest.raises(ValidationError) as info:
        func(value, 'config[0].x', *args)
    assert info.value.field == 'config[0].x'
    assert str(info.value).startswith('config[0].x: ')
    return info.value


@pytest.mark.parametrize('value, expected', [
    ('0x0002c903000010f5', '0002c903000010f5'),
    ('0002:c903:0000:10f5', '0002c903000010f5'),
    ('66a01de000037', '00066a01de000037'),
    ('00066A01DE000070', '00066a01de000070'),
    (0x66a01de000070, '00066a01de000070'),
])
def test_guid_normalises(value, expected):
    assert v.guid(value, 'f') == expected


@pytest.mark.parametrize('value', ['', '0x', 'xyz', '0' * 16, '1' * 17, 'fe80::1', None, True, 1.5, '12 34'])
def test_guid_rejects(value):
    rejects(v.guid, value)


@pytest.mark.parametrize('value, expected', [
    ('fe8000000000000000066a11de000070', 'fe8000000000000000066a11de000070'),
    ('0xFE8000000000000000066A11DE000070', 'fe8000000000000000066a11de000070'),
    ('fe80:0000:0000:0000:0006:6a11:de00:0070', 'fe8000000000000000066a11de000070'),
    ('fe80::6:6a11:de00:70', 'fe8000000000000000066a11de000070'),
])
def test_gid_normalises(value, expected):
    assert v.gid(value, 'f') == expected


@pytest.mark.parametrize('value', ['fe80', '0' * 32, 'g' * 32, 'fe80::zz', 'fe8000000000000000066a11de0000700', '::'])
def test_gid_rejects(value):
    rejects(v.gid, value)


@pytest.mark.parametrize('value, expected', [('ffff', 0xffff), ('0x8001', 0x8001), (0x7fff, 0x7fff), ('1', 1)])
def test_pkey(value, expected):
    assert v.pkey(value, 'f') == expected


@pytest.mark.parametrize('value', ['0', '0x8000', '10000', 'zz', 0, 0x10000, -1, True, ''])
def test_pkey_rejects(value):
    rejects(v.pkey, value)


@pytest.mark.parametrize('value', ['eth0', 'veth1', 'eth2.101', 'a', 'x' * 15, 'vnic_0-a@b+c'])
def test_ifname_accepts(value):
    assert v.ifname(value, 'f') == value


@pytest.mark.parametrize('value, fragment', [
    ('', 'empty'), ('.', 'cannot be'), ('..', 'cannot be'), ('x' * 16, 'longer than 15'),
    ('a/b', 'may only hold'), ('a b', 'may only hold'), ('tab\t', 'may only hold'), ('nl\n', 'may only hold'),
    ('a,b', 'may only hold'), ('a"b', 'may only hold'), ('a=b', 'may only hold'), ('a:b', 'may only hold'),
    ('ethé', 'may only hold'), ('a\0b', 'may only hold'), (5, 'must be a string'),
    ('-x', 'begins with "-"'), ('-', 'begins with "-"'), ('--help', 'begins with "-"'), ('-r', 'would read it as an option'),
])
def test_ifname_rejects(value, fragment):
    assert fragment in str(rejects(v.ifname, value))


def test_a_dash_is_still_fine_inside_an_interface_name():
    assert v.ifname('vnic-a', 'f') == 'vnic-a' and v.ifname('a-', 'f') == 'a-'


@pytest.mark.parametrize('value', ['-x', '--', '-'])
def test_not_option_names_the_field(value):
    assert 'would read it as an option' in rejects(v.not_option, value).message


def test_not_option_keeps_other_values():
    assert v.not_option('eth0', 'f') == 'eth0' and v.not_option('a-b', 'f') == 'a-b'


@pytest.mark.parametrize('value, expected', [
    ('00:25:8B:27:14:78', '00:25:8b:27:14:78'),
    ('02-00-5e-10-00-01', '02:00:5e:10:00:01'),
    ('0200.5e10.0001', '02:00:5e:10:00:01'),
    ('02005e100001', '02:00:5e:10:00:01'),
    ('2:8:20:46:d4:ba', '02:08:20:46:d4:ba'),
])
def test_mac(value, expected):
    assert v.mac(value, 'f') == expected


@pytest.mark.parametrize('value', ['00:00:00:00:00:00', '01:00:5e:00:00:01', 'ff:ff:ff:ff:ff:ff', '00:25:8b:27:14',
                                   'zz:25:8b:27:14:78', '00:25:8b:27:14:78:00', ''])
def test_mac_rejects(value):
    rejects(v.mac, value)


def test_scsi_address():
    assert v.scsi_address('2:0:3:1', 'f') == (2, 0, 3, 1)
    assert v.scsi_address('10:0:0:16384', 'f') == (10, 0, 0, 16384)
    rejects(v.scsi_address, ' 10:0:0:16384 ')
    rejects(v.guid, '0x0002c903000010f5\n')


@pytest.mark.parametrize('value', ['2:0:3', '2:0:3:1:5', 'a:0:0:0', '-1:0:0:0', '2:0:3:1\n5', '4294967296:0:0:0',
                                   '0:0:0:18446744073709551616', '', '2.0.3.1'])
def test_scsi_address_rejects(value):
    rejects(v.scsi_address, value)


def test_ioc_string_accepts_commas():
    text = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
    assert v.ioc_string(text, 'f') == text


@pytest.mark.parametrize('value, fragment', [
    ('a"b', "'\"'"), ('line\nbreak', "'\\n'"), ('nul\0', "'\\x00'"), ('x' * 65, 'longer than 64'),
    ('', 'empty'), (',leading', 'start with a comma'), ('ünï', 'characters'), (7, 'must be a string'),
])
def test_ioc_string_rejects(value, fragment):
    assert fragment in str(rejects(v.ioc_string, value))


def test_int_range_and_choice():
    assert v.int_range('5', 'f', 0, 255) == 5
    rejects(v.int_range, 256, 0, 255)
    rejects(v.int_range, True, 0, 255)
    rejects(v.int_range, 'x', 0, 255)
    assert v.choice('bridge', 'f', ('bridge', 'vepa')) == 'bridge'
    rejects(v.choice, 'nope', ('bridge', 'vepa'))


@pytest.mark.parametrize('value, expected', [(0, 0.0), ('2.5', 2.5), (3600, 3600.0)])
def test_seconds_accepts_a_number_in_range(value, expected):
    assert v.seconds(value, 'connect_timeout', 3600) == expected


@pytest.mark.parametrize('value', [-1, 3601, 'soon', True, None, float('nan'), float('inf')])
def test_seconds_rejects_naming_the_field(value):
    with pytest.raises(ValidationError) as info:
        v.seconds(value, 'connect_timeout', 3600)
    assert info.value.field == 'connect_timeout'
