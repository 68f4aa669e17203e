"""A host upgraded from the collection as it was before the engine's re-layout keeps working: the store
that code wrote (tests/fixtures/store-before-relayout, see its README) is read by today's reconciler,
and its declarations are re-applied under the ids they were recorded with."""

import os
import shutil

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.reconcile import ERROR, run_pass
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import KINDS

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)).split(os.sep + 'integration' + os.sep)[0],
                       'fixtures', 'store-before-relayout')
DECLARED = {('qlgc', 'veth1'), ('qlgc', 'veth2'), ('macvlan', 'vnic7'), ('fcoe', 'eth2'), ('sdi', '1:0:3:0'),
            ('sdi', '1:0:3:1')}


def install_old_store(sim):
    store = sim.path('/var/lib/iofabric')
    os.makedirs(store, mode=0o700, exist_ok=True)
    os.chmod(store, 0o700)
    for name in os.listdir(FIXTURE):
        if name.endswith('.json'):
            shutil.copy(os.path.join(FIXTURE, name), os.path.join(store, name))
            os.chmod(os.path.join(store, name), 0o600)


def rows(report):
    return {(kind, row['object']): row for kind, result in report.kinds.items() for row in result.get('objects', [])}


def test_the_fixture_holds_a_document_of_every_kind():
    assert sorted(name[:-5] for name in os.listdir(FIXTURE) if name.endswith('.json')) == sorted(KINDS)


def test_a_check_pass_reads_every_declaration_the_old_code_recorded(sim):
    install_old_store(sim)
    report = run_pass(sim.root, sim.netns, check=True)
    assert not report.exit_code & ERROR, report.kinds
    assert DECLARED <= set(rows(report))
    assert all('error' not in result for result in report.kinds.values()), report.kinds


def test_a_pass_re_applies_them_and_the_next_finds_them_in_sync(sim):
    install_old_store(sim)
    first = run_pass(sim.root, sim.netns)
    assert not first.exit_code & ERROR, first.kinds
    done = {(kind, action['object'], action['action']) for kind, result in first.kinds.items()
            for action in result['actions'] if action['status'] == 'done'}
    assert ('macvlan', 'vnic7', 'create') in done and ('qlgc', 'veth1', 'create-primary') in done
    again = rows(run_pass(sim.root, sim.netns))
    assert again[('macvlan', 'vnic7')]['status'] == 'in_sync' and again[('qlgc', 'veth1')]['status'] == 'in_sync'
    assert again[('qlgc', 'veth2')]['status'] == 'pending'   # its IOC is still late, as when it was declared
