"""The reconciler role installed into a directory (an image root): idempotent, check mode,
the watch service on and off, absent, the arguments it refuses, systemd-analyze verify of
the units, and the installed launcher running a pass against fabricsim.

The role under a running systemd is the systemd molecule scenario (a booted container)."""

import os
import shutil
import subprocess

import pytest

UNITS = '/etc/systemd/system'
LAUNCHER = '/usr/local/sbin/iofabric-reconcile'


def role_task(root, sim=None, **variables):
    values = {'reconciler_root': str(root), 'reconciler_python': '{{ ansible_playbook_python }}',
              'reconciler_dependencies': 'none', 'reconciler_sysroot': sim.root if sim else '/srv/fabric'}
    if sim is not None:
        values['reconciler_netns'] = sim.netns
    values.update(variables)
    return {'name': 'reconciler', 'ansible.builtin.include_role': {'name': 'iofabric.core.reconciler'},
            'vars': values}


def files(root):
    found = []
    for directory, _dirs, names in os.walk(root):
        found += [os.path.relpath(os.path.join(directory, name), root) for name in names]
    return sorted(found)


def test_install_is_idempotent_and_check_mode_writes_nothing(tmp_path, playbook):
    root = tmp_path / 'image'
    check = playbook.run([role_task(root)], check=True)
    assert check.rc == 0 and check.recap['changed'] > 0 and not (root / 'usr').exists(), check.stdout
    first = playbook.run([role_task(root)])
    assert first.rc == 0, first.stdout
    assert files(root) == ['etc/systemd/system/iofabric-reconcile.service', 'etc/systemd/system/iofabric-reconcile.timer',
                           'etc/systemd/system/timers.target.wants/iofabric-reconcile.timer',
                           'usr/local/lib/iofabric/engine.code', 'usr/local/lib/iofabric/engine.py',
                           'usr/local/lib/iofabric/reconciler.md',
                           'usr/local/sbin/iofabric-reconcile']
    assert os.readlink(root / 'etc/systemd/system/timers.target.wants/iofabric-reconcile.timer') == \
        '/etc/systemd/system/iofabric-reconcile.timer'
    assert playbook.run([role_task(root)]).recap['changed'] == 0
    assert playbook.run([role_task(root)], check=True).recap['changed'] == 0


def test_the_units_say_what_was_asked(tmp_path, playbook):
    root = tmp_path / 'image'
    run = playbook.run([role_task(root, reconciler_interval='90s', reconciler_boot_delay='10s',
                                  reconciler_randomized_delay='5s', reconciler_calendar='hourly',
                                  reconciler_kinds=['qlgc', 'eoib'], reconciler_netns='fsim-x',
                                  reconciler_sysroot='/srv/100%/fabric')])
    assert run.rc == 0, run.stdout
    timer = (root / 'etc/systemd/system/iofabric-reconcile.timer').read_text()
    for line in ('OnBootSec=10s', 'OnUnitActiveSec=90s', 'RandomizedDelaySec=5s', 'OnCalendar=hourly',
                 'Persistent=true', 'Unit=iofabric-reconcile.service', 'WantedBy=timers.target'):
        assert line + '\n' in timer, line
    service = (root / 'etc/systemd/system/iofabric-reconcile.service').read_text()
    assert ('ExecStart=/usr/local/sbin/iofabric-reconcile "--sysroot" "/srv/100%%/fabric" "--netns" "fsim-x" '
            '"--kinds" "qlgc,eoib" "--lock-timeout" "10"\n') in service
    assert 'SuccessExitStatus=1 2 3 4 5 6 7 16 17 18 19 20 21 22 23\n' in service
    assert 'MemoryMax=512M\n' in service and 'TasksMax=64\n' in service
    # A line without a priority prefix is a C library's (libxml's I/O warning): a warning, not info.
    assert 'SyslogLevel=warning\n' in service


def test_the_metrics_directory_reaches_both_units(tmp_path, playbook):
    root = tmp_path / 'image'
    run = playbook.run([role_task(root, reconciler_watch=True, reconciler_metrics_dir='/var/lib/prometheus/node-exporter',
                                  reconciler_memory_max='256M', reconciler_tasks_max=32)])
    assert run.rc == 0, run.stdout
    for unit in ('iofabric-reconcile.service', 'iofabric-reconcile-watch.service'):
        text = (root / 'etc/systemd/system' / unit).read_text()
        assert '"--metrics-dir" "/var/lib/prometheus/node-exporter"' in text, unit
        assert 'MemoryMax=256M\n' in text and 'TasksMax=32\n' in text, unit
        assert 'SyslogLevel=warning\n' in text, unit


def test_watch_on_then_off_then_absent_keeps_the_store(tmp_path, playbook):
    root = tmp_path / 'image'
    (root / 'var/lib/iofabric').mkdir(parents=True)
    (root / 'var/lib/iofabric/qlgc.json').write_text('{}')
    assert playbook.run([role_task(root, reconciler_watch=True)]).rc == 0
    watch = root / 'etc/systemd/system/iofabric-reconcile-watch.service'
    assert '--watch --interval 300 --poll 1' in watch.read_text() and 'Restart=on-failure' in watch.read_text()
    assert (root / 'etc/systemd/system/multi-user.target.wants/iofabric-reconcile-watch.service').is_symlink()
    assert playbook.run([role_task(root, reconciler_watch=False)]).rc == 0
    assert not watch.exists()
    assert not os.path.lexists(root / 'etc/systemd/system/multi-user.target.wants/iofabric-reconcile-watch.service')
    assert playbook.run([role_task(root, reconciler_state='absent')]).rc == 0
    assert files(root) == ['var/lib/iofabric/qlgc.json']


@pytest.mark.parametrize('variables, message', [
    ({'reconciler_kinds': ['qlgc', 'vlan']}, 'reconciler_kinds'),
    ({'reconciler_dependencies': 'packages'}, 'reconciler_dependencies: packages or pip install on the running system'),
    ({'reconciler_sysroot': 'relative'}, 'reconciler_sysroot: must be an absolute path'),
    ({'reconciler_netns': 'ns; reboot'}, 'reconciler_netns: must be empty or a plain network namespace name'),
    ({'reconciler_interval': '5min\nExecStartPre=/bin/sh'}, 'reconciler_interval: a systemd time span'),
    # A carriage return or a NUL made a unit that does not load, while the role reported success.
    ({'reconciler_sysroot': '/srv/fabric\rExecStartPre=/bin/sh'}, 'reconciler_sysroot: must be an absolute path'),
    ({'reconciler_sysroot': '/srv/fab\x00ric'}, 'reconciler_sysroot: must be an absolute path'),
    ({'reconciler_metrics_dir': '/var/lib/prometheus\rx'}, 'reconciler_metrics_dir: must be empty or an absolute path'),
    ({'reconciler_metrics_dir': 'node-exporter'}, 'reconciler_metrics_dir: must be empty or an absolute path'),
    ({'reconciler_memory_max': '512M\nExecStartPre=/bin/sh'}, 'reconciler_memory_max: a size such as 512M'),
    ({'reconciler_calendar': 'hourly\x00'}, 'reconciler_calendar: a systemd calendar expression'),
])
def test_bad_variables_are_refused_before_anything_is_installed(tmp_path, playbook, variables, message):
    root = tmp_path / 'image'
    run = playbook.run([role_task(root, **variables)])
    assert run.rc == 2 and message in run.stdout, run.stdout
    assert not root.exists()


@pytest.mark.skipif(not shutil.which('systemd-analyze'), reason='systemd-analyze is not installed')
def test_the_units_pass_systemd_analyze_verify(tmp_path, playbook):
    root = tmp_path / 'image'
    assert playbook.run([role_task(root, reconciler_watch=True,
                                   reconciler_metrics_dir='/var/lib/prometheus/node-exporter')]).rc == 0
    # verify resolves the units' dependencies (sysinit.target, ...) inside --root: give it the host's.
    shutil.copytree('/usr/lib/systemd/system', root / 'usr/lib/systemd/system', symlinks=True)
    proc = subprocess.run(['systemd-analyze', 'verify', '--root=%s' % root, 'iofabric-reconcile.service',
                           'iofabric-reconcile.timer', 'iofabric-reconcile-watch.service'],
                          capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, '', '')
    (root / 'etc/systemd/system/iofabric-reconcile.timer').write_text('[Timer]\nOnBootSec=soon\n')
    broken = subprocess.run(['systemd-analyze', 'verify', '--root=%s' % root, 'iofabric-reconcile.timer'],
                            capture_output=True, text=True, check=False)
    assert 'Failed to parse timer value' in broken.stderr  # the check above would have caught it


def test_the_installed_launcher_runs_a_pass(sim, playbook):
    assert playbook.run([role_task(sim.root, sim)]).rc == 0
    proc = subprocess.run([sim.path(LAUNCHER), '--sysroot', sim.root, '--netns', sim.netns, '--check'],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith('check done in'), proc.stdout + proc.stderr
    engine = open(sim.path('/usr/local/lib/iofabric/engine.py'), encoding='utf-8').read()
    assert '"_iofabric/reconciler/reconcile.py":' in engine and '"_iofabric/kinds/qlgc/kind.py":' in engine


# Runs the installed launcher as the unit does (its --help path imports the engine's CLI), then has an engine
# module raise: the traceback must show the engine's source lines, read from engine.py only when printed.
TRACEBACK_PROBE = '''
import linecache, marshal, runpy, sys, traceback
launcher, code_file = sys.argv[1], sys.argv[2]
with open(code_file, 'rb') as handle:
    _tag, code = marshal.load(handle)
print('cache holds', 'bytes' if all(isinstance(item, bytes) for item in code.values()) else 'objects')
sys.argv = [launcher, '--help']
try:
    runpy.run_path(launcher, run_name='__main__')
except SystemExit:
    pass
print('engine lines cached before a traceback:', any('/lib/iofabric/engine/' in name for name in linecache.cache))
import importlib
validate = importlib.import_module('ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.validate')
try:
    validate.ifname(5, 'config[0].name')
except Exception:
    print(traceback.format_exc())
'''


def test_the_launcher_unmarshals_per_module_and_tracebacks_show_the_engine_source(tmp_path, playbook):
    root = tmp_path / 'image'
    assert playbook.run([role_task(root)]).rc == 0
    launcher = str(root / LAUNCHER.lstrip('/'))
    with open(launcher, encoding='utf-8') as handle:
        interpreter = handle.readline()[2:].strip()
    proc = subprocess.run([interpreter, '-c', TRACEBACK_PROBE, launcher, str(root / 'usr/local/lib/iofabric/engine.code')],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert 'cache holds bytes' in proc.stdout, proc.stdout
    assert 'engine lines cached before a traceback: False' in proc.stdout, proc.stdout
    assert '/usr/local/lib/iofabric/engine/_iofabric/core/validate.py", line' in proc.stdout, proc.stdout
    assert "raise ValidationError(field, 'an interface name must be a string')" in proc.stdout, proc.stdout
    # A cache of the older layout (code objects), then none at all: the launcher compiles the sources instead.
    code_file = root / 'usr/local/lib/iofabric/engine.code'
    old_layout = subprocess.run([interpreter, '-c', 'import marshal, sys\nwith open(sys.argv[1], "rb") as f: tag, code = '
                                 'marshal.load(f)\nwith open(sys.argv[1], "wb") as f: marshal.dump((tag, {k: marshal.loads(v) '
                                 'for k, v in code.items()}), f)', str(code_file)], check=False)
    assert old_layout.returncode == 0
    for _state in ('old layout', 'absent'):
        proc = subprocess.run([launcher, '--help'], capture_output=True, text=True, check=False)
        assert proc.returncode == 0 and proc.stdout.startswith('usage: iofabric-reconcile'), proc.stdout + proc.stderr
        code_file.unlink(missing_ok=True)
