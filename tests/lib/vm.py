"""The VM lane's Debian 12 guest: boot it over a qcow2 overlay of the cached image, reach it by SSH and QMP.

The image (scripts/vm/build_image.py) keeps / on vg0/root on /dev/sda1 of a virtio-scsi disk. Each VM gets its
own overlay, SSH key, localhost port and QMP socket in its work directory; stop() leaves no QEMU process and no
port behind, and QEMU also dies with the test process (PR_SET_PDEATHSIG) if that is killed outright.
"""

from __future__ import annotations

import base64
import ctypes
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, 'scripts', 'vm'))
import build_image  # noqa: E402

SSH_USER = 'admin'
ROOT_WWN = '0x5000c50015ea71ac'
BOOT_TIMEOUT = 420
TIMING_CALLBACK = os.path.join(REPO, 'tests', 'vm', 'callback')
# The fabric NICs: PCI slot -> (QEMU model, MAC). Predictable names follow the slot: ens4, ens5, ens6.
FABRIC_NICS = {4: ('virtio-net-pci', '52:54:00:10:00:04'), 5: ('virtio-net-pci', '52:54:00:10:00:05'),
               6: ('e1000', '52:54:00:10:00:06')}


class VMError(RuntimeError):
    """The VM crashed or hung: the message carries the console log's tail. Not an AssertionError, so that a broken
    VM never passes for the expected failure of an xfail(raises=AssertionError) test."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def accel() -> str:
    """tcg unless IOFABRIC_VM_ACCEL says otherwise: KVM opens here but its guests make no progress."""
    return os.environ.get('IOFABRIC_VM_ACCEL', 'tcg')


class VM:
    def __init__(self, workdir: str, memory_mb: int = 1536):
        self.workdir = workdir
        self.memory_mb = memory_mb
        self.image = ''
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.key = os.path.join(workdir, 'id_ed25519')
        self.console = os.path.join(workdir, 'console.log')
        self.qmp_path = os.path.join(workdir, 'qmp.sock')
        self.overlay = os.path.join(workdir, 'overlay.qcow2')
        self.figures: dict = {}

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> None:
        os.makedirs(self.workdir, exist_ok=True)
        mark = time.monotonic()
        self.image = build_image.ensure()
        self.figures['image_ready_s'] = round(time.monotonic() - mark, 1)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b',
                        os.path.join(self.image, 'disk.qcow2'), self.overlay], check=True)
        if not os.path.exists(self.key):
            subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'iofabric-test', '-f', self.key],
                           check=True)
        with open(self.key + '.pub', encoding='ascii') as handle:
            pubkey = handle.read().split()[1]
        base64.b64decode(pubkey, validate=True)  # no spaces or quotes can reach the kernel command line
        for attempt in range(3):
            self.port = free_port()
            mark = time.monotonic()
            self.proc = subprocess.Popen(self.argv(pubkey), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=open(os.path.join(self.workdir, 'qemu.stderr'), 'w', encoding='utf-8'),
                                         preexec_fn=_die_with_parent)
            try:
                self.wait_ssh(BOOT_TIMEOUT)
            except VMError:
                stderr = self.qemu_stderr()
                self.stop()
                if 'hostfwd' in stderr and attempt < 2:
                    continue  # the port was taken between free_port() and QEMU's bind: take another
                raise
            self.figures['boot_to_ssh_s'] = round(time.monotonic() - mark, 1)
            return

    def argv(self, pubkey: str) -> list[str]:
        cmdline = ('root=/dev/mapper/vg0-root ro console=ttyS0 quiet panic=-1 iofabric.sshkey=' + pubkey)
        argv = ['qemu-system-x86_64', '-accel', accel(), '-m', str(self.memory_mb), '-smp', '2', '-cpu', 'max',
                '-nodefaults', '-display', 'none', '-no-reboot', '-serial', 'file:' + self.console,
                '-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path,
                '-kernel', os.path.join(self.image, 'vmlinuz'), '-initrd', os.path.join(self.image, 'initrd.img'),
                '-append', cmdline,
                '-device', 'virtio-scsi-pci,id=scsi0,addr=0x8',
                '-drive', 'if=none,id=root,format=qcow2,file=' + self.overlay,
                '-device', 'scsi-hd,drive=root,bus=scsi0.0,scsi-id=0,lun=0,wwn=%s,serial=IOFROOT' % ROOT_WWN,
                '-netdev', 'user,id=mgmt,hostfwd=tcp:127.0.0.1:%d-:22' % self.port,
                '-device', 'virtio-net-pci,netdev=mgmt,addr=0x3']
        for slot, (model, mac) in FABRIC_NICS.items():
            argv += ['-netdev', 'user,id=fab%d,restrict=on' % slot,
                     '-device', '%s,netdev=fab%d,addr=0x%x,mac=%s' % (model, slot, slot, mac)]
        return argv

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ssh(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise VMError('QEMU exited (%s) before SSH answered\n%s' % (self.proc.returncode, self.report()))
            try:
                if self.ssh(['true'], sudo=False, check=False, timeout=90, connect_timeout=30).returncode == 0:
                    return
            except VMError:
                continue  # sshd is up but slow to answer under TCG on a loaded machine: ask again
            time.sleep(2)
        raise VMError('no SSH login within %d s\n%s' % (timeout, self.report()))

    def stop(self) -> None:
        if self.proc is None:
            return
        self.close_ssh()
        cpu = self.cpu_seconds()
        if cpu is not None:
            self.figures['qemu_cpu_s'] = cpu
        if self.proc.poll() is None:
            self.proc.kill()  # the overlay is throw-away: no clean shutdown needed
        try:
            self.proc.wait(timeout=30)
        finally:
            self.proc = None
            for path in (self.qmp_path,):
                if os.path.exists(path):
                    os.unlink(path)

    def cpu_seconds(self) -> float | None:
        """CPU seconds QEMU has used (user + system): the emulated work, which host load does not inflate as it does
        wall time (the lane's figures record both)."""
        try:
            with open('/proc/%d/stat' % self.proc.pid, encoding='ascii') as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
        except (OSError, IndexError):
            return None
        return round((int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK'), 1)

    # -- diagnostics -----------------------------------------------------------------------------------------
    def qemu_stderr(self) -> str:
        try:
            with open(os.path.join(self.workdir, 'qemu.stderr'), encoding='utf-8', errors='replace') as handle:
                return handle.read()
        except OSError:
            return ''

    def report(self) -> str:
        return 'qemu stderr: %s\nconsole tail:\n%s' % (self.qemu_stderr().strip(), build_image.tail(self.console))

    def check_alive(self) -> None:
        if not self.alive():
            raise VMError('the VM is gone (QEMU exit %s)\n%s' % (self.proc and self.proc.returncode, self.report()))

    # -- access ----------------------------------------------------------------------------------------------
    @property
    def control_path(self) -> str:
        """One SSH connection for the whole session, shared by ssh() and ansible-playbook: a login costs 10-20 s
        of emulated CPU (key exchange, PAM, logind), a command over the open connection well under one."""
        return os.path.join(self.workdir, 'ssh-control')

    def ssh_options(self, connect_timeout: int = 10) -> list[str]:
        return ['-i', self.key, '-p', str(self.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
                '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=%d' % connect_timeout,
                '-o', 'IdentitiesOnly=yes', '-o', 'ControlMaster=auto', '-o', 'ControlPath=' + self.control_path,
                '-o', 'ControlPersist=900', '-o', 'ServerAliveInterval=15']

    def close_ssh(self) -> None:
        if os.path.exists(self.control_path):
            subprocess.run(['ssh', '-o', 'ControlPath=' + self.control_path, '-O', 'exit', 'admin@127.0.0.1'],
                           capture_output=True, timeout=30, check=False)

    def ssh(self, argv: list[str], sudo: bool = True, check: bool = True, timeout: float = 120, stdin: str | None = None,
            connect_timeout: int = 10) -> subprocess.CompletedProcess:
        """Run argv in the guest (as root through sudo unless told); the remote shell sees it quoted word by word."""
        command = shlex.join((['sudo', '-n'] if sudo else []) + list(argv))
        full = ['ssh'] + self.ssh_options(connect_timeout) + ['%s@127.0.0.1' % SSH_USER, command]
        try:
            proc = subprocess.run(full, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise VMError('ssh %s: no answer in %d s\n%s' % (command, timeout, self.report())) from exc
        if check and proc.returncode != 0:
            self.check_alive()
            raise AssertionError('in the VM, %s failed (%d):\n%s%s' % (command, proc.returncode, proc.stdout, proc.stderr))
        return proc

    def sh(self, script: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        """A POSIX shell script run as root in the guest (fed on stdin: no quoting of the script itself)."""
        return self.ssh(['sh', '-eu', '-s'], stdin=script, check=check, timeout=timeout)

    def read(self, path: str) -> str:
        return self.ssh(['cat', path]).stdout

    def qmp(self, command: str, **arguments) -> dict:
        """One QMP command on a fresh connection; returns 'return' or raises with QMP's error."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(60)
            sock.connect(self.qmp_path)
            stream = sock.makefile('rw', encoding='utf-8')
            json.loads(stream.readline())  # greeting
            for message in ({'execute': 'qmp_capabilities'}, {'execute': command, 'arguments': arguments}):
                stream.write(json.dumps(message) + '\n')
                stream.flush()
                while True:
                    reply = json.loads(stream.readline())
                    if 'event' in reply:
                        continue
                    if 'error' in reply:
                        raise AssertionError('QMP %s: %s' % (message['execute'], reply['error']))
                    break
            return reply['return']

    def inventory(self, path: str, group: str = 'fabric') -> str:
        """A YAML inventory for ansible: this VM over real SSH as the unprivileged admin (plays use become)."""
        host = {'ansible_host': '127.0.0.1', 'ansible_port': self.port, 'ansible_user': SSH_USER,
                'ansible_ssh_private_key_file': self.key, 'ansible_python_interpreter': '/usr/bin/python3',
                'ansible_ssh_common_args': '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes'}
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump({'all': {'children': {group: {'hosts': {'iofabric-vm': host}}}}}, handle, indent=1)
        return path


def run_play(vm: VM, tmp_path, tasks: list, become: bool = True, timeout: float = 600, check: bool = False,
             play_vars: dict | None = None, name: str = 'vm play'):
    """One play against the VM over real SSH with the collection (ansible-playbook, every task result recorded)."""
    import yaml  # pylint: disable=import-outside-toplevel

    from tests.lib.ansible_run import VENV_BIN, PlaybookRun, PlaybookRunner  # pylint: disable=import-outside-toplevel

    runner = PlaybookRunner(tmp_path)
    stamp = '%d' % (time.monotonic_ns() % 10 ** 12)
    inventory = vm.inventory(os.path.join(str(tmp_path), 'inventory-%s.json' % stamp))
    play = {'name': name, 'hosts': 'fabric', 'gather_facts': False, 'become': become,
            'vars': dict(play_vars or {}), 'tasks': tasks}
    path = os.path.join(str(tmp_path), 'play-%s.yml' % stamp)
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump([play], handle, sort_keys=False)
    record = os.path.join(str(tmp_path), 'record-%s.jsonl' % stamp)
    env = runner.environment(record)
    env.update({'ANSIBLE_PIPELINING': '1', 'ANSIBLE_HOST_KEY_CHECKING': '0', 'ANSIBLE_TIMEOUT': '60',
                # The session's one SSH connection (VM.control_path), opened by VM.ssh() at boot.
                'ANSIBLE_SSH_ARGS': '-o ControlMaster=auto -o ControlPersist=900',
                'ANSIBLE_SSH_CONTROL_PATH': vm.control_path,
                # Each task's duration, when the lane asks for them (scripts/vm/lane.sh: build/vm-task-times.jsonl).
                'ANSIBLE_CALLBACK_PLUGINS': env['ANSIBLE_CALLBACK_PLUGINS'] + os.pathsep + TIMING_CALLBACK,
                'ANSIBLE_CALLBACKS_ENABLED': env['ANSIBLE_CALLBACKS_ENABLED'] + ',vm_timing'})
    argv = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', inventory, path] + (['--check'] if check else [])
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout, check=False,
                              cwd=str(tmp_path))
    except subprocess.TimeoutExpired as exc:
        raise VMError('ansible-playbook did not finish in %d s\n%s' % (timeout, vm.report())) from exc
    results = []
    if os.path.exists(record):
        with open(record, encoding='utf-8') as handle:
            results = [json.loads(line) for line in handle]
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, results)
