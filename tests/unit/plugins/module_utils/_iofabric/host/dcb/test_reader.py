"""DcbReader: what it will not hand to dcbtool."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.reader import CEE, DcbReader


def test_a_device_name_that_dcbtool_would_read_as_an_option_is_not_queried():
    # The kernel allows a link named '-r' (a VLAN's real device can be one); no runner is needed to refuse it,
    # so none is given: the reader must not reach dcbtool, or anything else.
    state = DcbReader(runner=None).read('-r')
    assert state.source == CEE and state.readable is False and 'would reach dcbtool as an option' in state.reason
