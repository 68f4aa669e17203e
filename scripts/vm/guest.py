"""Boot the VM lane's guest outside pytest and keep it up until told to stop: molecule's create and destroy.

  python scripts/vm/guest.py up DIR [--inventory PATH]   boot (image built or reused), print the SSH port, return
  python scripts/vm/guest.py down DIR                    stop it; nothing of it left (no QEMU process, no port)

`up` starts a keeper process (its own session) that owns QEMU through tests/lib/vm.VM: QEMU dies with the keeper
(PR_SET_PDEATHSIG), the keeper stops QEMU on SIGTERM. DIR holds the keeper's pid, the overlay, the key, the
console log and `guest.json` (port, key, control path) once SSH answers. A boot that fails is reported with the
console's tail and leaves nothing running.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)
from tests.lib.vm import BOOT_TIMEOUT, VM, VMError  # noqa: E402

STATE = 'guest.json'
FAILED = 'failed.txt'
KEEPER_PID = 'keeper.pid'


def keep(workdir: str, inventory: str) -> int:
    """The keeper: boot, publish the connection, wait for SIGTERM, stop."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    machine = VM(workdir)
    try:
        machine.start()
    except (VMError, OSError, subprocess.SubprocessError) as exc:
        machine.stop()
        with open(os.path.join(workdir, FAILED), 'w', encoding='utf-8') as handle:
            handle.write(str(exc))
        return 1
    if inventory:
        machine.inventory(inventory)
    state = {'port': machine.port, 'key': machine.key, 'control_path': machine.control_path,
             'figures': machine.figures}
    with open(os.path.join(workdir, STATE + '.tmp'), 'w', encoding='utf-8') as handle:
        json.dump(state, handle, indent=1)
    os.replace(os.path.join(workdir, STATE + '.tmp'), os.path.join(workdir, STATE))
    while not stopping and machine.alive():
        time.sleep(1)
    machine.stop()
    return 0


def up(workdir: str, inventory: str) -> int:
    os.makedirs(workdir, exist_ok=True)
    for name in (STATE, FAILED):
        if os.path.exists(os.path.join(workdir, name)):
            os.unlink(os.path.join(workdir, name))
    log = open(os.path.join(workdir, 'keeper.log'), 'w', encoding='utf-8')
    keeper = subprocess.Popen([sys.executable, os.path.abspath(__file__), 'keep', workdir, '--inventory', inventory],
                              stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    with open(os.path.join(workdir, KEEPER_PID), 'w', encoding='ascii') as handle:
        handle.write('%d\n' % keeper.pid)
    # The image build on a fresh machine (under 5 minutes) comes before the boot.
    deadline = time.monotonic() + BOOT_TIMEOUT * 3 + 900
    while time.monotonic() < deadline:
        if os.path.exists(os.path.join(workdir, STATE)):
            with open(os.path.join(workdir, STATE), encoding='utf-8') as handle:
                print(json.dumps(json.load(handle)))
            return 0
        if keeper.poll() is not None:
            break
        time.sleep(1)
    down(workdir)
    failed = os.path.join(workdir, FAILED)
    reason = open(failed, encoding='utf-8').read() if os.path.exists(failed) else 'the keeper exited or hung'
    with open(os.path.join(workdir, 'keeper.log'), encoding='utf-8', errors='replace') as handle:
        print('guest: boot failed: %s\nkeeper log:\n%s' % (reason, handle.read()[-4000:]), file=sys.stderr)
    return 1


def down(workdir: str) -> int:
    """SIGTERM to the keeper (it stops QEMU), SIGKILL after 60 s (QEMU then dies with it): safe when nothing runs."""
    path = os.path.join(workdir, KEEPER_PID)
    if not os.path.exists(path):
        return 0
    with open(path, encoding='ascii') as handle:
        pid = int(handle.read().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    else:
        for _tick in range(600):
            if not alive(pid):
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
    os.unlink(path)
    return 0


def alive(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)  # our own child when up() calls down() itself
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open('/proc/%d/stat' % pid, encoding='ascii', errors='replace') as handle:
            return handle.read().rsplit(')', 1)[-1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('action', choices=('up', 'down', 'keep'))
    parser.add_argument('workdir')
    parser.add_argument('--inventory', default='', help='write an ansible inventory of the guest here (up)')
    args = parser.parse_args()
    workdir = os.path.abspath(args.workdir)
    if args.action == 'keep':
        return keep(workdir, args.inventory)
    return up(workdir, args.inventory) if args.action == 'up' else down(workdir)


if __name__ == '__main__':
    sys.exit(main())
