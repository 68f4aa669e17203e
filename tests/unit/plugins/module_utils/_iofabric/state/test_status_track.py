"""Since when each object is in sync, pending or failed; only transitions dirty the store."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Action, Failure, Pending
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.status_track import stamp, track
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StoreDocument

T0 = 1_800_000_000.0


def saved(document: StoreDocument) -> StoreDocument:
    """The document as it reads back after a save (no longer dirty)."""
    return StoreDocument(document.kind, document.to_json())


def test_a_verified_object_is_in_sync_since_its_first_run_and_stays_clean():
    doc = StoreDocument('qlgc')
    doc.declare('veth1', {'type': 'qlgc', 'name': 'veth1'})
    track(doc, {'veth1'}, [], [], [Action('veth1', 'create-primary', 'new', status='done')], T0)
    assert doc.observation('veth1') == {'in_sync_since': stamp(T0), 'changed_at': stamp(T0)}
    again = saved(doc)
    track(again, {'veth1'}, [], [], [], T0 + 60)
    assert not again.dirty
    assert again.observation('veth1')['in_sync_since'] == stamp(T0)


def test_pending_keeps_its_first_time_until_it_settles():
    doc = saved(StoreDocument('qlgc'))
    track(doc, {'veth2'}, [Pending('veth2', 'IOC not visible', 'ioc')], [], [], T0)
    assert doc.observation('veth2') == {'status': 'pending', 'status_since': stamp(T0)}
    doc = saved(doc)
    track(doc, {'veth2'}, [Pending('veth2', 'IOC not visible', 'ioc')], [], [], T0 + 300)
    assert not doc.dirty and doc.observation('veth2')['status_since'] == stamp(T0)
    track(doc, {'veth2'}, [], [], [Action('veth2', 'update-primary', 'late IOC', status='done')], T0 + 600)
    assert doc.observation('veth2') == {'in_sync_since': stamp(T0 + 600), 'changed_at': stamp(T0 + 600)}


def test_a_change_from_pending_to_failed_restarts_the_clock():
    doc = StoreDocument('fcoe')
    track(doc, {'eth1'}, [Pending('eth1', 'DCB off')], [], [], T0)
    track(doc, {'eth1'}, [], [Failure('eth1', 'EIO')], [], T0 + 5)
    assert doc.observation('eth1') == {'status': 'failed', 'status_since': stamp(T0 + 5)}


def test_an_undeclared_failure_leaves_no_entry_but_a_known_one_does():
    doc = StoreDocument('eoib')
    doc.observe('eth4', stale={})
    track(doc, {'*'}, [Pending('eth4', 'in grace')], [Failure('/etc/infiniband/qlgc_vnic.cfg', 'EACCES')], [], T0)
    assert '/etc/infiniband/qlgc_vnic.cfg' not in doc.observations
    assert doc.observation('eth4')['status'] == 'pending'
    assert doc.observation('*') == {'in_sync_since': stamp(T0)}


def test_observations_of_the_kind_are_kept():
    doc = StoreDocument('fcoe')
    doc.observe('eth2', retries=3, next_retry=12.5)
    track(doc, {'eth2'}, [Pending('eth2', 'DCB not ready')], [], [], T0)
    assert doc.observation('eth2')['retries'] == 3 and doc.observation('eth2')['next_retry'] == 12.5
