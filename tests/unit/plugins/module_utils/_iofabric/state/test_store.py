import json
import os
import stat
import subprocess
import sys

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import StoreError, SysrootError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot


@pytest.fixture
def store(tmp_path):
    return StateStore(Sysroot(str(tmp_path)), owner='test', lock_timeout=1)


def state_dir(tmp_path):
    return tmp_path / 'var' / 'lib' / 'iofabric'


def test_round_trip_and_modes(tmp_path, store):
    with store.locked():
        doc = store.load('qlgc')
        doc.declare('veth1', {'type': 'qlgc', 'name': 'veth1'})
        doc.observe('veth1', instance={'primary': 0})
        assert store.save(doc) is True
    with store.locked(exclusive=False):
        again = store.load('qlgc')
    assert again.spec('veth1') == {'type': 'qlgc', 'name': 'veth1'}
    assert again.observation('veth1') == {'instance': {'primary': 0}}
    assert not again.dirty
    assert stat.S_IMODE(state_dir(tmp_path).stat().st_mode) == 0o700
    assert stat.S_IMODE((state_dir(tmp_path) / 'qlgc.json').stat().st_mode) == 0o600
    data = json.loads((state_dir(tmp_path) / 'qlgc.json').read_text())
    assert data['format'] == 'iofabric.core/state' and data['version'] == 1


def test_unchanged_documents_are_not_rewritten(tmp_path, store):
    with store.locked():
        doc = store.load('qlgc')
        doc.declare('veth1', {'type': 'qlgc', 'name': 'veth1'})
        store.save(doc)
    mtime = os.stat(state_dir(tmp_path) / 'qlgc.json').st_mtime_ns
    with store.locked():
        assert store.save(store.load('qlgc')) is False
    assert os.stat(state_dir(tmp_path) / 'qlgc.json').st_mtime_ns == mtime


def test_observe_none_removes(store):
    with store.locked():
        doc = store.load('qlgc')
        doc.observe('a', x=1, y=2)
        doc.observe('a', x=None)
        assert doc.observation('a') == {'y': 2}
        doc.observe('a', y=None)
        assert 'a' not in doc.observations


@pytest.mark.parametrize('content', [b'{not json', b'[]', b'{"format": "other"}',
                                     b'{"format": "iofabric.core/state", "version": 1, "kind": "qlgc", '
                                     b'"objects": {"x": {"spec": {}}}, "observations": {}}'])
def test_corrupt_documents_are_moved_aside_and_reported(tmp_path, store, content):
    state_dir(tmp_path).mkdir(parents=True)
    (state_dir(tmp_path) / 'qlgc.json').write_bytes(content)
    with store.locked():
        doc = store.load('qlgc')
    assert doc.objects == {}
    aside = [p for p in state_dir(tmp_path).iterdir() if '.corrupt-' in p.name]
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert 'moved aside' in store.warnings[0] and aside[0].name in store.warnings[0]


def test_corrupt_documents_are_left_in_place_without_the_lock(tmp_path, store):
    state_dir(tmp_path).mkdir(parents=True)
    (state_dir(tmp_path) / 'qlgc.json').write_bytes(b'{oops')
    assert store.load('qlgc').objects == {}
    assert (state_dir(tmp_path) / 'qlgc.json').exists()
    assert 'left in place' in store.warnings[0]


def test_newer_versions_are_refused(tmp_path, store):
    state_dir(tmp_path).mkdir(parents=True)
    (state_dir(tmp_path) / 'qlgc.json').write_text(json.dumps({'format': 'iofabric.core/state', 'version': 99}))
    with pytest.raises(StoreError, match='newer iofabric'):
        with store.locked():
            store.load('qlgc')


def test_saving_needs_the_lock(store):
    doc = store.load('qlgc')
    doc.declare('x', {'type': 'qlgc', 'name': 'x'})
    with pytest.raises(StoreError, match='holding the lock'):
        store.save(doc)


def test_invalid_documents_are_never_written(tmp_path, store):
    with store.locked():
        doc = store.load('qlgc')
        doc.declare('x', {'type': 'qlgc'})  # missing name
        with pytest.raises(StoreError) as info:
            store.save(doc)
    assert 'refusing to write an invalid qlgc document' in str(info.value) and "'name'" in str(info.value)
    assert not (state_dir(tmp_path) / 'qlgc.json').exists()


def test_unknown_kind(store):
    with pytest.raises(StoreError):
        store.load('nonsense')


def test_a_document_this_store_wrote_loads_without_importing_jsonschema(tmp_path, store):
    with store.locked():
        doc = store.load('qlgc')
        doc.declare('veth1', {'type': 'qlgc', 'name': 'veth1'})
        store.save(doc)
    program = ('import sys\n'
               'from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore\n'
               'from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot\n'
               'doc = StateStore(Sysroot(sys.argv[1])).load("qlgc")\n'
               'print(sorted(doc.objects), "jsonschema" in sys.modules)\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, '-c', program, str(tmp_path)], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert out.strip() == "['veth1'] False"


def declare_veth1(store) -> None:
    with store.locked():
        doc = store.load('qlgc')
        doc.declare('veth1', {'type': 'qlgc', 'name': 'veth1'})
        store.save(doc)


def test_an_edited_document_is_validated_again_whatever_its_seal_says(tmp_path, store):
    declare_veth1(store)
    path = state_dir(tmp_path) / 'qlgc.json'
    data = json.loads(path.read_text())
    data['objects']['veth2'] = {'spec': {'type': 'qlgc'}}   # valid JSON, not a valid document
    path.write_text(json.dumps(data))
    with store.locked():
        assert store.load('qlgc').objects == {}
    assert any('was corrupt' in warning for warning in store.warnings)
    assert not (state_dir(tmp_path) / 'qlgc.json.valid').exists()


def test_a_missing_or_stale_seal_only_costs_a_full_validation(tmp_path, store):
    declare_veth1(store)
    seal = state_dir(tmp_path) / 'qlgc.json.valid'
    seal.write_text('sha256:0 schema:0\n')
    with store.locked():
        assert set(store.load('qlgc').objects) == {'veth1'}
    seal.unlink()
    with store.locked():
        assert set(store.load('qlgc').objects) == {'veth1'}
    assert store.warnings == []


# -- trust boundary (issue 16): the store is root's, never reached through a symlink ----------------

def test_the_directory_is_created_0700_even_under_a_permissive_umask(tmp_path, store):
    old = os.umask(0)
    try:
        with store.locked():
            pass
    finally:
        os.umask(old)
    assert stat.S_IMODE(state_dir(tmp_path).stat().st_mode) == 0o700


def test_a_store_directory_symlinked_out_of_the_root_is_refused(tmp_path):
    root, outside = tmp_path / 'root', tmp_path / 'outside'
    (root / 'var' / 'lib').mkdir(parents=True)
    outside.mkdir(mode=0o700)
    (root / 'var' / 'lib' / 'iofabric').symlink_to(outside)
    store = StateStore(Sysroot(str(root)), owner='test', lock_timeout=1)
    with pytest.raises(StoreError, match='iofabric is a symlink'):
        with store.locked():
            pass
    assert os.listdir(outside) == []   # no lock, no holder, nothing written there


def test_a_parent_symlinked_out_of_the_root_is_refused(tmp_path):
    root, outside = tmp_path / 'root', tmp_path / 'outside'
    (root / 'var').mkdir(parents=True)
    (outside / 'iofabric').mkdir(parents=True, mode=0o700)
    (root / 'var' / 'lib').symlink_to(outside)
    with pytest.raises(SysrootError, match='outside the sysroot'):
        with StateStore(Sysroot(str(root)), owner='test', lock_timeout=1).locked():
            pass
    assert os.listdir(outside / 'iofabric') == []


@pytest.mark.parametrize('mode', [0o777, 0o770, 0o702])
def test_a_store_directory_writable_by_others_is_refused_not_fixed(tmp_path, store, mode):
    state_dir(tmp_path).mkdir(parents=True)
    os.chmod(state_dir(tmp_path), mode)
    with pytest.raises(StoreError, match='iofabric is writable by group or others') as info:
        with store.locked():
            pass
    assert str(state_dir(tmp_path)) in str(info.value)
    assert stat.S_IMODE(state_dir(tmp_path).stat().st_mode) == mode   # not silently fixed
    assert os.listdir(state_dir(tmp_path)) == []


def test_a_store_directory_owned_by_another_user_is_refused(tmp_path, store):
    state_dir(tmp_path).mkdir(parents=True, mode=0o700)
    os.chown(state_dir(tmp_path), 4242, 4242)
    with pytest.raises(StoreError, match='owned by uid 4242'):
        with store.locked():
            pass
    assert os.listdir(state_dir(tmp_path)) == []


def test_a_document_planted_by_another_user_is_refused(tmp_path, store):
    declare_veth1(store)
    os.chown(state_dir(tmp_path) / 'qlgc.json', 4242, 4242)
    with store.locked(exclusive=False):
        with pytest.raises(StoreError, match='qlgc.json is owned by uid 4242'):
            store.load('qlgc')


def test_a_group_writable_document_is_refused(tmp_path, store):
    declare_veth1(store)
    os.chmod(state_dir(tmp_path) / 'qlgc.json', 0o664)
    with store.locked(exclusive=False):
        with pytest.raises(StoreError, match='qlgc.json is writable by group or others'):
            store.load('qlgc')


def test_a_symlinked_document_is_never_read_through(tmp_path, store):
    secret = tmp_path / 'secret.json'
    secret.write_text('{"format": "iofabric.core/state"}')
    with store.locked():
        pass
    (state_dir(tmp_path) / 'fcoe.json').symlink_to(secret)
    with store.locked(exclusive=False):
        with pytest.raises(StoreError, match='fcoe.json is a symlink'):
            store.load('fcoe')


def test_a_symlinked_lock_holder_never_truncates_its_target(tmp_path, store):
    victim = tmp_path / 'victim'
    victim.write_text('precious')
    state_dir(tmp_path).mkdir(parents=True, mode=0o700)
    (state_dir(tmp_path) / 'lock.holder').symlink_to(victim)
    with pytest.raises(StoreError, match='lock.holder is a symlink'):
        with store.locked():
            pass
    assert victim.read_text() == 'precious'


# -- bounded input -------------------------------------------------------------------------------

def test_a_deeply_nested_document_is_reported_not_a_recursion_error(tmp_path, store):
    declare_veth1(store)
    path = state_dir(tmp_path) / 'qlgc.json'
    path.write_text('[' * 200000 + ']' * 200000)
    with store.locked(exclusive=False):
        doc = store.load('qlgc')
    assert doc.objects == {}
    assert 'nested too deeply' in store.warnings[0] and str(path) in store.warnings[0]


def test_nesting_that_parses_is_still_bounded(tmp_path, store):
    declare_veth1(store)
    path = state_dir(tmp_path) / 'qlgc.json'
    deep = {'type': 'qlgc', 'name': 'veth1'}
    for _level in range(40):
        deep = {'x': deep}
    path.write_text(json.dumps({'format': 'iofabric.core/state', 'version': 1, 'kind': 'qlgc', 'objects': {'v': {'spec': deep}},
                                'observations': {}}))
    with store.locked(exclusive=False):
        assert store.load('qlgc').objects == {}
    assert 'nested deeper than 32 levels' in store.warnings[0]


def test_an_oversized_document_is_reported(tmp_path, store, monkeypatch):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state import store as _store
    monkeypatch.setattr(_store, 'MAX_DOCUMENT_BYTES', 1000)
    declare_veth1(store)
    (state_dir(tmp_path) / 'qlgc.json').write_text(' ' * 1001 + '{}')
    with store.locked(exclusive=False):
        assert store.load('qlgc').objects == {}
    assert 'larger than 1000 bytes' in store.warnings[0]


# -- check mode and readers change nothing (issue 21) -----------------------------------------------

def snapshot(directory) -> dict:
    return {name: (directory / name).read_bytes() for name in sorted(os.listdir(directory))
            if (directory / name).is_file() and name != 'lock.holder'}


@pytest.mark.parametrize('content', ['{not json', '{"format": "other"}', '[' * 5000])
def test_a_shared_hold_never_moves_a_corrupt_document_aside(tmp_path, store, content):
    declare_veth1(store)
    (state_dir(tmp_path) / 'qlgc.json').write_text(content)
    before = snapshot(state_dir(tmp_path))
    with store.locked(exclusive=False):
        assert store.load('qlgc').objects == {}
    assert snapshot(state_dir(tmp_path)) == before
    assert 'left in place' in store.warnings[0]


# -- the lock a store takes, and the temp files it sweeps ------------------------------------------

HOLD_SHARED = r'''
import sys, time
sys.path[:0] = sys.argv[2].split(":")
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import HostLock
HostLock(sys.argv[1], "reader", 1).acquire(False)
print("locked", flush=True)
time.sleep(60)
'''


def test_a_shared_lock_held_by_another_process_makes_an_apply_wait(tmp_path, store):
    with store.locked():
        pass
    proc = subprocess.Popen([sys.executable, '-c', HOLD_SHARED, str(state_dir(tmp_path)), ':'.join(sys.path)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == 'locked'
        from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import LockTimeout
        with pytest.raises(LockTimeout):
            with store.locked():
                pass
        with store.locked(exclusive=False):   # readers share it
            pass
    finally:
        proc.kill()
        proc.wait()


def test_an_exclusive_hold_sweeps_temp_files_a_killed_writer_left(tmp_path, store):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.atomic import TEMP_SUFFIX
    declare_veth1(store)
    stale = state_dir(tmp_path) / ('.qlgc.json.dead' + TEMP_SUFFIX)
    stale.write_text('half a document')
    with store.locked(exclusive=False):
        pass
    assert stale.exists()       # a reader never deletes: a writer may be mid-write
    with store.locked():
        pass
    assert not stale.exists()


def test_an_exclusive_hold_sweeps_the_config_writers_temp_files_too(tmp_path, store):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.atomic import TEMP_SUFFIX
    cfg_dir = tmp_path / 'etc' / 'infiniband'
    cfg_dir.mkdir(parents=True)
    stale = cfg_dir / ('.qlgc_vnic.cfg.dead' + TEMP_SUFFIX)
    stale.write_text('half a cfg')
    (cfg_dir / 'qlgc_vnic.cfg').write_text('# kept\n')
    with store.locked():
        pass
    assert os.listdir(cfg_dir) == ['qlgc_vnic.cfg']


def test_a_reader_without_the_lock_checks_the_directory_too(tmp_path, store):
    """The watch service loads documents without the lock: an untrusted store is refused there as well."""
    assert store.load('qlgc').objects == {}          # no store yet: nothing declared
    declare_veth1(store)
    os.chmod(state_dir(tmp_path), 0o777)
    with pytest.raises(StoreError, match='writable by group or others'):
        StateStore(Sysroot(str(tmp_path)), owner='watch').load('qlgc')
