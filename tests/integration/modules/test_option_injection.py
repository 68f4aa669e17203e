"""An interface name beginning with '-' never reaches a tool's argv: every module refuses it, naming
the field, before anything on the host changes (zero sysfs writes, no file under the root changes)."""

import os

import pytest

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
CASES = [
    # (module, arguments, the field the message must name)
    ('fcoe_interface', {'config': [{'interface': '-x'}]}, 'config[0].interface'),
    ('fcoe_interface', {'config': [{'interface': '-r'}]}, 'config[0].interface'),  # dcbtool's raw option
    ('vnic_interface', {'config': [{'type': 'qlgc', 'name': '-x', 'primary': {'ioc_string': S1, 'port': 1}}]},
     'config[0].name'),
    ('vnic_interface', {'config': [{'type': 'macvlan', 'name': 'vnic9', 'lower': '--help'}]}, 'config[0].lower'),
    ('vnic_interface', {'config': [{'type': 'macvlan', 'name': '-x', 'lower': 'eth1'}]}, 'config[0].name'),
    ('eoib_gc', {'parents': ['-x']}, 'parents[0]'),
]


def tree(root: str) -> dict:
    found = {}
    for top in ('etc', 'var', 'usr/local'):
        for directory, _dirs, files in os.walk(os.path.join(root, top)):
            for name in files:
                info = os.lstat(os.path.join(directory, name))
                found[os.path.relpath(os.path.join(directory, name), root)] = (info.st_size, info.st_mtime_ns)
    return found


@pytest.mark.parametrize('module, args, field', CASES, ids=['%s-%s' % (m, f) for m, _a, f in CASES])
def test_a_name_beginning_with_a_dash_is_refused_naming_the_field_before_any_change(sim, playbook, module, args, field):
    writes, files = sim.write_count(), tree(sim.root)
    run = playbook.run([{'name': 'case', 'iofabric.core.%s' % module: args, 'ignore_errors': True}], sim=sim)
    result = [item for item in run.results if item['task'] == 'case'][0]
    message = str(result['result'].get('msg', ''))
    assert result['status'] == 'failed', run.stdout
    assert field in message and 'begins with "-"' in message, message
    assert sim.write_count() == writes and tree(sim.root) == files
