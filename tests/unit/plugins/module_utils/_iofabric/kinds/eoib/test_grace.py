"""Grace: both limits must be reached; a MAC seen attached again starts from zero."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.grace import observe

MAC = '52:54:00:a1:00:02'


def test_observations_and_seconds_both_count():
    grace = {'seconds': 60, 'observations': 2}
    first = observe({}, {MAC}, grace, now=1000.0)[MAC]
    assert (first.seen, first.ripe, first.since) == (1, False, 1000.0)
    second = observe({MAC: first.record()}, {MAC}, grace, now=1030.0)[MAC]
    assert (second.seen, second.ripe) == (2, False)  # two passes, only 30 s
    third = observe({MAC: second.record()}, {MAC}, grace, now=1060.0)[MAC]
    assert third.ripe and third.progress(grace, 1060.0) == 'stale for 2 of 2 observation(s) and 60 of 60 s'


def test_a_mac_no_longer_stale_loses_its_record():
    grace = {'seconds': 0, 'observations': 3}
    first = observe({}, {MAC}, grace, now=0.0)
    assert observe({MAC: first[MAC].record()}, set(), grace, now=1.0) == {}
    again = observe({}, {MAC}, grace, now=2.0)[MAC]
    assert again.seen == 1 and not again.ripe
