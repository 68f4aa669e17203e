"""eoib_gc settings: every bad value is refused with the field named, before the host is read."""

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.spec import normalize
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.settings import stored_settings as eoib_settings
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StoreDocument


def field_of(**params):
    with pytest.raises(ValidationError) as info:
        normalize(params)
    return info.value.field


def test_defaults():
    settings = normalize({})
    assert settings == {'parents': ['all'], 'source': ['auto'], 'libvirt_uri': None,
                        'grace': {'seconds': 120, 'observations': 2}, 'confirm_timeout': 11.0,
                        'vendor_daemon': {'state': 'unmanaged'}}


@pytest.mark.parametrize('params, field', [
    ({'parents': ['eth4,parent=eth5']}, 'parents[0]'),
    ({'parents': ['eth4', 'eth4\n']}, 'parents[1]'),
    ({'parents': ['all', 'eth4']}, 'parents'),
    ({'parents': ['eth4', 'eth4']}, 'parents'),
    ({'source': ['auto', 'libvirt']}, 'source'),
    ({'source': ['virsh']}, 'source[0]'),
    ({'libvirt_uri': 'qemu:///system\n'}, 'libvirt_uri'),
    ({'libvirt_uri': '--connect=x'}, 'libvirt_uri'),
    ({'grace': {'observations': 0}}, 'grace.observations'),
    ({'grace': {'seconds': -1}}, 'grace.seconds'),
    ({'grace': {'minutes': 3}}, 'grace.minutes'),
    ({'confirm_timeout': 601}, 'confirm_timeout'),
    ({'vendor_daemon': {'state': 'on'}}, 'vendor_daemon.state'),
    ({'vendor_daemon': {'state': 'collector_off', 'log_file': '/var/log/a b'}}, 'vendor_daemon.log_file'),
    ({'vendor_daemon': {'state': 'collector_off', 'log_file': '/x\ngc_enable=yes'}}, 'vendor_daemon.log_file'),
    ({'vendor_daemon': {'state': 'collector_off', 'interval': 0}}, 'vendor_daemon.interval'),
    ({'vendor_daemon': {'interval': 5}}, 'vendor_daemon.interval'),
])
def test_bad_values_name_their_field(params, field):
    assert field_of(**params) == field


def test_names_are_sorted_and_all_stands_alone():
    assert normalize({'parents': ['eth5', 'eth4']})['parents'] == ['eth4', 'eth5']
    assert normalize({'parents': 'all'})['parents'] == ['all']
    assert normalize({'source': 'libvirt'})['source'] == ['libvirt']


def test_a_libvirt_uri_that_could_run_a_command_or_leave_the_host_is_refused():
    assert field_of(libvirt_uri='qemu+ext:///system?command=/tmp/x') == 'libvirt_uri'
    assert field_of(libvirt_uri='qemu+ssh://root@elsewhere/system') == 'libvirt_uri'
    assert normalize({'libvirt_uri': 'test:///var/lib/node.xml'})['libvirt_uri'] == 'test:///var/lib/node.xml'


def test_a_stored_declaration_is_validated_like_the_option():
    """Someone who can drop eoib.json must not get a command run by the next reconciler pass."""
    document = StoreDocument('eoib', {'objects': {'eth4': {'spec': {
        'parent': 'eth4', 'source': ['libvirt'], 'libvirt_uri': 'qemu+ext:///system?command=/tmp/x',
        'grace': {'seconds': 0, 'observations': 1}, 'confirm_timeout': 1}}}})
    with pytest.raises(ValidationError) as info:
        eoib_settings(document)
    assert info.value.field == 'libvirt_uri' and 'uses transport ext' in info.value.message
