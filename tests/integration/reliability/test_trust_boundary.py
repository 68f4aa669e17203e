"""The trust boundary through the modules (issue 16) and check mode writing nothing (issue 21), with
ansible-playbook against fabricsim. The unit tests of _store/_lock/_cfgfile cover each refusal in detail;
these show that a module run reports it and that nothing outside the root is read, shown or copied."""

import hashlib
import os
import stat

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
VNIC = {'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1}}
CFG = '/etc/infiniband/qlgc_vnic.cfg'
STORE = '/var/lib/iofabric'
LATIN1 = '# Réseau géré à la main\r\n'.encode('latin-1')
KEPT = b'{CREATE; NAME="eioc9";\r\n\tPRIMARY={ IOCGUID=0x00066a0130000009; INSTANCE=7; PORT=2; }\r\n}\r\n'


def vnic(config=(VNIC,), name='vnics', **options):
    return {'name': name, 'iofabric.core.vnic_interface': dict({'state': 'merged', 'config': list(config)}, **options),
            'register': 'out', 'ignore_errors': True}


def fcoe(interface='eth1', name='fcoe'):
    return {'name': name, 'iofabric.core.fcoe_interface': {'config': [{'interface': interface}], 'dcb_timeout': 0.5},
            'register': 'out', 'ignore_errors': True}


def tree_digest(directory: str) -> dict:
    out = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isfile(path) and name != 'lock.holder':
            with open(path, 'rb') as handle:
                out[name] = hashlib.sha256(handle.read()).hexdigest()
    return out


def test_a_crlf_latin1_0640_qlgc_cfg_keeps_every_unmanaged_byte(sim, playbook):
    path = sim.path(CFG)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as handle:
        handle.write(LATIN1 + KEPT)
    os.chown(path, 0, 4343)
    os.chmod(path, 0o640)
    run = playbook.run([vnic()], sim=sim, diff=True)
    assert run.rc == 0 and run.status('vnics') == 'ok', run.stdout
    with open(path, 'rb') as handle:
        raw = handle.read()
    assert raw.startswith(LATIN1 + KEPT) and b'NAME="veth1"' in raw
    assert raw.count(b'\n') == raw.count(b'\r\n')
    status = os.stat(path)
    assert (stat.S_IMODE(status.st_mode), status.st_gid) == (0o640, 4343)


def test_an_fcoe_cfg_symlinked_out_of_the_root_is_refused_and_never_shown(sim, playbook, tmp_path):
    secret = tmp_path / 'shadow'
    secret.write_text('FCOE_ENABLE="yes"\n# SECRET-HASH-1234\n')
    link = sim.path('/etc/fcoe/cfg-eth1')
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(str(secret), link)
    run = playbook.run([fcoe()], sim=sim, diff=True)
    result = run.task('fcoe')
    assert run.status('fcoe') == 'failed' and 'outside the sysroot' in result['msg'], run.stdout
    assert 'SECRET-HASH' not in run.stdout and 'SECRET-HASH' not in str(result)
    assert secret.read_text() == 'FCOE_ENABLE="yes"\n# SECRET-HASH-1234\n'
    assert os.path.islink(link)


def test_a_world_writable_store_is_refused_naming_the_path(sim, playbook):
    directory = sim.path(STORE)
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o777)
    writes = sim.write_count()
    run = playbook.run([vnic()], sim=sim)
    result = run.task('vnics')
    assert run.status('vnics') == 'failed' and 'writable by group or others' in result['msg'], run.stdout
    assert 'var/lib/iofabric' in result['msg']
    assert sim.write_count() == writes                       # nothing on the host changed
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o777  # refused, not silently fixed


def test_check_mode_and_fabric_info_leave_a_corrupt_store_byte_for_byte(sim, playbook):
    assert playbook.run([vnic()], sim=sim).rc == 0
    with open(sim.path(STORE + '/qlgc.json'), 'w', encoding='utf-8') as handle:
        handle.write('{"format": "iofabric.core/state", "objects": ')   # torn by hand
    before = tree_digest(sim.path(STORE))
    run = playbook.run([vnic()], sim=sim, check=True)
    assert 'left in place' in str(run.task('vnics').get('warnings')), run.stdout
    assert tree_digest(sim.path(STORE)) == before
    info = playbook.run([{'name': 'info', 'iofabric.core.fabric_info': {}, 'register': 'out'}], sim=sim)
    assert info.rc == 0, info.stdout
    assert tree_digest(sim.path(STORE)) == before
