"""/etc/fcoe/cfg-<interface> as fcoemon reads it, and written back keeping what we do not manage."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe import cfg

TEMPLATE = '''## Type:       yes/no
## Default:    no
# Enable/Disable FCoE service at the Ethernet port
FCOE_ENABLE="yes"

## Type:       yes/no
DCB_REQUIRED="yes"

AUTO_VLAN="yes"

MODE="fabric"

#FIP_RESP="yes"
'''


def spec(**overrides):
    return dict({'interface': 'eth2', 'enabled': True, 'dcb_required': True, 'auto_vlan': False, 'mode': 'fabric',
                 'fip_resp': False}, **overrides)


def test_the_shipped_template():
    parsed = cfg.parse(TEMPLATE)
    assert parsed.quirks == [] and not parsed.ignored_by_fcoemon
    assert cfg.to_item('eth2', parsed.values) == spec(auto_vlan=True)


def test_fcoemon_rules():
    text = 'FCOE_ENABLE="YESSIR"\nFCOE_ENABLE="no"\nMODE=\'VN2VN-ish\'\nDCB_REQUIRED = "yes"\nFIP_RESP="YES"\n'
    parsed = cfg.parse(text)
    item = cfg.to_item('eth2', parsed.values)
    assert item['enabled'] is True            # starts with yes (case-insensitive); the first line wins
    assert item['mode'] == 'vn2vn'            # starts with vn2vn
    assert item['dcb_required'] is False      # "DCB_REQUIRED " is not the key: ignored
    assert item['fip_resp'] is True           # exactly yes, any case
    assert [q['line'] for q in parsed.quirks] == [2, 4]


def test_defaults_when_absent():
    assert cfg.to_item('eth2', {}) == spec(enabled=False, dcb_required=False)


def test_malformed_values_make_fcoemon_drop_the_file():
    for bad in ('FCOE_ENABLE=yes\n', 'MODE="averyveryverylongvaluehere"\n', 'MODE=""\n'):
        parsed = cfg.parse(bad)
        assert parsed.ignored_by_fcoemon and 'ignores the whole file' in parsed.quirks[0]['message']


def test_merge_keeps_comments_and_foreign_keys_and_edits_the_line_fcoemon_reads():
    old = TEMPLATE + 'CUSTOM_KEY="kept"\n'
    new = cfg.merge_text(old, spec(mode='vn2vn', fip_resp=True))
    assert new.startswith('## Type:       yes/no\n## Default:    no\n# Enable/Disable FCoE service')
    assert 'CUSTOM_KEY="kept"' in new and '#FIP_RESP="yes"' in new
    assert cfg.to_item('eth2', cfg.parse(new).values) == spec(mode='vn2vn', fip_resp=True)
    assert new.count('MODE=') == 1 and 'AUTO_VLAN="no"' in new and new.endswith('FIP_RESP="yes"\n')


def test_new_file_round_trips():
    text = cfg.merge_text('', spec(dcb_required=False))
    assert text.startswith('# FCoE configuration for eth2')
    assert cfg.to_item('eth2', cfg.parse(text).values) == spec(dcb_required=False)
    assert cfg.merge_text(text, spec(dcb_required=False)) == text
