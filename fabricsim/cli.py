"""The fabricsim command: up, down, status, state, event, fault, writes, reset.

    fabricsim up ROOT [--scenario NAME|FILE]   mount and start in the background (idempotent)
    fabricsim down ROOT                        stop and unmount, also after a crash
    fabricsim status ROOT                      running or not, scenario, pid, netns
    fabricsim state ROOT                       the model as JSON
    fabricsim event ROOT KIND [KEY=VALUE ...]  a scripted change (ioc-add, hot-swap, link-down, ...)
    fabricsim fault ROOT write|read PATH ERRNO [--count N]
    fabricsim fault ROOT tool NAME rc=N|timeout=SECONDS|garbage [--count N]
    fabricsim fault ROOT async NAME delay=SECONDS|never [--count N]
    fabricsim fault ROOT trigger PATH EVENT [KEY=VALUE ...] [--count N]
    fabricsim fault ROOT list | clear [ID]
    fabricsim writes ROOT [--since N]          the sysfs write log as JSON
    fabricsim reset ROOT                       back to the scenario's initial state
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time

from fabricsim import control, daemon, fuse_mount
from fabricsim.netns import Netns, name_for

START_TIMEOUT = 30.0


def _root(path: str) -> str:
    return os.path.realpath(path)


def _alive(root: str) -> dict | None:
    try:
        return control.request(root, {'op': 'ping'}, timeout=5)
    except (OSError, ValueError, RuntimeError):
        return None


def _read(root: str, name: str) -> str:
    try:
        with open(os.path.join(root, daemon.RUN_DIR, name), encoding='utf-8') as handle:
            return handle.read().strip()
    except OSError:
        return ''


def cmd_up(args) -> int:
    root = _root(args.root)
    running = _alive(root)
    if running and running['scenario'] == args.scenario:
        print('fabricsim: already up at %s (scenario %s, pid %s, netns %s)'
              % (root, running['scenario'], running['pid'], running['netns']))
        return 0
    cleanup(root)
    os.makedirs(os.path.join(root, daemon.RUN_DIR), exist_ok=True)
    log = open(os.path.join(root, daemon.RUN_DIR, 'daemon.log'), 'ab')  # noqa: SIM115 - handed to the child
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), os.environ.get('PYTHONPATH')])))
    proc = subprocess.Popen([sys.executable, '-m', 'fabricsim', '_daemon', root, '--scenario', args.scenario],
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        running = _alive(root)
        if running:
            print('fabricsim: up at %s (scenario %s, pid %s, netns %s)'
                  % (root, args.scenario, running['pid'], running['netns']))
            return 0
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    sys.stderr.write('fabricsim: the daemon did not start; see %s\n'
                     % os.path.join(root, daemon.RUN_DIR, 'daemon.log'))
    cleanup(root)
    return 1


def cleanup(root: str) -> None:
    """Stop whatever runs for ``root`` and undo its mounts and namespace; never fails."""
    pid = _read(root, 'pid')
    if _alive(root):
        try:
            control.request(root, {'op': 'shutdown'}, timeout=5)
        except (OSError, RuntimeError, ValueError):
            pass
    if pid.isdigit():
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _pid_alive(int(pid)):
            time.sleep(0.02)
        if _pid_alive(int(pid)):
            os.kill(int(pid), signal.SIGKILL)
    for top in ('sys', 'proc'):
        fuse_mount.unmount(os.path.join(root, top))
    netns = _read(root, 'netns') or name_for(root)
    Netns(netns).destroy()
    for name in ('pid', 'netns', 'scenario', 'control.sock'):
        try:
            os.unlink(os.path.join(root, daemon.RUN_DIR, name))
        except OSError:
            pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open('/proc/%d/stat' % pid, encoding='utf-8') as handle:
            return handle.read().split()[2] != 'Z'
    except OSError:
        return False


def cmd_down(args) -> int:
    root = _root(args.root)
    cleanup(root)
    still = [top for top in ('sys', 'proc') if os.path.ismount(os.path.join(root, top))]
    if still:
        sys.stderr.write('fabricsim: still mounted: %s\n' % ', '.join(still))
        return 1
    print('fabricsim: down at %s' % root)
    return 0


def cmd_status(args) -> int:
    root = _root(args.root)
    running = _alive(root)
    mounts = {top: os.path.ismount(os.path.join(root, top)) for top in ('sys', 'proc')}
    print(json.dumps({'root': root, 'running': bool(running), 'mounts': mounts,
                      **({k: running[k] for k in ('pid', 'scenario', 'netns')} if running else {})}, indent=1))
    return 0 if running else 3


def _request(root: str, message: dict) -> dict:
    try:
        return control.request(_root(root), message)
    except OSError as exc:
        raise SystemExit('fabricsim: not running at %s (%s)' % (root, exc)) from None
    except RuntimeError as exc:
        raise SystemExit('fabricsim: %s' % exc) from None


def _pairs(items: list) -> dict:
    result = {}
    for item in items:
        key, sep, value = item.partition('=')
        if not sep:
            raise SystemExit('fabricsim: expected KEY=VALUE, got %r' % item)
        result[key] = value
    return result


def cmd_state(args) -> int:
    print(json.dumps(_request(args.root, {'op': 'state'})['state'], indent=1, sort_keys=True))
    return 0


def cmd_event(args) -> int:
    answer = _request(args.root, {'op': 'event', 'kind': args.kind, 'args': _pairs(args.args)})
    print(json.dumps(answer['result'], sort_keys=True))
    return 0


def cmd_fault(args) -> int:
    if args.what == 'list':
        print(json.dumps(_request(args.root, {'op': 'fault', 'action': 'list'})['faults'], indent=1))
        return 0
    if args.what == 'clear':
        fault_id = int(args.rest[0]) if args.rest else None
        print(json.dumps(_request(args.root, {'op': 'fault', 'action': 'clear', 'id': fault_id})))
        return 0
    if len(args.rest) < 2:
        raise SystemExit('fabricsim: fault %s needs a target and a behaviour' % args.what)
    target, behaviour = args.rest[0], args.rest[1]
    spec: dict = {'target': target, 'count': args.count}
    if args.what == 'trigger':
        spec.update(kind='trigger', mode=behaviour, args=_pairs(args.rest[2:]))
    elif args.what in ('read', 'write'):
        spec.update(kind='path', op=args.what, errno=behaviour)
    else:
        mode, _sep, value = behaviour.partition('=')
        allowed = ('rc', 'timeout', 'garbage') if args.what == 'tool' else ('delay', 'never')
        if mode not in allowed:
            raise SystemExit('fabricsim: %s fault behaviour must be one of %s' % (args.what, ', '.join(allowed)))
        spec.update(kind=args.what, mode=mode, value=float(value or 0))
    print(json.dumps(_request(args.root, {'op': 'fault', 'action': 'add', 'spec': spec})['fault']))
    return 0


def cmd_writes(args) -> int:
    answer = _request(args.root, {'op': 'writes', 'since': args.since})
    print(json.dumps({'count': answer['count'], 'writes': answer['writes']}, indent=1))
    return 0


def cmd_reset(args) -> int:
    print(json.dumps(_request(args.root, {'op': 'reset'})))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog='fabricsim', description='Simulated IO fabric for iofabric.core',
                                  formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = top.add_subparsers(dest='command', required=True)
    up = sub.add_parser('up', help='mount and start (idempotent)')
    up.add_argument('root')
    up.add_argument('--scenario', default='small')
    up.set_defaults(func=cmd_up)
    for name, func in (('down', cmd_down), ('status', cmd_status), ('state', cmd_state), ('reset', cmd_reset)):
        command = sub.add_parser(name)
        command.add_argument('root')
        command.set_defaults(func=func)
    event = sub.add_parser('event', help='scripted change')
    event.add_argument('root')
    event.add_argument('kind')
    event.add_argument('args', nargs='*')
    event.set_defaults(func=cmd_event)
    fault = sub.add_parser('fault', help='inject or clear faults')
    fault.add_argument('root')
    fault.add_argument('what', choices=('read', 'write', 'tool', 'async', 'trigger', 'list', 'clear'))
    fault.add_argument('rest', nargs='*')
    fault.add_argument('--count', type=int, default=None)
    fault.set_defaults(func=cmd_fault)
    writes = sub.add_parser('writes', help='the sysfs write log')
    writes.add_argument('root')
    writes.add_argument('--since', type=int, default=0)
    writes.set_defaults(func=cmd_writes)
    internal = sub.add_parser('_daemon')
    internal.add_argument('root')
    internal.add_argument('--scenario', default='small')
    internal.set_defaults(func=lambda parsed: daemon.run(parsed.root, parsed.scenario))
    return top


def main(argv: list | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)
