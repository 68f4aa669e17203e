"""Which visible IOC strings a declared one that matches none is probably a typo of."""

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.nearmatch import near_matches

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
S2 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 2'
OTHER_CHASSIS = 'EVIC in Chassis 0x00066a00db00001f, Slot 2, Ioc 1'


@pytest.mark.parametrize('declared, how', [
    ('evic in chassis 0x00066a00db00001e, slot 1, ioc 1', 'case or whitespace'),
    ('EVIC in Chassis 0x00066A00DB00001E, Slot 1, Ioc 1', 'case or whitespace'),
    ('EVIC  in Chassis 0x00066a00db00001e,  Slot 1, Ioc 1 ', 'case or whitespace'),
    ('EVIC in Chasis 0x00066a00db00001e, Slot 1, Ioc 1', '1 character'),
    ('EVIC in Chassis 0x00066a00db00001e Slot 1 Ioc 1', '2 characters'),
    ('EIVC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1', '1 character'),      # a swapped pair is one edit
    ('EVIC in Chassis 0x00066a00db00001e, Slto 1, Ioc1', '2 characters'),
])
def test_a_typo_of_a_visible_string_is_near_it(declared, how):
    matches = near_matches(declared, [S2, S1])
    assert [(match.ioc_string, match.how) for match in matches][0] == (S1, how)


@pytest.mark.parametrize('declared', [
    OTHER_CHASSIS,                                          # another chassis and slot: a late IOC, not a typo
    'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 3',    # a sibling not visible yet
    'EVIC in Chassis 0x00066a00db00001e, Slot 11, Ioc 1',
    'VEx in Chassis 0x00066a00db000020, Slot 4, Ioc 1',     # too far from every visible one
])
def test_a_string_that_differs_only_in_its_numbers_or_by_much_is_not_near(declared):
    assert near_matches(declared, [S1, S2]) == []


def test_the_exact_string_and_empty_ones_are_never_suggested_and_each_candidate_once():
    assert near_matches(S1, [S1, None, '']) == []
    assert [match.ioc_string for match in near_matches(S1.lower(), [S1, S1, S1.upper()])] == [S1.upper(), S1]


def test_short_strings_only_match_by_case_or_whitespace():
    assert near_matches('ioc 1', ['IOC 1', 'ioc 2x']) and [m.ioc_string for m in near_matches('ioc 1', ['IOC 1', 'iox 1'])] == ['IOC 1']


def test_closest_first_and_at_most_three():
    visible = [S1 + 'xyz', S1 + 'x', S1.upper(), S1 + 'xy', 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1 yz!']
    assert [m.ioc_string for m in near_matches(S1.lower(), visible)] == [S1.upper(), S1 + 'x', S1 + 'xy']
