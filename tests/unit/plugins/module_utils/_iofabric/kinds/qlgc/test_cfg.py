import os

from hypothesis import given, settings, strategies as st

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import cfg
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.spec import normalize

FIXTURES = os.path.join(os.path.dirname(__file__).split(os.sep + 'unit' + os.sep)[0], 'fixtures')  # tests/fixtures


def sample():
    with open(os.path.join(FIXTURES, 'qlgc_vnic.cfg.sample'), encoding='utf-8') as handle:
        return handle.read()


def spec(**item):
    return normalize(dict({'type': 'qlgc'}, **item), 'config[0]')[1]


def test_vendor_sample_parses_with_its_quirks_reported():
    parsed = cfg.parse(sample())
    assert [item['name'] for item in parsed.items] == ['eioc1', 'eioc2', 'veth1', 'veth2', 'veth3', 'veth4']
    messages = {(q['line'], q['message'].split(' ')[0]) for q in parsed.quirks}
    assert (30, 'missing') in messages           # INSTANCE=5 PORTGUID=... without ';'
    assert (33, 'unterminated') in messages      # NAME="veth4;
    assert (17, 'veth1') in messages             # veth1 declared twice; the later block wins
    assert (4, 'PRIMARY') in messages            # a block without any local port
    items = {item['name']: item for item in parsed.items}
    assert items['veth3']['primary'] == dict.fromkeys(items['veth3']['primary'], None) | {
        'ioc_string': 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 2', 'instance': 5,
        'port_guid': '0002c90300000786'}
    assert items['veth4']['primary']['ioc_guid'] == '00066a02de000070'
    assert items['veth1']['primary']['port_guid'] == '0002c903000010f5'   # the second veth1 block
    assert items['eioc2']['ib_multicast'] is False
    assert items['veth2']['secondary']['hca'] == '0' and items['veth2']['secondary']['instance'] == 4
    assert items['eioc1']['primary']['ioc_guid'] == '00066a0130000001'


def test_render_then_parse_round_trips():
    specs = [spec(name='veth1', primary={'ioc_string': 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1', 'port': 1,
                                         'hca': 0},
                  secondary={'ioc_guid': '00066a02de000070', 'dgid': 'fe8000000000000000066a21de000070',
                             'instance': 2, 'port_guid': '0x0002c903000010f6'},
                  heartbeat=250, rx_csum=False, ib_multicast=False),
             spec(name='veth2', primary={'ioc_guid': '66a01de000071', 'port': 2})]
    text = cfg.merge_text('', specs, [], own_file=True)[0]
    parsed = cfg.parse(text)
    assert parsed.quirks == []
    back = {item['name']: item for item in parsed.items}
    assert back['veth1']['primary']['ioc_string'] == specs[0]['primary']['ioc_string']
    assert back['veth1']['secondary']['dgid'] == 'fe8000000000000000066a21de000070'
    assert back['veth1']['secondary']['port_guid'] == '0002c903000010f6'
    assert (back['veth1']['heartbeat'], back['veth1']['rx_csum'], back['veth1']['ib_multicast']) == (250, False, False)
    assert back['veth2']['primary']['ioc_guid'] == '00066a01de000071'


def test_merge_keeps_unmanaged_blocks_and_comments_byte_for_byte():
    old = sample()
    new_veth3 = spec(name='veth3', primary={'ioc_string': 'X, Slot 9', 'port': 1})
    added = spec(name='veth9', primary={'ioc_guid': '00066a02de000070', 'port': 1})
    text, quirks = cfg.merge_text(old, [new_veth3, added], ['veth2'], own_file=False)
    assert quirks
    assert text.startswith('# Sample QLogic VNIC configuration')
    assert '\t{\n\tCREATE; NAME="veth2";' not in text
    assert 'NAME="eioc2";\n   PRIMARY = {IOCGUID=0x66A0130000105; INSTANCE=0; PORT=1; IB_MULTICAST=FALSE; }' in text
    assert 'IOCSTRING="X, Slot 9"' in text and 'Slot 1, Ioc 2";\n\t\tINSTANCE=5 PORTGUID' not in text
    assert text.rstrip().endswith('PRIMARY={ IOCGUID=0x00066a02de000070; INSTANCE=0; PORT=1; }\n}'.rstrip())
    names = [item['name'] for item in cfg.parse(text).items]
    assert 'veth2' not in names and 'veth9' in names and 'veth3' in names


def test_overridden_owns_the_file():
    text = cfg.merge_text(sample(), [spec(name='only', primary={'ioc_guid': '1', 'port': 1})], [], own_file=True)[0]
    assert text.startswith(cfg.HEADER)
    assert [item['name'] for item in cfg.parse(text).items] == ['only']


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{};="#CREATNMPIOGUDSXYLHK =0123456789abcdef\n\t', max_size=300))
def test_parser_never_crashes(text):
    parsed = cfg.parse(text)
    assert all(isinstance(q['line'], int) for q in parsed.quirks)


# The character-by-character tokenizer this module had, kept as the oracle for the compiled one.
def reference_tokenize(text: str, parsed) -> list:
    tokens: list = []
    index, line = 0, 1
    while index < len(text):
        char = text[index]
        if char == '\n':
            line += 1
            index += 1
        elif char.isspace():
            index += 1
        elif char == '#':
            newline = text.find('\n', index)
            index = len(text) if newline < 0 else newline
        elif char in '{};=':
            tokens.append(cfg.Token(char, char, line, index, index + 1))
            index += 1
        elif char == '"':
            newline = text.find('\n', index)
            stop = len(text) if newline < 0 else newline
            close = text.find('"', index + 1, stop)
            if close < 0:
                value = text[index + 1:stop].rstrip().rstrip(';').rstrip()
                parsed.quirk(line, 'unterminated string "%s; taken up to the end of the line' % value)
                tokens.append(cfg.Token('string', value, line, index, stop))
                tokens.append(cfg.Token(';', ';', line, stop, stop))
                index = stop
            else:
                tokens.append(cfg.Token('string', text[index + 1:close], line, index, close + 1))
                index = close + 1
        else:
            start = index
            while index < len(text) and not text[index].isspace() and text[index] not in '{};="#':
                index += 1
            tokens.append(cfg.Token('word', text[start:index], line, start, index))
    return tokens


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('{};="#\n\t \u00a0\x1cab0xf_-,.')), max_size=200) | st.text(max_size=200))
def test_the_compiled_tokenizer_cuts_exactly_where_the_reference_does(text):
    ours, theirs = cfg.ParsedCfg(), cfg.ParsedCfg()
    assert cfg.tokenize(text, ours) == reference_tokenize(text, theirs)
    assert ours.quirks == theirs.quirks
