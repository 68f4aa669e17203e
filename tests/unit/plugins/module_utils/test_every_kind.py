"""fabric_info's payload carries every kind the reconciler imports by name."""

import re
from pathlib import Path

from ansible_collections.iofabric.core.plugins.module_utils import _every_kind

MODULE_UTILS = Path(_every_kind.__file__).parent


def test_every_module_imported_by_name_is_bundled():
    named = set()
    for source in MODULE_UTILS.glob('*.py'):
        named |= set(re.findall(r"_engine\('(\w+)'\)", source.read_text(encoding='utf-8')))
    assert named and named <= set(_every_kind.MODULES)
    assert all(hasattr(_every_kind, name) for name in _every_kind.MODULES)


def test_the_fabric_info_module_imports_it_statically():
    module = (MODULE_UTILS.parent / 'modules' / 'fabric_info.py').read_text(encoding='utf-8')
    assert re.search(r'^from \S+module_utils import _every_kind\b', module, re.M)
