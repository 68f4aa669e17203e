"""The reconciler's EoIB settings: each stored parent is collected with its own declaration's settings
(issue 18.6 follow-up: the first stored parent's were applied to every parent)."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.settings import stored_groups as eoib_groups
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.settings import stored_settings as eoib_settings
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.kinds import merge_results
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StoreDocument


def declared(parent, **settings):
    return {'spec': dict({'parent': parent, 'source': ['auto'], 'libvirt_uri': None,
                          'grace': {'seconds': 120, 'observations': 2}, 'confirm_timeout': 11.0}, **settings)}


def test_each_stored_parent_keeps_its_own_settings():
    document = StoreDocument('eoib', {'objects': {
        'eth4': declared('eth4', grace={'seconds': 0, 'observations': 1}),
        'eth5': declared('eth5', grace={'seconds': 600, 'observations': 5}, source=['libvirt']),
        'eth6': declared('eth6', grace={'seconds': 0, 'observations': 1}),
    }})
    groups = {tuple(group['parents']): group for group in eoib_groups(document)}
    assert sorted(groups) == [('eth4', 'eth6'), ('eth5',)]
    assert groups[('eth5',)]['grace'] == {'seconds': 600, 'observations': 5}
    assert groups[('eth5',)]['source'] == ['libvirt']
    assert groups[('eth4', 'eth6')]['grace'] == {'seconds': 0, 'observations': 1}
    assert groups[('eth4', 'eth6')]['source'] == ['auto']


def test_one_setting_for_all_parents_is_one_group():
    document = StoreDocument('eoib', {'objects': {name: declared(name) for name in ('eth4', 'eth5')}})
    assert [group['parents'] for group in eoib_groups(document)] == [['eth4', 'eth5']]
    star = StoreDocument('eoib', {'objects': {'*': declared('all', confirm_timeout=3)}})
    assert [(group['parents'], group['confirm_timeout']) for group in eoib_groups(star)] == [(['all'], 3.0)]
    assert [group['parents'] for group in eoib_groups(StoreDocument('eoib', {'objects': {}}))] == [['all']]


def test_the_groups_results_are_reported_as_one():
    first = {'changed': False, 'actions': [], 'pending': [{'object': 'eth5'}], 'warnings': ['w'], 'tool_runs': {'virsh': 1},
             'vendor_daemon': {'state': 'unmanaged'}}
    second = {'changed': True, 'actions': [{'object': 'eth4'}], 'pending': [], 'warnings': ['w', 'x'], 'tool_runs': {'virsh': 2}}
    merged = merge_results([first, second])
    assert merged['changed'] is True and merged['actions'] == [{'object': 'eth4'}] and merged['pending'] == [{'object': 'eth5'}]
    assert merged['warnings'] == ['w', 'x'] and merged['tool_runs'] == {'virsh': 3}
    assert merged['vendor_daemon'] == {'state': 'unmanaged'}


def test_the_read_only_view_still_names_every_stored_parent():
    """fabric_info takes one set of settings; it must still see every declared parent."""
    document = StoreDocument('eoib', {'objects': {'eth4': declared('eth4'), 'eth5': declared('eth5', source=['libvirt'])}})
    assert eoib_settings(document)['parents'] == ['eth4', 'eth5']
