"""The stand-in tools: the C client and the Python fallback give the same answers, byte for byte."""

import os
import shutil
import subprocess

from fabricsim import control, toolshim


def python_stand_in(sim, tmp_path, tool: str) -> str:
    path = str(tmp_path / tool)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(toolshim.TEMPLATE.format(python=toolshim.stand_in_python(), tool=tool,
                                              socket=control.socket_path(sim.root)))
    os.chmod(path, 0o755)
    return path


def run(argv: list) -> tuple:
    proc = subprocess.run(argv, capture_output=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def test_the_installed_tools_are_the_compiled_client(sim):
    with open(sim.path('/usr/sbin/dcbtool'), 'rb') as handle:
        assert handle.read(4) == b'\x7fELF'


def test_c_and_python_stand_ins_answer_alike(sim, tmp_path):
    cases = [('ib_qlgc_vnic_query', ['-es']), ('ib_qlgc_vnic_query', ['-L']), ('dcbtool', ['gc', 'eth1', 'dcb']),
             ('dcbtool', ['gc', 'eth3', 'pfc']), ('dcbtool', ['go', 'eth1', 'app:fcoe']),
             ('dcbtool', ['gc', 'eth1 with space', 'dcb']), ('dcbtool', ['gc', 'eth\u00e9', 'dcb']),
             ('dcbtool', ['gc', 'line\nbreak', ''])]
    for tool, args in cases:
        assert run([sim.path('/usr/sbin/' + tool)] + args) == run([python_stand_in(sim, tmp_path, tool)] + args), \
            (tool, args)


def test_tool_faults_pass_through_both(sim, tmp_path):
    sim.fault(kind='tool', target='dcbtool', mode='rc', value=3)
    c = run([sim.path('/usr/sbin/dcbtool'), 'gc', 'eth1', 'dcb'])
    assert c[0] == 3 and c == run([python_stand_in(sim, tmp_path, 'dcbtool'), 'gc', 'eth1', 'dcb'])
    sim.clear_faults()
    sim.fault(kind='tool', target='dcbtool', mode='garbage', value=0, count=1)
    rc, out, _err = run([sim.path('/usr/sbin/dcbtool'), 'gc', 'eth1', 'dcb'])
    assert rc == 0 and b'Segmentation fault?' in out


def test_without_a_daemon_it_says_so_and_exits_127(tmp_path):
    binary = toolshim.compiled()
    sbin = tmp_path / 'usr' / 'sbin'
    sbin.mkdir(parents=True)
    shutil.copyfile(binary, sbin / 'dcbtool')
    os.chmod(sbin / 'dcbtool', 0o755)
    rc, out, err = run([str(sbin / 'dcbtool'), 'gc', 'eth1', 'dcb'])
    assert (rc, out) == (127, b'') and err.startswith(b'dcbtool: fabricsim is not running')
