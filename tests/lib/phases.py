"""Run a kind's phases by hand, as core/pipeline.py runs them, for the kinds' own unit tests."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.kind import PlanInput
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.resource import desired_objects


def fields(config: list) -> list:
    return ['config[%d]' % number for number in range(len(config))]


def planned(kind, document, config: list, state: str = 'merged'):
    """validate, read_live and plan, each given what the one before returned; returns (live, plan)."""
    items = kind.validate(config, state, fields(config))
    live = kind.read_live(document)
    want, deletes = desired_objects(state, items, live.objects, kind,
                                    merge=lambda spec, obj: kind.merge(spec, obj, live, document),
                                    in_scope=lambda object_id, obj: kind.in_scope(object_id, obj, live))
    return live, kind.plan(PlanInput(want, deletes, live, document, state))
