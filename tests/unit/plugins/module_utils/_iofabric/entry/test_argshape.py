"""The argument-shape guard that runs before AnsibleModule (ansible-core crashes on these shapes)."""

import pytest
from ansible.module_utils.common.validation import check_type_dict

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.argshape import shape_problem

PATH = {'port': {'type': 'int'}, 'ioc_guid': {'type': 'raw'}}
SPEC = {
    'config': {'type': 'list', 'elements': 'dict', 'options': {
        'name': {'type': 'str'},
        'primary': {'type': 'dict', 'options': PATH},
    }},
    'grace': {'type': 'dict', 'options': {'seconds': {'type': 'int'}}},
    'sysroot': {'type': 'path'},
}


@pytest.mark.parametrize('params, field', [
    ({'grace': 1}, 'grace:'),
    ({'grace': True}, 'grace:'),
    ({'grace': [1]}, 'grace:'),
    ({'config': 5}, 'config:'),
    ({'config': {'name': 'x'}}, 'config:'),
    ({'config': [3]}, 'config[0]:'),
    ({'config': [{'name': 'a'}, 'b']}, 'config[1]:'),
    ({'config': [{'name': 'a', 'primary': 5}]}, 'config[0].primary:'),
    ({'config': [{'name': 'a'}, {'primary': [{'port': 1}]}]}, 'config[1].primary:'),
    ({'config': [{'primary': 'not a mapping'}]}, 'config[0].primary:'),
])
def test_the_wrong_shape_is_named_by_its_field(params, field):
    problem = shape_problem(SPEC, params, to_dict=check_type_dict)
    assert problem.startswith(field), problem
    assert 'must be a' in problem


@pytest.mark.parametrize('params', [
    {},
    {'grace': None, 'config': None},
    {'grace': {'seconds': 3}},
    {'grace': 'seconds=3'},                      # Ansible's key=value form
    {'grace': '{"seconds": 3}'},                 # and its JSON form
    {'config': []},
    {'config': [{'name': 'a', 'primary': {'port': 'not checked here'}}]},
    {'config': [{'primary': 'port=1 ioc_guid=1'}]},
    {'sysroot': 5},                              # no suboptions: AnsibleModule's business
])
def test_the_right_shapes_pass(params):
    assert shape_problem(SPEC, params, to_dict=check_type_dict) == ''


def test_without_a_converter_a_string_is_the_wrong_shape():
    assert shape_problem(SPEC, {'grace': 'seconds=3'}).startswith('grace: must be a mapping')


def test_arguments_that_are_not_a_mapping():
    assert shape_problem(SPEC, ['x']) == 'arguments: must be a mapping of options, got list'


def test_an_unquoted_scsi_address_or_mac_read_as_base_60_says_quote_it():
    spec = {'config': {'type': 'list', 'elements': 'dict', 'options': {
        'address': {'type': 'str'}, 'mac': {'type': 'str'}, 'mtu': {'type': 'int'}}},
        'parents': {'type': 'list', 'elements': 'str'}}
    problem = shape_problem(spec, {'config': [{'address': '1:0:3:1'}, {'address': 216180}]})
    assert problem.startswith('config[1].address: the number 216180 arrived where a string is expected')
    assert 'base-60' in problem and 'quote it' in problem
    assert 'config[0].mac: the number' in shape_problem(spec, {'config': [{'mac': 52540012345, 'mtu': 9000}]})
    assert 'parents[1]: the number 4' in shape_problem(spec, {'parents': ['eth4', 4]})
    assert shape_problem(spec, {'config': [{'address': '1:0:3:0', 'mtu': 9000}], 'parents': ['eth4']}) == ''
