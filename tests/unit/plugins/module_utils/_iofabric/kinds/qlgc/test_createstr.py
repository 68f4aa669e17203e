"""The create-string builder, checked against the simulator's copy of the kernel parser."""

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.createstr import CreateParams, build
from fabricsim.drivers.qlgc_parser import parse as kernel_parse

IOC1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'


def test_documented_shape_without_trailing_newline():
    data = build(CreateParams('veth2', '00066a02de000070', 'fe8000000000000000066a21de000070', 0xffff, IOC1, 3,
                              heartbeat=100, rx_csum=True))
    assert data == (b'ioc_guid=00066a02de000070,dgid=fe8000000000000000066a21de000070,pkey=ffff,'
                    b'ioc_string="EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1",name=veth2,instance=3,'
                    b'heartbeat=100,rx_csum=true')
    assert not data.endswith(b'\n')


def test_the_kernel_reads_back_what_was_meant():
    params = kernel_parse(build(CreateParams('veth1', ioc_string=IOC1, pkey=0x8001, tx_csum=False)))
    assert params == {'ioc_guid': 0, 'dgid': '0' * 32, 'pkey': 0x8001, 'ioc_string': IOC1, 'name': 'veth1',
                      'instance': 0, 'tx_csum': False}


@pytest.mark.parametrize('field, value', [
    ('name', 'veth1,name=evil'), ('name', 'a"b'), ('name', 'x=y'), ('name', 'nl\n'), ('name', 'x' * 16),
    ('ioc_string', 'a"b,name=evil,"'), ('ioc_string', 'line\nbreak'), ('ioc_string', 'nul\0'),
    ('ioc_guid', '00066a02de00007,'), ('dgid', 'fe80' * 7 + ',x=1'), ('pkey', 0x10000), ('instance', 256),
    ('heartbeat', 0),
])
def test_unsafe_values_never_reach_the_string(field, value):
    with pytest.raises(ValidationError):
        build(CreateParams(**{'name': 'veth1', field: value}))


# A name never begins with '-' (_validate.ifname refuses it: a tool would read it as an option).
names = st.text(alphabet='abcdefghijklmnopqrstuvwxyz0123456789_.@+-', min_size=1, max_size=15).filter(
    lambda n: n not in ('.', '..') and not n.startswith('-'))
ioc_strings = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters='"'),
                      min_size=1, max_size=64).filter(lambda s: not s.startswith(','))
hex16 = st.integers(min_value=0, max_value=2 ** 64 - 1).map(lambda n: '%016x' % n)
hex32 = st.integers(min_value=0, max_value=2 ** 128 - 1).map(lambda n: '%032x' % n)


@settings(max_examples=400, deadline=None)
@given(name=names, ioc_string=st.none() | ioc_strings, guid=hex16, dgid=hex32,
       pkey=st.integers(min_value=0, max_value=0xffff), instance=st.integers(min_value=0, max_value=255),
       heartbeat=st.none() | st.integers(min_value=1, max_value=6000),
       flags=st.tuples(st.none() | st.booleans(), st.none() | st.booleans(), st.none() | st.booleans()))
def test_the_kernel_never_reads_more_or_other_parameters(
        name, ioc_string, guid, dgid, pkey, instance, heartbeat, flags):
    params = CreateParams(name, guid, dgid, pkey, ioc_string, instance, heartbeat, *flags)
    parsed = kernel_parse(build(params))
    expected = {'ioc_guid': int(guid, 16), 'dgid': dgid, 'pkey': pkey, 'name': name, 'instance': instance,
                'ioc_string': ioc_string or ''}
    if heartbeat is not None:
        expected['heartbeat'] = heartbeat
    for key, value in zip(('rx_csum', 'tx_csum', 'ib_multicast'), flags):
        if value is not None:
            expected[key] = value
    assert parsed == expected
