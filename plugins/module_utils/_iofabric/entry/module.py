# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' entry point: AnsibleModule, guarded, and the engine's errors turned into results.

PRIVATE to the collection. The one module_utils file that imports ansible: the modules use
it, the engine and the reconciler never do.
"""

from __future__ import annotations

import importlib.util
import re

from ansible.module_utils import basic
from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.validation import check_type_dict

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.argshape import shape_problem
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.lean import lean
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, NetlinkUnavailable
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.netlink import HAS_PYROUTE2

# The oldest versions that work, as requirements.txt at the collection's root declares them (it says
# why); roles/reconciler/vars/main.yml holds the same, and a unit test keeps the three together.
MINIMUM_VERSIONS = {
    'pyroute2': ('0.9.1', 'for rtnetlink in a network namespace (IPRoute(netns=...))'),
    'jsonschema': ('4.10.3', 'for the state store'),
}


def version_tuple(text: str) -> tuple:
    """The leading release numbers of a version string: '0.7.2' -> (0, 7, 2), '0.9.1.post1' -> (0, 9, 1)."""
    match = re.match(r'\d+(\.\d+)*', text.strip())
    return tuple(int(part) for part in match.group(0).split('.')) if match else ()


def installed_version(name: str) -> str | None:
    """The version of an importable library, from its distribution metadata; None if absent or unknown."""
    if importlib.util.find_spec(name) is None:
        return None
    from importlib import metadata  # pylint: disable=import-outside-toplevel
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def too_old() -> list:
    """[(library, installed, minimum, what for)] for every installed library older than its minimum."""
    found = []
    for name, (minimum, purpose) in MINIMUM_VERSIONS.items():
        version = installed_version(name)
        if version is not None and version_tuple(version) < version_tuple(minimum):
            found.append((name, version, minimum, purpose))
    return found


def require_versions(module: basic.AnsibleModule) -> None:
    """Fail with Ansible's missing-library message (it names the host and its interpreter) when an
    installed library is too old: an old one fails later in ways that do not say why."""
    for name, version, minimum, purpose in too_old():
        module.fail_json(msg=missing_required_lib('%s>=%s' % (name, minimum), reason='%s; %s %s is installed' % (
            purpose, name, version)))


def new_module(argument_spec: dict, **kwargs) -> basic.AnsibleModule:
    """AnsibleModule, after checking that dict options hold dicts (ansible-core crashes otherwise)."""
    params = basic._load_params()  # pylint: disable=protected-access
    # Always a dict when Ansible runs the module; anything else (a documentation tool's stub) is
    # left to AnsibleModule.
    problem = shape_problem(argument_spec, params, to_dict=check_type_dict) if isinstance(params, dict) else ''
    if problem:
        # Accept every top-level option as it is, only to fail through Ansible's own path.
        shallow = {name: {'type': 'raw', 'no_log': bool(spec.get('no_log'))} for name, spec in argument_spec.items()}
        basic.AnsibleModule(argument_spec=shallow, supports_check_mode=True).fail_json(msg=problem)
    module = basic.AnsibleModule(argument_spec=argument_spec, **kwargs)
    require_versions(module)
    return module


# The network resource modules' states: what each needs, and one source of configuration at a time.
RESOURCE_RULES = {
    'required_if': (
        ('state', 'merged', ('config',)),
        ('state', 'replaced', ('config',)),
        ('state', 'rendered', ('config',)),
        ('state', 'parsed', ('running_config',)),
    ),
    'mutually_exclusive': (('config', 'running_config'),),
}
# States that neither read nor change the host: they need none of its libraries.
OFFLINE_STATES = ('rendered', 'parsed')


def new_resource_module(argument_spec: dict, libraries: dict) -> basic.AnsibleModule:
    """An AnsibleModule with the resource modules' states (check mode supported); a state that
    touches the host fails with Ansible's missing-library message when a library it needs is absent
    (``libraries``: name -> whether it imported)."""
    module = new_module(argument_spec=argument_spec, supports_check_mode=True,
                        **{name: [list(rule) for rule in rules] for name, rules in RESOURCE_RULES.items()})
    if module.params['state'] not in OFFLINE_STATES:
        require_libraries(module, libraries)
    return module


def require_libraries(module: basic.AnsibleModule, libraries: dict) -> None:
    """Fail naming the first library (name -> whether it imported) that is absent."""
    for name, present in libraries.items():
        if not present:
            module.fail_json(msg=missing_required_lib(name))


def run_engine(module: basic.AnsibleModule, call, what: str, fail_on_failures: bool = True) -> None:
    """Run the engine; an engine error, or any per-object failure, fails the task with the whole result."""
    try:
        result = call()
    except NetlinkUnavailable as exc:
        if not HAS_PYROUTE2:
            minimum, purpose = MINIMUM_VERSIONS['pyroute2']
            module.fail_json(msg=missing_required_lib('pyroute2>=%s' % minimum, reason='%s: %s' % (purpose, exc)))
        module.fail_json(msg=str(exc), **exc.details())
    except IofabricError as exc:
        module.fail_json(msg=str(exc), **exc.details())
    # exit_json(warnings=...) is deprecated in ansible-core 2.19 (removed in 2.23): module.warn() instead.
    for warning in result.pop('warnings', None) or []:
        module.warn(str(warning))
    result = lean(result, bool(getattr(module, '_diff', False)))
    failures = result.get('failures') or []
    if failures and fail_on_failures:
        module.fail_json(msg='%d %s failed: %s' % (len(failures), what, '; '.join(
            '%s: %s' % (item.get('label') or item['object'], item['error']) for item in failures)), **result)
    module.exit_json(**result)
