import json
import os
import stat
import subprocess
import sys

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._errors import StoreError
from ansible_collections.iofabric.core.plugins.module_utils._store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._sysroot import Sysroot


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
               'from ansible_collections.iofabric.core.plugins.module_utils._store import StateStore\n'
               'from ansible_collections.iofabric.core.plugins.module_utils._sysroot import Sysroot\n'
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
