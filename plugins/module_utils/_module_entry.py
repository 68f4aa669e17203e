# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' entry point: AnsibleModule, guarded, and the engine's errors turned into results.

PRIVATE to the collection. The one module_utils file that imports ansible: the modules use
it, the engine and the reconciler never do.
"""

from __future__ import annotations

from ansible.module_utils import basic
from ansible.module_utils.common.validation import check_type_dict

from ansible_collections.iofabric.core.plugins.module_utils._argshape import shape_problem
from ansible_collections.iofabric.core.plugins.module_utils._errors import IofabricError


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
    return basic.AnsibleModule(argument_spec=argument_spec, **kwargs)


def run_engine(module: basic.AnsibleModule, call, what: str, fail_on_failures: bool = True) -> None:
    """Run the engine; an engine error, or any per-object failure, fails the task with the whole result."""
    try:
        result = call()
    except IofabricError as exc:
        module.fail_json(msg=str(exc), **exc.details())
    failures = result.get('failures') or []
    if failures and fail_on_failures:
        module.fail_json(msg='%d %s failed: %s' % (len(failures), what, '; '.join(
            '%s: %s' % (item['object'], item['error']) for item in failures)), **result)
    module.exit_json(**result)
