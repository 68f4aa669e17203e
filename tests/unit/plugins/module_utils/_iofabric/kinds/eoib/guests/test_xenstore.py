"""Xen ports to xenstore backend keys."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.xenstore import backend_key


def test_backend_keys():
    assert backend_key('vif7.0') == '/local/domain/0/backend/vif/7/0/mac'
    assert backend_key('vif12.3-emu') == '/local/domain/0/backend/vif/12/3/mac'
    assert backend_key('tap7.1') == '/local/domain/0/backend/vif/7/1/mac'
    for other in ('vnet0', 'vif7', 'vif7.0.1', 'eth4', 'vif-7.0'):
        assert backend_key(other) is None, other
