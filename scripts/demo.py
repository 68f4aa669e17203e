"""make demo: the whole collection on the embedded simulated fabric, told as a short story.

    scripts/demo.py [--fleet N] [--keep]

One simulated host (or N, each with its own fabricsim root and network namespace, with
Ansible's forks doing the fan-out): the drift report before anything is applied; site.yml
applies the declaration and installs the reconciler; a late IOC appears and a gateway is
hot-swapped, and the installed reconciler's watch service repairs both with no playbook run;
a guest stops and its EoIB MAC is collected after the grace; a LUN that is mounted is refused
for removal; the drift report again, clean. Everything is stopped and unmounted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(REPO, 'build', 'demo')
VENV_BIN = os.path.join(REPO, '.venv', 'bin')
EXAMPLE_GROUP_VARS = os.path.join(REPO, 'docs', 'examples', 'inventory', 'group_vars', 'iofabric_hosts.yml')
sys.path.insert(0, os.path.join(REPO, '.venv', 'collections'))

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.live import children_of  # noqa: E402
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot  # noqa: E402
from ansible_collections.iofabric.core.plugins.plugin_utils._drift_report import summary_lines  # noqa: E402

WAIT = 60.0      # seconds any one repair may take before the demo gives up
GONE_GUEST = 'vm2'
GONE_MAC = '52:54:00:a1:00:02'


def say(text: str) -> None:
    print('\n\033[1m== %s\033[0m' % text, flush=True)


def run(argv: list, check: bool = True, quiet: bool = False, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    if check and proc.returncode != 0:
        sys.stdout.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit('demo: %s failed with exit status %d' % (' '.join(argv[:3]), proc.returncode))
    if not quiet:
        sys.stdout.write(proc.stdout)
    return proc


class Host:
    def __init__(self, number: int):
        self.name = 'host%d' % number
        self.root = os.path.join(BUILD, self.name)
        self.netns = ''
        self.watch: subprocess.Popen | None = None
        self.log = os.path.join(BUILD, self.name + '-reconcile.log')

    def reconcile(self, *args: str) -> subprocess.CompletedProcess:
        """The reconciler the role installed in this host's root."""
        return subprocess.run([os.path.join(self.root, 'usr/local/sbin/iofabric-reconcile'), '--sysroot', self.root,
                               '--netns', self.netns] + list(args), capture_output=True, text=True, check=False)

    def start_watch(self) -> None:
        # As the role's watch unit runs it; a short backstop interval, because the demo has no minutes to spare.
        log = open(self.log, 'w', encoding='utf-8')  # noqa: SIM115 - the child keeps it
        self.watch = subprocess.Popen([os.path.join(self.root, 'usr/local/sbin/iofabric-reconcile'), '--sysroot',
                                       self.root, '--netns', self.netns, '--watch', '--poll', '1', '--interval', '2'],
                                      stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def stop_watch(self) -> None:
        if self.watch is not None and self.watch.poll() is None:
            self.watch.send_signal(signal.SIGTERM)
            try:
                self.watch.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.watch.kill()
                self.watch.wait()

    def log_lines(self, since: int = 0) -> list:
        with open(self.log, encoding='utf-8') as handle:
            return handle.read().splitlines()[since:]


def inventory(hosts: list) -> str:
    """The demo inventory: the site's group, each host on its own simulated root.

    The declaration is the example one (docs/examples/inventory/group_vars), copied beside the
    inventory as its group_vars: the shipped playbooks carry none.
    """
    path = os.path.join(BUILD, 'inventory.yml')
    os.makedirs(os.path.join(BUILD, 'group_vars'), exist_ok=True)
    shutil.copyfile(EXAMPLE_GROUP_VARS, os.path.join(BUILD, 'group_vars', 'iofabric_hosts.yml'))
    # Host vars, because they rank above the inventory's group_vars, which the demo overrides here.
    overrides = {
        # The reconciler runs with this venv's Python, which has its dependencies.
        'reconciler_python': '{{ ansible_playbook_python }}',
        'reconciler_dependencies': 'none',
        # A demo cannot wait two minutes: two consecutive observations are the whole grace.
        'fabric_eoib': {'parents': ['all'], 'source': ['auto'], 'grace': {'seconds': 0, 'observations': 2},
                        'vendor_daemon': {'state': 'collector_off'}},
    }
    lines = ['# Written by scripts/demo.py: one host per simulated fabric root.', 'iofabric_hosts:', '  hosts:']
    for host in hosts:
        values = dict(fabric_sysroot=host.root, fabric_netns=host.netns, reconciler_root=host.root, **overrides)
        lines.append('    %s:' % host.name)
        lines += ['      %s: %s' % (key, json.dumps(value)) for key, value in values.items()]
    lines += [
        '  vars:',
        '    ansible_connection: local',
        '    ansible_python_interpreter: "{{ ansible_playbook_python }}"',
    ]
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')
    return path


def playbook(inventory_path: str, name: str, forks: int, *extra: str, check: bool = True, show: bool = True):
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_FORKS=str(forks),
               ANSIBLE_DISPLAY_SKIPPED_HOSTS='0', ANSIBLE_LOCALHOST_WARNING='0', PATH=VENV_BIN + os.pathsep +
               os.environ.get('PATH', ''))
    proc = run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', inventory_path,
                os.path.join(REPO, 'playbooks', name)] + list(extra), check=check, quiet=True, env=env)
    if show:
        recap = proc.stdout[proc.stdout.find('PLAY RECAP'):] if 'PLAY RECAP' in proc.stdout else proc.stdout
        sys.stdout.write(recap.strip() + '\n')
    return proc


def report(inventory_path: str, hosts: list, forks: int, label: str) -> dict:
    directory = os.path.join(BUILD, 'report-' + label)
    playbook(inventory_path, 'drift_report.yml', forks, '-e', 'iofabric_report_dir=' + directory, show=False)
    with open(os.path.join(directory, 'drift-report.json'), encoding='utf-8') as handle:
        data = json.load(handle)
    lines = summary_lines(data)
    print('\n'.join(lines if len(hosts) <= 4 else lines[:1] + [line for line in lines[1:] if not line.startswith(' ')]))
    print('(report: %s/drift-report.{md,json,xml})' % os.path.relpath(directory, REPO))
    return data


def wait_for(what: str, predicate, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit('demo: %s did not happen within %.0f s' % (what, timeout))
        time.sleep(0.2)


def child_macs(host: Host, parent: str) -> list:
    """The child MACs the driver's cmd files list under an EoIB parent (its child file is write-only)."""
    return sorted(children_of(Sysroot(host.root), parent))


def fabricsim(*args: str, quiet: bool = True) -> subprocess.CompletedProcess:
    return run([os.path.join(VENV_BIN, 'fabricsim')] + list(args), quiet=quiet)


def story(hosts: list, forks: int) -> None:
    single = len(hosts) == 1
    say('Starting the simulated fabric%s (scenario demo): 2 HCAs behind EVIC gateways, FCoE ports with DCB, '
        'a SAN HBA, EoIB vNics with KVM and Xen guests; real links in a network namespace' %
        ('' if single else ' on %d hosts' % len(hosts)))
    for host in hosts:
        # Every run starts from the scenario: no store, cfg files or units left by an earlier run.
        subprocess.run([os.path.join(VENV_BIN, 'fabricsim'), 'down', host.root], capture_output=True, check=False)
        if os.path.ismount(os.path.join(host.root, 'sys')) or os.path.ismount(os.path.join(host.root, 'proc')):
            raise SystemExit('demo: %s is still mounted; run fabricsim down %s' % (host.root, host.root))
        shutil.rmtree(host.root, ignore_errors=True)
    ups = [subprocess.Popen([os.path.join(VENV_BIN, 'fabricsim'), 'up', host.root, '--scenario', 'demo'],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for host in hosts]
    for host, proc in zip(hosts, ups):
        out = proc.communicate()[0]
        if proc.returncode != 0:
            raise SystemExit('demo: fabricsim up %s failed: %s' % (host.root, out))
        with open(os.path.join(host.root, 'run/fabricsim/netns'), encoding='utf-8') as handle:
            host.netns = handle.read().strip()
    print('%d simulated host(s) up under %s' % (len(hosts), os.path.relpath(BUILD, REPO)))
    inv = inventory(hosts)

    say('1. Drift report before anything is applied (check mode: nothing changes)')
    report(inv, hosts, forks, 'before')

    say('2. Apply playbooks/site.yml (the iofabric.core.fabric role): VNICs, FCoE, SAN LUNs, EoIB collection, '
        'and the reconciler')
    playbook(inv, 'site.yml', forks)
    pending = hosts[0].reconcile('--check')
    print('What waits on hardware (iofabric-reconcile --check on %s):' % hosts[0].name)
    print('\n'.join('  ' + line for line in pending.stdout.splitlines() if ' pending: ' in line))

    say('3. The reconciler\'s watch service starts (as its systemd unit would run it)')
    for host in hosts:
        host.start_watch()
    wait_for('the first watch pass', lambda: all('pass done' in ''.join(host.log_lines()) for host in hosts))
    marks = [len(host.log_lines()) for host in hosts]

    say('4. The late EVIC appears, and the EVIC behind veth1 is hot-swapped (new IOC GUID and DGID, same IOC string)')
    for host in hosts:
        fabricsim('event', host.root, 'ioc-add', 'ioc=late')
    # One event at a time, so that the story reads the same on every run: seen in one pass, the late IOC
    # and the swap of veth2's connected secondary make the planner recreate veth2 instead.
    wait_for('the late IOC connected', lambda: all(
        any('veth2 update-primary done' in line for line in host.log_lines(mark)) for host, mark in zip(hosts, marks)))
    for host in hosts:
        fabricsim('event', host.root, 'hot-swap', 'ioc=ioc1')
        # The QLogic driver notices a swap after 64 heartbeats: 128 s for veth2's declared heartbeat of
        # 200 (1/100 s units). The simulated clock skips the wait.
        fabricsim('event', host.root, 'clock-advance', 'seconds=128')
    wait_for('the VNIC repairs', lambda: all(host.reconcile('--check', '--kinds', 'qlgc').returncode == 0
                                             for host in hosts))
    print('Repaired by the reconciler, with no playbook run (%s log):' % hosts[0].name)
    print('\n'.join('  ' + line for line in hosts[0].log_lines(marks[0]) if ' qlgc ' in ' %s ' % line))

    say('5. Guest %s stops; its EoIB child MAC %s is collected after the grace, the other guests\' MACs stay'
        % (GONE_GUEST, GONE_MAC))
    marks = [len(host.log_lines()) for host in hosts]
    for host in hosts:
        fabricsim('event', host.root, 'guest-stop', 'name=' + GONE_GUEST)
    # The MAC leaves the kernel before the pass that removed it ends and logs it: wait for both.
    wait_for('the MAC collection', lambda: all(
        GONE_MAC not in child_macs(host, 'eth4') and any('eoib eth4 remove_child done' in line for line in host.log_lines(mark))
        for host, mark in zip(hosts, marks)))
    print('\n'.join('  ' + line for line in hosts[0].log_lines(marks[0]) if ' eoib ' in ' %s ' % line))
    print('  child MACs of eth4 now: %s' % ', '.join(child_macs(hosts[0], 'eth4')))

    say('6. Retiring LUN 1:0:3:0 while its filesystem is mounted at /data: refused, with the evidence')
    for host in hosts:
        fabricsim('event', host.root, 'mount', 'device=sdb1', 'target=/data')
    refused = playbook(inv, 'sdi_remove.yml', forks, '-e', '{"iofabric_scsi_remove": [{"address": "1:0:3:0"}]}',
                       check=False, show=False)
    if refused.returncode == 0:
        raise SystemExit('demo: the mounted LUN was removed')
    for line in refused.stdout.splitlines():
        if line.startswith('fatal: [%s]' % hosts[0].name):
            message = json.loads(line.split('=> ', 1)[1]).get('msg', line)
            print('  %s: %s' % (hosts[0].name, message))
    print('  and the device is still there: %s' % os.path.exists(
        os.path.join(hosts[0].root, 'sys/class/scsi_device/1:0:3:0')))

    say('7. Drift report again: clean')
    final = report(inv, hosts, forks, 'after')
    if final['status'] != 'in_sync':
        raise SystemExit('demo: the fabric is not in sync at the end: %s' % final['status'])


def cleanup(hosts: list) -> None:
    for host in hosts:
        host.stop_watch()
    for host in hosts:
        subprocess.run([os.path.join(VENV_BIN, 'fabricsim'), 'down', host.root], capture_output=True, check=False)


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--fleet', type=int, default=1, help='number of simulated hosts (default 1)')
    parser.add_argument('--forks', type=int, default=16, help="Ansible's forks (default 16)")
    args = parser.parse_args(argv)
    if args.fleet < 1:
        parser.error('--fleet must be at least 1')
    if os.geteuid() != 0:
        print('make demo needs root: it mounts the simulated /sys over FUSE and creates network namespaces.',
              file=sys.stderr)
        return 1
    started = time.monotonic()
    os.makedirs(BUILD, exist_ok=True)
    hosts = [Host(number) for number in range(1, args.fleet + 1)]
    try:
        story(hosts, args.forks)
    finally:
        cleanup(hosts)
    say('Done in %.0f s; every simulated host is stopped and unmounted' % (time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
