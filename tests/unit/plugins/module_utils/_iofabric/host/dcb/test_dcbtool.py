"""dcbtool and lldptool parsers against the reference's texts (TABs as printed)."""

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.dcbtool import (
    STATUS_CODES,
    fcoe_priorities_from_app,
    lldpad_down,
    parse_dcbtool,
    parse_lldptool_config,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ParseError

HEAD = 'Command:   \t{cmd}\nFeature:   \t{feature}\nPort:      \teth2\nStatus:    \t{status}\n'
DCB_ON = HEAD.format(cmd='Get Config', feature='DCB State', status='Successful') + 'DCB State:\ton\n'
PFC_CONFIG = (HEAD.format(cmd='Get Config', feature='Priority Flow Control', status='Successful')
              + 'Enable:    \ttrue\nAdvertise: \ttrue\nWilling:   \ttrue\npfcup:     \t0\t0\t0\t1\t0\t0\t0\t0\t\n'
              "num TC's:  \t8\n")
APP_CONFIG = (HEAD.format(cmd='Get Config', feature='Application FCoE', status='Successful')
              + 'Enable:    \ttrue\nAdvertise: \ttrue\nWilling:   \ttrue\nappcfg:     \t08\n')
PFC_OPER = (HEAD.format(cmd='Get Oper', feature='Priority Flow Control', status='Successful')
            + 'Oper Version:\t0\nMax Version:\t0\nErrors:     \t0x00 - none\nOper Mode: \ttrue\nSyncd:     \ttrue\n'
            'pfcup:     \t0\t0\t0\t1\t0\t0\t0\t0\t\n')
APP_OPER = (HEAD.format(cmd='Get Oper', feature='Application FCoE', status='Successful')
            + 'Oper Version:\t0\nMax Version:\t0\nErrors:     \t0x21 - mismatch with peer, peer feature not present\n'
            'Oper Mode: \tfalse\nSyncd:     \tfalse\nappcfg:     \t08\n')
NOT_CAPABLE = 'Command:   \tSet Config\nFeature:   \tDCB State\nPort:      \teth9\nStatus:    \tDevice not capable\n'


def test_dcb_state():
    reply = parse_dcbtool(DCB_ON)
    assert (reply.status, reply.fields['DCB State'], reply.fields['Port']) == (0, 'on', 'eth2')


def test_config_and_oper_replies():
    config = parse_dcbtool(PFC_CONFIG)
    assert (config.flag('Enable'), config.flag('Willing'), config.bitmap()) == (True, True, 0x08)
    assert parse_dcbtool(APP_CONFIG).bitmap() == 0x08
    oper = parse_dcbtool(PFC_OPER)
    assert (oper.flag('Oper Mode'), oper.flag('Syncd'), oper.errors(), oper.bitmap()) == (True, True, 0, 0x08)
    app = parse_dcbtool(APP_OPER)
    assert (app.flag('Oper Mode'), app.errors()) == (False, 0x21)


@pytest.mark.parametrize('text, code', sorted(STATUS_CODES.items(), key=lambda item: item[1]))
def test_every_status(text, code):
    reply = parse_dcbtool(HEAD.format(cmd='Get Oper', feature='Priority Flow Control', status=text))
    assert reply.status == code


def test_the_literal_not_capable_fixture():
    assert parse_dcbtool(NOT_CAPABLE).status == 8


def test_lldpad_down_text():
    assert lldpad_down('connect: Connection refused\nFailed to connect to lldpad - clif_open: Connection refused\n')
    assert not lldpad_down('')


@pytest.mark.parametrize('text', ['', 'garbage line\n', DCB_ON.replace('Status:    \tSuccessful', 'Status: \tHuh'),
                                  'Segmentation fault\n'])
def test_garbage_is_a_parse_error(text):
    with pytest.raises(ParseError):
        parse_dcbtool(text)


def test_bad_values_are_parse_errors():
    with pytest.raises(ParseError):
        parse_dcbtool(PFC_CONFIG.replace('Enable:    \ttrue', 'Enable:    \tmaybe')).flag('Enable')
    with pytest.raises(ParseError):
        parse_dcbtool(PFC_CONFIG.replace('\t0\t0\t0\t1', '\t0\t0\t1')).bitmap()


def test_lldptool_config():
    assert parse_lldptool_config('enabled=8\n') == {'enabled': '8'}
    assert parse_lldptool_config('willing=yes\nenabled=\n') == {'willing': 'yes', 'enabled': ''}
    app = parse_lldptool_config('APP=(prio,sel,proto)\n0:(3,1,0x8906) local hw (set)\n1:(4,2,3260) local hw (set)\n\n')
    assert fcoe_priorities_from_app(app['APP']) == 0x08
    with pytest.raises(ParseError):
        parse_lldptool_config('Device not capable \n')


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parsers_raise_only_parse_errors(text):
    for parser in (parse_dcbtool, parse_lldptool_config):
        try:
            parser(text)
        except ParseError:
            pass
