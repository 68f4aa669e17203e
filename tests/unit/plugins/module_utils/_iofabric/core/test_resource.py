import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.resource import check_unique, desired_objects, fill, strip_none


class Toy:
    """What desired_objects asks of a kind: its defaults and its scope."""

    def defaults(self, spec):
        return {'mtu': 1500, 'nested': {'a': 1, 'b': 2}}

    def in_scope(self, object_id, live):
        return not object_id.startswith('foreign')


HAVE = {'x': {'name': 'x', 'mtu': 9000, 'nested': {'a': 5, 'b': 6}},
        'y': {'name': 'y', 'mtu': 1500, 'nested': {'a': 1, 'b': 2}},
        'foreign0': {'name': 'foreign0', 'mtu': 1500, 'nested': {'a': 1, 'b': 2}}}


def test_fill_recurses_and_keeps_given_values():
    assert fill({'a': None, 'n': {'x': 1, 'y': None}}, {'a': 2, 'n': {'y': 3}, 'z': 4}) == \
        {'a': 2, 'n': {'x': 1, 'y': 3}, 'z': 4}


def test_merged_keeps_live_values_for_what_is_not_given():
    want, deletes = desired_objects('merged', [('x', {'name': 'x', 'mtu': None, 'nested': {'a': 7, 'b': None}})],
                                    HAVE, Toy())
    assert want['x'] == {'name': 'x', 'mtu': 9000, 'nested': {'a': 7, 'b': 6}}
    assert deletes == []


def test_replaced_takes_defaults_for_what_is_not_given():
    want, _deletes = desired_objects('replaced', [('x', {'name': 'x', 'mtu': None, 'nested': None})], HAVE, Toy())
    assert want['x'] == {'name': 'x', 'mtu': 1500, 'nested': {'a': 1, 'b': 2}}


def test_overridden_removes_what_is_in_scope_and_not_declared():
    want, deletes = desired_objects('overridden', [('x', {'name': 'x', 'mtu': 1500, 'nested': None})], HAVE, Toy())
    assert set(want) == {'x'} and deletes == ['y']


def test_deleted_names_only_existing_objects():
    want, deletes = desired_objects('deleted', [('y', {}), ('gone', {})], HAVE, Toy())
    assert want == {} and deletes == ['y']


def test_duplicates_are_refused_with_both_places():
    with pytest.raises(ValidationError) as info:
        check_unique([('a', {}), ('b', {}), ('a', {})])
    assert info.value.field == 'config[2]' and 'config[0]' in str(info.value)


def test_strip_none():
    assert strip_none({'a': None, 'b': [{'c': None, 'd': 1}]}) == {'b': [{'d': 1}]}
