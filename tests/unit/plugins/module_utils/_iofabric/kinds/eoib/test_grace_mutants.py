"""Grace at its edges (mutation testing, docs/mutation.md): the limits are inclusive, the elapsed
time is now minus since, and a record keeps since to the millisecond."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.grace import Staleness, observe

MAC = '52:54:00:a1:00:02'


def test_grace_is_over_exactly_when_both_limits_are_reached():
    grace = {'seconds': 30, 'observations': 2}
    # since=10, now=40: 30 s elapsed (40 % 10 would be 0), the second observation: both limits met.
    staleness = observe({MAC: {'since': 10.0, 'seen': 1}}, {MAC}, grace, now=40.0)[MAC]
    assert (staleness.seen, staleness.ripe) == (2, True)


def test_one_second_short_or_one_observation_short_is_not_over():
    grace = {'seconds': 30, 'observations': 2}
    assert not observe({MAC: {'since': 10.0, 'seen': 1}}, {MAC}, grace, now=39.0)[MAC].ripe
    assert not observe({MAC: {'since': 10.0, 'seen': 0}}, {MAC}, grace, now=400.0)[MAC].ripe


def test_grace_stays_over_past_both_limits():
    grace = {'seconds': 30, 'observations': 2}
    assert observe({MAC: {'since': 10.0, 'seen': 5}}, {MAC}, grace, now=100.0)[MAC].ripe


def test_progress_counts_seconds_as_now_minus_since():
    grace = {'seconds': 60, 'observations': 3}
    text = Staleness(MAC, since=10.0, seen=1, ripe=False).progress(grace, now=40.0)
    assert text == 'stale for 1 of 3 observation(s) and 30 of 60 s'


def test_record_keeps_since_to_the_millisecond():
    assert Staleness(MAC, since=1.23456, seen=2, ripe=False).record() == {'since': 1.235, 'seen': 2}
