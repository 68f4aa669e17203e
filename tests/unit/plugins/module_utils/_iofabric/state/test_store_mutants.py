"""The store's promises no other test pinned (mutation testing, docs/mutation.md): what a user reads when
the state directory or a document cannot be created or read, the size and nesting bounds at their edges,
and the bytes of the document and of its seal on disk."""

import hashlib
import json
import os
import socket

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import StoreError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.schema import document_schema
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore

# The bounds as documented, written out here: a test that read them from the module would move with a mutant.
DOCUMENT_LIMIT = 32 * 1024 * 1024
NESTING_LIMIT = 32


@pytest.fixture
def store(tmp_path):
    return StateStore(Sysroot(str(tmp_path)), owner='test', lock_timeout=1)


def state_dir(tmp_path):
    return tmp_path / 'var' / 'lib' / 'iofabric'


def declare_veth1(store) -> None:
    with store.locked():
        doc = store.load('qlgc')
        doc.declare('veth1', {'type': 'qlgc', 'name': 'veth1'})
        store.save(doc)


# -- a state directory or document that cannot be created or read ----------------------------------

def test_a_state_directory_that_cannot_be_created_is_named_with_the_reason(tmp_path, store):
    (tmp_path / 'var').write_text('a file where a directory should be')
    with pytest.raises(StoreError) as info:
        with store.locked():
            pass
    assert str(info.value) == 'cannot create %s: Not a directory' % state_dir(tmp_path)


def test_a_state_directory_that_cannot_be_read_is_named_with_the_reason(tmp_path, store):
    (tmp_path / 'var').mkdir()
    (tmp_path / 'var' / 'lib').write_text('a file where a directory should be')
    with pytest.raises(StoreError) as info:
        with store.locked():
            pass
    assert str(info.value) == 'cannot read %s: Not a directory' % state_dir(tmp_path)
    # A reader without the lock (the watch service) gets the same message.
    with pytest.raises(StoreError) as info:
        store.load('qlgc')
    assert str(info.value) == 'cannot read %s: Not a directory' % state_dir(tmp_path)


def test_a_document_that_cannot_be_opened_is_named_with_the_reason(tmp_path, store, monkeypatch):
    with store.locked():
        pass
    monkeypatch.chdir(state_dir(tmp_path))   # a relative name: a socket's path is limited to 108 bytes
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind('qlgc.json')   # open(2) of a socket is ENXIO: an OSError that is not "no such file"
        with pytest.raises(StoreError) as info:
            with store.locked(exclusive=False):
                store.load('qlgc')
    finally:
        listener.close()
    assert str(info.value) == 'cannot read %s: No such device or address' % (state_dir(tmp_path) / 'qlgc.json')


# -- the size bound at its edge ----------------------------------------------------------------------

def document_of(size: int) -> bytes:
    """A valid qlgc document padded with trailing blanks to exactly `size` bytes: any prefix of it that
    keeps the closing brace parses, so a reader that read less than the whole file would accept it."""
    body = json.dumps({'format': 'iofabric.core/state', 'version': 1, 'kind': 'qlgc',
                       'objects': {'veth1': {'spec': {'type': 'qlgc', 'name': 'veth1'}}}, 'observations': {}}).encode()
    return body + b' ' * (size - len(body))


def test_a_document_of_exactly_32_mib_is_read(tmp_path, store):
    declare_veth1(store)
    (state_dir(tmp_path) / 'qlgc.json').write_bytes(document_of(DOCUMENT_LIMIT))
    with store.locked(exclusive=False):
        assert set(store.load('qlgc').objects) == {'veth1'}
    assert store.warnings == []


def test_a_document_one_byte_over_32_mib_is_refused_naming_the_bound(tmp_path, store):
    declare_veth1(store)
    (state_dir(tmp_path) / 'qlgc.json').write_bytes(document_of(DOCUMENT_LIMIT + 1))
    with store.locked(exclusive=False):
        assert store.load('qlgc').objects == {}
    assert len(store.warnings) == 1 and 'larger than 33554432 bytes' in store.warnings[0]


# -- the nesting bound at its edge -------------------------------------------------------------------

def nested_document(levels_below_top: int) -> str:
    """A valid qlgc document whose deepest container lies `levels_below_top` levels below the top object:
    the top, objects, the object, its spec (3 below the top), then a chain of objects in the spec."""
    chain: dict = {}
    for _level in range(levels_below_top - 4):
        chain = {'x': chain}
    spec = {'type': 'qlgc', 'name': 'veth1', 'x': chain}
    return json.dumps({'format': 'iofabric.core/state', 'version': 1, 'kind': 'qlgc', 'objects': {'veth1': {'spec': spec}},
                       'observations': {}})


def depth(value) -> int:
    """Levels of containers below the top one (0 for a flat object), counted independently of the store."""
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return max((1 + depth(child) for child in children if isinstance(child, (dict, list))), default=0)


def test_a_document_nested_exactly_32_levels_is_read(tmp_path, store):
    declare_veth1(store)
    text = nested_document(NESTING_LIMIT)
    assert depth(json.loads(text)) == NESTING_LIMIT
    (state_dir(tmp_path) / 'qlgc.json').write_text(text)
    with store.locked(exclusive=False):
        assert set(store.load('qlgc').objects) == {'veth1'}
    assert store.warnings == []


def test_a_document_nested_33_levels_is_refused_naming_the_bound(tmp_path, store):
    declare_veth1(store)
    text = nested_document(NESTING_LIMIT + 1)
    assert depth(json.loads(text)) == NESTING_LIMIT + 1
    (state_dir(tmp_path) / 'qlgc.json').write_text(text)
    with store.locked(exclusive=False):
        assert store.load('qlgc').objects == {}
    assert len(store.warnings) == 1 and 'nested deeper than 32 levels' in store.warnings[0]


@pytest.mark.parametrize('top', ['[]', '{}', '"text"', '7'])
def test_a_flat_or_scalar_document_is_no_nesting_error(tmp_path, store, top):
    """Not a valid document (reported as corrupt), but never "nested too deeply"."""
    declare_veth1(store)
    (state_dir(tmp_path) / 'qlgc.json').write_text(top)
    with store.locked(exclusive=False):
        assert store.load('qlgc').objects == {}
    assert len(store.warnings) == 1 and 'nested' not in store.warnings[0] and 'left in place' in store.warnings[0]


# -- the bytes on disk --------------------------------------------------------------------------------

def test_a_document_is_written_as_sorted_json_indented_one_space_ending_in_a_newline(tmp_path, store):
    declare_veth1(store)
    raw = (state_dir(tmp_path) / 'qlgc.json').read_bytes()
    data = json.loads(raw)
    assert raw == json.dumps(data, indent=1, sort_keys=True).encode('utf-8') + b'\n'
    assert raw.startswith(b'{\n "format": ')


def test_the_seal_holds_the_documents_sha256_and_the_first_16_hex_digits_of_the_schemas(tmp_path, store):
    declare_veth1(store)
    raw = (state_dir(tmp_path) / 'qlgc.json').read_bytes()
    schema = json.dumps(document_schema('qlgc'), sort_keys=True).encode('utf-8')
    expected = 'sha256:%s schema:%s\n' % (hashlib.sha256(raw).hexdigest(), hashlib.sha256(schema).hexdigest()[:16])
    assert (state_dir(tmp_path) / 'qlgc.json.valid').read_text() == expected


def test_a_seal_written_in_that_format_spares_the_validation(tmp_path, store):
    """A seal in the documented format, made here, is trusted: a document the schema would refuse loads
    (the seal says these very bytes were validated), which shows the seal alone decided."""
    declare_veth1(store)
    path = state_dir(tmp_path) / 'qlgc.json'
    raw = json.dumps({'format': 'iofabric.core/state', 'version': 1, 'kind': 'qlgc', 'objects': {'veth1': {'spec': {'type': 'qlgc'}}},
                      'observations': {}}).encode()   # no 'name': invalid
    path.write_bytes(raw)
    schema = json.dumps(document_schema('qlgc'), sort_keys=True).encode('utf-8')
    (state_dir(tmp_path) / 'qlgc.json.valid').write_text(
        'sha256:%s schema:%s\n' % (hashlib.sha256(raw).hexdigest(), hashlib.sha256(schema).hexdigest()[:16]))
    os.chmod(state_dir(tmp_path) / 'qlgc.json.valid', 0o600)
    with store.locked(exclusive=False):
        assert set(store.load('qlgc').objects) == {'veth1'}
    assert store.warnings == []


# -- what a user reads ---------------------------------------------------------------------------------

def test_an_unknown_kind_is_named_in_the_error(store):
    with pytest.raises(StoreError) as info:
        store.load('nonsense')
    assert str(info.value) == "unknown store kind 'nonsense'"


@pytest.mark.parametrize('version', [0, -3])
def test_a_document_of_a_version_below_this_ones_is_corrupt_not_newer(tmp_path, store, version):
    """Only a version above this iofabric's is "written by a newer iofabric" (refused, untouched); a lower one
    is a document this store never wrote: invalid, reported like any other."""
    declare_veth1(store)
    (state_dir(tmp_path) / 'qlgc.json').write_text(json.dumps(
        {'format': 'iofabric.core/state', 'version': version, 'kind': 'qlgc', 'objects': {}, 'observations': {}}))
    with store.locked(exclusive=False):
        assert store.load('qlgc').objects == {}
    assert len(store.warnings) == 1 and 'left in place' in store.warnings[0] and 'is less than the minimum of 1' in store.warnings[0]


def test_the_reason_a_warning_quotes_is_cut_at_200_characters(tmp_path, store):
    declare_veth1(store)
    (state_dir(tmp_path) / 'qlgc.json').write_text(json.dumps(
        {'format': 'iofabric.core/state', 'version': 1, 'kind': 'qlgc', 'objects': 'x' * 300, 'observations': {}}))
    with store.locked(exclusive=False):
        assert store.load('qlgc').objects == {}
    # jsonschema's reason is "'xxx...' is not of type 'object'": its first 200 characters are the quote and 199 x.
    assert store.warnings == ['state store %s is unreadable (%s); left in place' % (state_dir(tmp_path) / 'qlgc.json', "'" + 'x' * 199)]


# -- the lock a store holds ------------------------------------------------------------------------------

def test_a_host_whose_var_lib_exists_gets_its_state_directory_created(tmp_path, store):
    (tmp_path / 'var' / 'lib').mkdir(parents=True)   # as on every real host
    with store.locked():
        pass
    assert state_dir(tmp_path).is_dir()


@pytest.mark.parametrize('outer, inner, allowed', [(True, True, True), (True, False, True), (False, False, True),
                                                   (False, True, False)])
def test_a_hold_inside_a_hold_is_refused_only_when_exclusive_inside_shared(store, outer, inner, allowed):
    with store.locked(exclusive=outer):
        if allowed:
            with store.locked(exclusive=inner):
                pass
        else:
            with pytest.raises(StoreError, match='an exclusive lock was asked for inside a shared one'):
                with store.locked(exclusive=inner):
                    pass
