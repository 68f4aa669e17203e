"""The simulator's create-string parser against the driver's EINVAL table (reference §1.3)."""

import pytest

from fabricsim.drivers.qlgc_parser import CreateStringError, parse

BASE = 'ioc_guid=00066a01de000070,dgid=fe8000000000000000066a11de000070,pkey=ffff,name=veth1'


def refused(text):
    with pytest.raises(CreateStringError) as info:
        parse(text.encode() if isinstance(text, str) else text)
    return str(info.value)


def test_minimal_string():
    assert parse(BASE.encode()) == {'ioc_guid': 0x66a01de000070, 'dgid': 'fe8000000000000000066a11de000070',
                                    'pkey': 0xffff, 'name': 'veth1', 'instance': 0, 'ioc_string': ''}


@pytest.mark.parametrize('missing', ['ioc_guid', 'dgid', 'pkey', 'name'])
def test_each_required_key(missing):
    text = ','.join(token for token in BASE.split(',') if not token.startswith(missing + '='))
    assert "missing parameter '%s=" % missing in refused(text)


@pytest.mark.parametrize('text, message', [
    (BASE.replace('dgid=fe80', 'dgid=fe8'), 'bad dest GID parameter'),
    (BASE.replace('dgid=fe80', 'dgid=0xfe'), 'bad dest GID parameter'),
    (BASE.replace('pkey=ffff', 'pkey=zz'), 'unknown parameter'),
    (BASE.replace('veth1', 'x' * 16), 'interface name parameter too long'),
    (BASE + ',instance=256', 'instance parameter must be >= 0 and <= 255'),
    (BASE + ',instance=-1', 'instance parameter must be >= 0 and <= 255'),
    (BASE + ',instance=five', 'unknown parameter'),
    (BASE + ',rx_csum=yes', "bad rx_csum parameter. must be 'true' or 'false'"),
    (BASE + ',tx_csum=TRUE', "bad tx_csum parameter. must be 'true' or 'false'"),
    (BASE + ',ib_multicast=no', "bad ib_multicast parameter"),
    (BASE + ',heartbeat=0', 'heartbeat parameter must be > 0 and <= 6000'),
    (BASE + ',heartbeat=6001', 'heartbeat parameter must be > 0 and <= 6000'),
    (BASE + ',bogus=1', "unknown parameter or missing value 'bogus=1'"),
    (BASE + ',name=', "unknown parameter or missing value 'name='"),
    ('ioc_string="' + 'x' * 65 + '",' + BASE, 'ioc string parameter too long'),
])
def test_einval_cases(text, message):
    assert message in refused(text)


def test_a_trailing_newline_breaks_the_last_token():
    assert 'unknown parameter' in refused(BASE + ',instance=1\n')
    assert parse((BASE + '\n').encode())['name'] == 'veth1\n'  # %s swallows it: the name gets a newline


def test_instance_is_base_zero_and_csum_is_a_prefix_match():
    assert parse((BASE + ',instance=010').encode())['instance'] == 8
    assert parse((BASE + ',instance=0x10').encode())['instance'] == 16
    assert parse((BASE + ',rx_csum=trueish').encode())['rx_csum'] is True


def test_ioc_string_quoting_survives_commas():
    text = 'ioc_guid=1,dgid=' + 'f' * 32 + ',pkey=ffff,ioc_string="EVIC in Chassis 0x1, Slot 1, Ioc 1",name=veth1'
    assert parse(text.encode())['ioc_string'] == 'EVIC in Chassis 0x1, Slot 1, Ioc 1'
    assert parse(('ioc_string="nocomma",' + BASE).encode())['ioc_string'] == 'nocomma'


def test_ioc_string_must_not_be_last_or_unterminated():
    assert 'last token' in refused(BASE + ',ioc_string="a, b"')
    assert 'unterminated' in refused(BASE + ',ioc_string="a, b')


def test_guid_parsing_stops_silently_at_junk():
    assert parse(BASE.replace('ioc_guid=00066a01de000070', 'ioc_guid=0x12zz').encode())['ioc_guid'] == 0x12
    assert parse(BASE.replace('ioc_guid=00066a01de000070', 'ioc_guid=zz').encode())['ioc_guid'] == 0


def test_kstrdup_stops_at_nul():
    assert parse((BASE + '\0,name=other').encode())['name'] == 'veth1'
