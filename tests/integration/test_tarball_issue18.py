"""Issue 18 ("what a new user hits"), point by point, against the collection as a user gets it: built with
`ansible-galaxy collection build` and installed from that tarball into a collections path of its own, never the
checkout. Ansible is pointed at that path only (no scan of sys.path), and the reconciler's engine is imported
from it, so a file left out of the tarball or a packaging mistake fails here.

The build and install happen once per test session (tests/lib/tarball.py, shared with test_collection_*.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from tests.lib.ansible_run import VENV_BIN, PlaybookRunner
from tests.lib.tarball import built_collection, installed_env

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
LATE = 'EVIC in Chassis 0x00066a00db00001f, Slot 2, Ioc 1'
GOOD = {'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1}}
PORT_TYPO = {'type': 'qlgc', 'name': 'veth9', 'primary': {'ioc_string': S1, 'hca': 'mlx4_0', 'port': 3, 'instance': 1}}
MODULES = ('vnic_interface', 'fcoe_interface', 'sdi_device', 'eoib_gc', 'fabric_info', 'drift_report')
RESOURCE_MODULES = ('vnic_interface', 'fcoe_interface', 'sdi_device', 'eoib_gc')


@pytest.fixture(scope='module')
def installed(tmp_path_factory) -> str:
    _tarball, collections = built_collection(tmp_path_factory)
    listing = subprocess.run([os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'list', 'iofabric.core'],
                             capture_output=True, text=True, env=installed_env(collections), check=False, timeout=120)
    # The only iofabric.core Ansible can see is the installed one.
    assert listing.stdout.count('iofabric.core') == 1 and collections in listing.stdout, listing.stdout + listing.stderr
    return collections


class InstalledRunner(PlaybookRunner):
    """The tests' playbook runner, with Ansible seeing only the installed collection."""

    def __init__(self, tmp_path, collections: str):
        super().__init__(tmp_path)
        self.collections = collections

    def environment(self, record: str) -> dict:
        env = super().environment(record)
        env.update(installed_env(self.collections, XDG_CACHE_HOME=os.path.join(self.tmp, 'cache')))
        return env


@pytest.fixture
def user(installed, tmp_path) -> InstalledRunner:
    return InstalledRunner(tmp_path, installed)


def vnic(config, state='merged', name='vnics'):
    return {'name': name, 'iofabric.core.vnic_interface': {'state': state, 'config': config},
            'register': 'out', 'ignore_errors': True}


def stored(sim, kind) -> set:
    path = sim.path('/var/lib/iofabric/%s.json' % kind)
    return set(sim.store(kind)['objects']) if os.path.exists(path) else set()


def reconcile(collections: str, sim, *args: str) -> tuple:
    """iofabric-reconcile's main, imported from the installed collection: (exit code, JSON report)."""
    code = ('import sys; sys.path.insert(0, sys.argv.pop(1)); '
            'from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler import cli; '
            'assert cli.__file__.startswith(sys.path[0]), cli.__file__; sys.exit(cli.main(sys.argv[1:]))')
    proc = subprocess.run([sys.executable, '-c', code, collections, '--sysroot', sim.root, '--netns', sim.netns,
                           '--json'] + list(args), capture_output=True, text=True, env=installed_env(collections),
                          check=False, timeout=300, cwd=sim.root)
    return proc.returncode, json.loads(proc.stdout)


def docs(collections: str) -> dict:
    proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-doc'), '--json'] + ['iofabric.core.' + m for m in MODULES],
                          capture_output=True, text=True, env=installed_env(collections), check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return {name.split('.')[-1]: data for name, data in json.loads(proc.stdout).items()}


# -- 1. a failed declaration can be undone and never stops the others -----------------------------------------

def test_18_1_a_failed_declaration_is_visible_removable_and_never_stops_its_kind_in_a_pass(sim, user, installed):
    run = user.run([vnic([GOOD, PORT_TYPO])], sim=sim)
    result = run.task('vnics')
    assert [failure['object'] for failure in result['failures']] == ['veth9'], run.stdout[-3000:]
    assert stored(sim, 'qlgc') == {'veth1', 'veth9'}                            # what the failed task recorded ...
    info = user.run([{'name': 'info', 'iofabric.core.fabric_info': {}, 'register': 'out'}], sim=sim).task('info')
    rows = {(row['kind'], row['object']): row['status'] for row in info['objects']}
    assert rows[('qlgc', 'veth9')] == 'failed' and rows[('qlgc', 'veth1')] == 'in_sync'   # ... is visible
    # A reconciler pass with the bad recorded object still handles the good one of the same kind.
    code, report = reconcile(installed, sim, '--check', '--kinds', 'qlgc')
    qlgc = report['kinds']['qlgc']
    assert 'error' not in qlgc, qlgc
    assert {row['object']: row['status'] for row in qlgc['objects']} == {'veth1': 'in_sync', 'veth9': 'failed'}
    assert code != 0    # the failure is reported, per object
    run = user.run([vnic([{'type': 'qlgc', 'name': 'veth9'}], state='deleted')], sim=sim)
    assert run.status('vnics') == 'ok' and run.task('vnics')['changed'] is True, run.stdout[-3000:]
    assert stored(sim, 'qlgc') == {'veth1'}


# -- 2. and 3. shipped playbooks hold no host data; reports go to a directory the user owns ---------------------

def user_inventory(tmp_path, sim, declaration: dict) -> str:
    os.makedirs(os.path.join(str(tmp_path), 'inv', 'group_vars'))
    with open(os.path.join(str(tmp_path), 'inv', 'group_vars', 'iofabric_hosts.yml'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump(declaration, handle)
    with open(os.path.join(str(tmp_path), 'inv', 'hosts.yml'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump({'iofabric_hosts': {'hosts': {'host1': {
            'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}',
            'fabric_sysroot': sim.root, 'fabric_netns': sim.netns}}}}, handle)
    return os.path.join(str(tmp_path), 'inv')


def test_18_2_3_the_shipped_playbooks_act_only_on_the_users_inventory_and_report_into_the_users_cache(
        sim, user, installed, tmp_path):
    shipped = os.path.join(installed, 'ansible_collections', 'iofabric', 'core', 'playbooks')
    assert not any(name in ('group_vars', 'host_vars') for _dir, dirs, _files in os.walk(shipped) for name in dirs)
    mine = {'fabric_vnics': [{'type': 'macvlan', 'name': 'mine0', 'lower': 'eth3', 'mac': '02:1b:21:00:0b:01'}]}
    inventory = user_inventory(tmp_path, sim, mine)
    report = user.run_file('iofabric.core.drift_report', inventory=inventory)
    assert report.rc == 0, report.stdout[-3000:] + report.stderr[-3000:]
    dest = os.path.join(user.tmp, 'cache', 'iofabric', 'reports')
    assert 'written to %s' % dest in report.stdout
    with open(os.path.join(dest, 'drift-report.json'), encoding='utf-8') as handle:
        data = json.load(handle)
    assert [(row['kind'], row['object']) for row in data['hosts']['host1']['objects']] == [('macvlan', 'mine0')]
    assert not os.path.exists(os.path.join(shipped, 'reports'))
    writes = sim.write_count()
    site = user.run_file('iofabric.core.site', inventory=inventory)
    assert site.rc == 0 and site.recap['changed'] >= 1, site.stdout[-3000:]
    # Only what the inventory declares: the one macvlan, nothing of the demo's (no VNIC cfg, no FCoE, no LUN).
    assert stored(sim, 'macvlan') and all(not stored(sim, kind) for kind in ('qlgc', 'fcoe', 'sdi'))
    assert not os.path.exists(sim.path('/etc/infiniband/qlgc_vnic.cfg')) and not os.path.exists(sim.path('/etc/fcoe'))
    assert sim.write_count() == writes     # no sysfs write: the macvlan is made over rtnetlink, nothing else is touched


# -- 4. dependencies: test_collection_installed.py (pyroute2 check on the installed modules and the role) and
#       test_collection_ee.py (requirements.txt, bindep.txt, meta/execution-environment.yml through ansible-builder)

def test_18_4_the_requirement_files_ship_in_the_tarball(installed):
    root = os.path.join(installed, 'ansible_collections', 'iofabric', 'core')
    with open(os.path.join(root, 'meta', 'execution-environment.yml'), encoding='utf-8') as handle:
        ee = yaml.safe_load(handle)
    assert ee['dependencies']['python'] == 'requirements.txt' and ee['dependencies']['system'] == 'bindep.txt'
    with open(os.path.join(root, 'requirements.txt'), encoding='utf-8') as handle:
        assert re.search(r'^pyroute2>=0\.9\.1', handle.read(), re.M)
    assert os.path.exists(os.path.join(root, 'bindep.txt'))


# -- 5. typos that succeed ------------------------------------------------------------------------------------

def test_18_5_an_ioc_string_typo_stays_pending_with_a_warning_naming_the_field_and_the_near_match(sim, user):
    typo = S1.replace('Slot 1', 'slot  1')
    run = user.run([vnic([GOOD, {'type': 'qlgc', 'name': 'veth2', 'primary': {'ioc_string': typo, 'port': 1}},
                          {'type': 'qlgc', 'name': 'veth3', 'primary': {'ioc_string': LATE, 'port': 1}}])], sim=sim)
    result = run.task('vnics')
    assert run.status('vnics') == 'ok', run.stdout[-3000:]
    assert [(item['object'], item['waiting_for']) for item in result['pending']] == [('veth2', 'ioc'), ('veth3', 'ioc')]
    shown = ' '.join((run.stdout + run.stderr).split())      # the default output, as the user reads it
    expected = ('config[1].primary.ioc_string: veth2 primary path: IOC "%s" is not visible on mlx4_0:1, but "%s" '
                '(differs in case or whitespace) is: a typo?' % (typo, S1))
    assert ' '.join(expected.split()) in shown, shown[-3000:]
    # A late IOC (another chassis: not a near match of anything visible) says what it waits for, nothing more.
    assert 'config[2].primary: veth3 primary path: IOC "%s" is not visible on mlx4_0:1 yet' % LATE in shown
    assert 'deprecat' not in shown.lower()      # warnings through module.warn(), not exit_json(warnings=)
    # Never connected to the near IOC: veth2 holds no IOC GUID.
    state = sim.read('/sys/class/infiniband_qlgc_vnic/interfaces/veth2/primary_path/ioc_guid')
    assert int(state, 16) == 0


def test_18_5_an_fcoe_interface_that_cannot_appear_fails_before_anything_changes(sim, user):
    writes = sim.write_count()
    run = user.run([{'name': 'fcoe', 'iofabric.core.fcoe_interface': {'config': [{'interface': 'eth9'}]},
                     'ignore_errors': True}], sim=sim)
    assert run.status('fcoe') == 'failed' and run.task('fcoe')['msg'].startswith('config[0].interface: eth9 does not exist')
    assert sim.write_count() == writes and not os.path.exists(sim.path('/etc/fcoe'))


# -- 6. an ad-hoc eoib_gc run changes only what it names --------------------------------------------------------

def test_18_6_an_eoib_gc_run_keeps_the_other_declared_parents(sim, user):
    for parent in ('eth4', 'eth5'):
        run = user.run([{'name': 'gc', 'iofabric.core.eoib_gc': {'parents': [parent], 'confirm_timeout': 3}}], sim=sim)
        assert run.status('gc') == 'ok', run.stdout[-3000:]
    assert {'eth4', 'eth5'} <= stored(sim, 'eoib')


# -- 7. fabric_info and iofabric-reconcile --check agree ---------------------------------------------------------

def test_18_7_fabric_info_and_a_check_pass_of_the_installed_engine_agree(sim, user, installed):
    declare = [vnic([GOOD, {'type': 'qlgc', 'name': 'veth2', 'primary': {'ioc_string': LATE, 'port': 1}}]),
               {'name': 'luns', 'iofabric.core.sdi_device': {'config': [
                   {'address': '1:0:3:0'}, {'address': '1:0:3:1', 'wwid': 'naa.600a0980383044375200000000000000'},
                   {'address': '1:0:9:0'}]}, 'ignore_errors': True}]
    user.run(declare, sim=sim)
    info = user.run([{'name': 'info', 'iofabric.core.fabric_info': {}, 'register': 'out'}], sim=sim).task('info')
    _code, report = reconcile(installed, sim, '--check')
    check = {(kind, row['object']): row['status'] for kind, result in report['kinds'].items()
             for row in result.get('objects', [])}
    assert {(row['kind'], row['object']): row['status'] for row in info['objects']} == check
    assert check[('sdi', '1:0:3:1')] == 'failed' and check[('sdi', '1:0:9:0')] == 'pending'


# -- 8. the smaller points ---------------------------------------------------------------------------------------

def description(option: dict) -> str:
    text = option['description']
    return text if isinstance(text, str) else ' '.join(text)


def walk_options(options: dict, where: str):
    for name, option in (options or {}).items():
        yield '%s.%s' % (where, name), option
        yield from walk_options(option.get('suboptions'), '%s.%s' % (where, name))


def test_18_8_docs_return_objects_and_no_prose_default_beside_a_null_one(installed):
    found = docs(installed)
    for module in RESOURCE_MODULES:
        assert 'objects' in found[module]['return'], module
    assert 'commands' in found['vnic_interface']['return']['rendered']['contains']
    prose = re.compile(r'\bdefaults? (to|is)\b|\(the default\)', re.I)
    offending = [where for module, data in found.items()
                 for where, option in walk_options(data['doc']['options'], module)
                 if option.get('default') is None and prose.search(description(option))]
    assert offending == []


@pytest.mark.parametrize('module, kind_spec, fields', [
    ('vnic_interface', 'qlgc', ('heartbeat', 'rx_csum', 'tx_csum', 'ib_multicast')),
    ('vnic_interface', 'qlgc-path', ('pkey', 'instance')),
    ('vnic_interface', 'macvlan', ('mode',)),
    ('fcoe_interface', 'fcoe', ('enabled', 'dcb_required', 'auto_vlan', 'mode', 'fip_resp')),
])
def test_18_8_each_documented_value_when_not_given_is_the_one_the_engine_applies(installed, module, kind_spec, fields):
    # The engine's own defaults, imported from the installed collection.
    code = ('import json, sys; sys.path.insert(0, sys.argv[1]); '
            'from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import spec as q; '
            'from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.macvlan import spec as m; '
            'from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe import spec as f; '
            'print(json.dumps({"qlgc": q.IFACE_DEFAULTS, "qlgc-path": q.PATH_DEFAULTS, "macvlan": m.DEFAULTS, '
            '"fcoe": f.DEFAULTS}))')
    engine = json.loads(subprocess.run([sys.executable, '-c', code, installed], capture_output=True, text=True,
                                       env=installed_env(installed), check=True, timeout=60).stdout)[kind_spec]
    config = docs(installed)[module]['doc']['options']['config']['suboptions']
    options = config['primary']['suboptions'] if kind_spec == 'qlgc-path' else config
    for field in fields:
        text = description(options[field])
        documented = re.search(r'When not given, C\(([^)]*)\)', text)
        assert documented, (field, text)
        assert documented.group(1) == json.dumps(engine[field]).strip('"'), (field, text, engine[field])
        assert options[field].get('default') is None      # merged keeps what is live: no argument default


def test_18_8_metadata_role_readmes_and_messages(installed, user, tmp_path):
    root = os.path.join(installed, 'ansible_collections', 'iofabric', 'core')
    with open(os.path.join(root, 'MANIFEST.json'), encoding='utf-8') as handle:
        assert 'example.invalid' not in handle.read()
    for role in ('fabric', 'reconciler'):
        assert os.path.getsize(os.path.join(root, 'roles', role, 'README.md')) > 0
    bad_dgid = {'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_guid': '00066a01de000070', 'dgid': 'fe80', 'port': 1}}
    (tmp_path / 'host').mkdir()
    run = user.run([vnic([bad_dgid])], defaults={'sysroot': str(tmp_path / 'host')})
    message = run.task('vnics')['msg']
    assert message.startswith('config[0].primary.dgid') and '32 hex digits' in message, message
    assert os.listdir(str(tmp_path / 'host')) == []     # refused before anything on the host


def test_18_8_a_host_with_nothing_declared_is_nothing_declared(sim, user):
    info = user.run([{'name': 'info', 'iofabric.core.fabric_info': {}, 'register': 'out'}], sim=sim).task('info')
    assert info['status'] == 'nothing_declared'


def test_18_8_no_internal_id_leaks_into_the_message(sim, user):
    run = user.run([vnic([{'type': 'macvlan', 'lower': 'eth99'}])], sim=sim)
    message = run.task('vnics')['msg']
    assert 'unnamed macvlan #1 on eth99' in message and 'auto:' not in message, message
