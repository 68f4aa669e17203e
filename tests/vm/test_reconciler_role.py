"""The reconciler role on real systemd (PID 1 of the Debian 12 guest, real 6.1 kernel), applied over real SSH.

A macvlan over the guest's virtio NIC is declared by vnic_interface first, so the store has something the real
kernel can serve; then the role installs the timer, the pass service and the watch service with the distribution's
Python (pyroute2 0.9.7 is in /usr/local of the image, so reconciler_dependencies=packages passes its version check
without the network). The tests run in file order on that one installation; the last one removes it.
Every wait is a bounded poll of a real state, never a timed assertion.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.lib.vm import run_play
from tests.vm.conftest import RESET

MACVLAN = 'iofrc0'
LOWER = 'ens4'
PASS_UNIT = 'iofabric-reconcile.service'
TIMER = 'iofabric-reconcile.timer'
WATCH = 'iofabric-reconcile-watch.service'
ROLE_VARS = {'reconciler_kinds': ['macvlan'], 'reconciler_watch': True, 'reconciler_boot_delay': '1s',
             # Long enough that only the first firing (OnBootSec, long past) happens during the module:
             # the watch test must see the watch service's repair, not a timer pass.
             'reconciler_interval': '1h', 'reconciler_randomized_delay': '0', 'reconciler_lock_timeout': 2}
# The role's files on the guest (defaults: reconciler_prefix=/usr/local, units in /etc/systemd/system).
ROLE_PATHS = ['/etc/systemd/system/' + PASS_UNIT, '/etc/systemd/system/' + TIMER, '/etc/systemd/system/' + WATCH,
              '/etc/systemd/system/timers.target.wants/' + TIMER, '/etc/systemd/system/multi-user.target.wants/' + WATCH,
              '/usr/local/sbin/iofabric-reconcile', '/usr/local/lib/iofabric']
WAIT = 240  # bound of every poll: TCG on a shared 2-core machine is slow, a correct system answers far sooner


def role(vm, tmp_path, **extra):
    run = run_play(vm, tmp_path, [{'name': 'reconciler', 'ansible.builtin.include_role': {'name': 'iofabric.core.reconciler'},
                                   'vars': dict(ROLE_VARS, **extra)}], name='reconciler role')
    assert run.rc == 0 and run.recap['failed'] == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return run


def show(vm, unit: str, *props: str) -> dict:
    out = vm.ssh(['systemctl', 'show', unit, '-p', ','.join(props)]).stdout
    return dict(line.split('=', 1) for line in out.splitlines() if '=' in line)


def journal(vm, unit: str, priority: str = 'debug', cursor: str = '') -> list[str]:
    """The unit's messages at `priority` or more urgent, as `journalctl -u UNIT -p PRIORITY` filters them, after cursor.

    Not --after-cursor: with a filter, systemd before 255 (Debian 12 has 252) skips the first entry that matches
    the filter instead of the cursor's own entry (systemd issue 30288, fixed by PR 30336), so the first notice of a
    unit was never shown. --cursor starts at the cursor's entry, or at the first match after it; that entry is
    dropped here when it is the cursor's own.
    """
    argv = ['journalctl', '--no-pager', '-o', 'json', '--output-fields=MESSAGE', '-u', unit, '-p', priority]
    if cursor:
        argv += ['--cursor', cursor]
    entries = [json.loads(line) for line in vm.ssh(argv).stdout.splitlines() if line.startswith('{')]
    return [str(entry.get('MESSAGE', '')) for entry in entries if entry['__CURSOR'] != cursor]


def cursor(vm) -> str:
    out = vm.ssh(['journalctl', '--no-pager', '-n', '0', '--show-cursor']).stdout
    return out.strip().rsplit('cursor: ', 1)[-1]


def poll(what: str, probe, timeout: float = WAIT):
    """probe() until it returns something true; fail naming what never happened, with the last value seen."""
    deadline, value = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(2)
    raise AssertionError('%s: not within %d s; last seen: %r' % (what, timeout, value))


def link_exists(vm, name: str) -> bool:
    return vm.ssh(['ip', 'link', 'show', 'dev', name], sudo=False, check=False).returncode == 0


@pytest.fixture(scope='module')
def installed(vm, tmp_path_factory):
    """The guest reset, the macvlan declared by the module, the role applied with the watch service on."""
    vm.check_alive()
    with open(RESET, encoding='utf-8') as handle:
        vm.sh(handle.read(), timeout=180)
    tmp_path = tmp_path_factory.mktemp('reconciler-role')
    run = run_play(vm, tmp_path, [{'name': 'declare', 'iofabric.core.vnic_interface': {
        'config': [{'type': 'macvlan', 'name': MACVLAN, 'lower': LOWER}], 'state': 'merged'}}])
    assert run.task('declare').get('changed') is True, run.stdout[-3000:]
    assert link_exists(vm, MACVLAN)
    mark = cursor(vm)
    role(vm, tmp_path)
    state = {'vm': vm, 'tmp_path': tmp_path, 'cursor': mark}
    yield state
    # Whatever a failed test left: the role's own absent path (a few minutes under TCG: only when the absent test
    # did not get through it), then the guest's reset (never a hand-made removal).
    if not state.get('removed'):
        run_play(vm, tmp_path, [{'name': 'reconciler', 'ansible.builtin.include_role': {'name': 'iofabric.core.reconciler'},
                                 'vars': dict(ROLE_VARS, reconciler_state='absent')}])
    vm.sh('ip link del %s 2>/dev/null || true\nrm -rf /var/lib/iofabric\n' % MACVLAN)


def test_the_timer_fires_and_runs_a_pass(installed):
    vm = installed['vm']
    timer = show(vm, TIMER, 'ActiveState', 'UnitFileState', 'NextElapseUSecMonotonic', 'TimersMonotonic')
    assert timer['ActiveState'] == 'active' and timer['UnitFileState'] == 'enabled', timer
    assert 'OnBootUSec' in timer['TimersMonotonic'], timer
    # The role never starts the pass unit itself: a pass in its journal was started by the timer.
    summaries = poll('a pass of %s in the journal' % PASS_UNIT,
                     lambda: [line for line in journal(vm, PASS_UNIT, cursor=installed['cursor']) if line.startswith('pass done')])
    assert 'exit' in summaries[0], summaries
    fired = show(vm, TIMER, 'LastTriggerUSec', 'NextElapseUSecMonotonic')
    assert fired['LastTriggerUSec'] not in ('', 'n/a', '0'), fired
    # After the pass the timer waits for OnUnitActiveSec: a next elapse is scheduled.
    poll('the timer scheduling its next elapse',
         lambda: show(vm, TIMER, 'NextElapseUSecMonotonic')['NextElapseUSecMonotonic'] not in ('', 'infinity', '0'))
    service = show(vm, PASS_UNIT, 'Result', 'ExecMainStatus', 'Type')
    assert service['Type'] == 'oneshot' and service['Result'] == 'success', service


def test_the_watch_service_repairs_a_macvlan_deleted_by_a_real_link_event(installed):
    vm = installed['vm']
    watch = show(vm, WATCH, 'ActiveState', 'SubState', 'UnitFileState', 'MainPID')
    assert (watch['ActiveState'], watch['SubState'], watch['UnitFileState']) == ('active', 'running', 'enabled'), watch
    # The watch's first pass at start has run (its summary) before the event, so what follows is the event's pass.
    poll('the watch service first pass', lambda: any(line.startswith('pass done') for line in journal(vm, WATCH)))
    mark = cursor(vm)
    vm.ssh(['ip', 'link', 'del', 'dev', MACVLAN])
    poll('%s created again by the watch service' % MACVLAN, lambda: link_exists(vm, MACVLAN))
    lines = poll('the watch service journal naming the repair',
                 lambda: [line for line in journal(vm, WATCH, cursor=mark) if line.startswith('macvlan %s' % MACVLAN)])
    assert any('done' in line for line in lines), lines
    assert int(show(vm, WATCH, 'MainPID')['MainPID']) == int(watch['MainPID']), 'the watch restarted instead of reacting'
    detail = json.loads(vm.ssh(['ip', '-j', '-d', 'link', 'show', 'dev', MACVLAN]).stdout)[0]
    assert detail['linkinfo']['info_kind'] == 'macvlan' and detail['link'] == LOWER, detail
    installed['repair_cursor'] = mark


def test_priorities_land_in_the_journal(installed):
    """docs/reconciler.md: actions are notice, pending and the summary info, failures err, a skipped pass warning."""
    vm = installed['vm']
    mark = installed.get('repair_cursor')
    if mark is None:
        pytest.skip('needs the repair of the watch test')
    notice = journal(vm, WATCH, 'notice', mark)
    priorities = vm.ssh(['journalctl', '--no-pager', '-o', 'json', '--output-fields=PRIORITY,MESSAGE', '-u', WATCH,
                         '--cursor', mark]).stdout
    assert any(line.startswith('macvlan %s' % MACVLAN) for line in notice), 'notice: %s; all with PRIORITY: %s' % (notice, priorities)
    assert not any(line.startswith('pass done') for line in notice), 'the summary is info, not notice: %s' % notice
    assert any(line.startswith('pass done') for line in journal(vm, WATCH, 'info', mark))
    assert not [line for line in journal(vm, WATCH, 'err', mark) if line.startswith(('macvlan', 'pass'))]
    # A skipped pass: the lock held (as a playbook run holds it) while the timer's unit starts.
    skip_mark = cursor(vm)
    vm.sh('systemd-run --unit=iofhold -p Type=simple flock /var/lib/iofabric/lock sleep 120\n'
          'for i in $(seq 300); do flock -n /var/lib/iofabric/lock true || break; sleep 0.2; done\n'
          'systemctl start %s\nsystemctl stop iofhold\n' % PASS_UNIT, timeout=180)
    warning = journal(vm, PASS_UNIT, 'warning', skip_mark)
    assert warning, 'no warning of the skipped pass; everything: %s' % journal(vm, PASS_UNIT, cursor=skip_mark)
    assert not journal(vm, PASS_UNIT, 'err', skip_mark), journal(vm, PASS_UNIT, 'err', skip_mark)
    status = show(vm, PASS_UNIT, 'Result', 'ExecMainStatus')
    assert status['Result'] == 'success' and int(status['ExecMainStatus']) & 16, status


def test_the_hardening_holds_under_real_systemd(installed):
    vm = installed['vm']
    props = show(vm, WATCH, 'ProtectSystem', 'NoNewPrivileges', 'MemoryMax', 'TasksMax', 'ProtectHome', 'PrivateTmp',
                 'CapabilityBoundingSet', 'RestrictNamespaces', 'MainPID', 'ControlGroup')
    assert props['ProtectSystem'] == 'yes' and props['NoNewPrivileges'] == 'yes', props
    assert props['ProtectHome'] == 'yes' and props['PrivateTmp'] == 'yes', props
    assert int(props['MemoryMax']) == 512 * 1024 * 1024 and props['TasksMax'] == '64', props
    assert set(props['CapabilityBoundingSet'].split()) == {'cap_net_admin', 'cap_sys_admin', 'cap_dac_override',
                                                           'cap_dac_read_search', 'cap_fowner'}, props
    # The pass unit has the same directives (one template).
    assert show(vm, PASS_UNIT, 'ProtectSystem', 'MemoryMax')['ProtectSystem'] == 'yes'
    pid = props['MainPID']
    # What the kernel enforces on the running watch process, not what systemd says it asked for.
    status = dict(line.split(':\t', 1) for line in vm.read('/proc/%s/status' % pid).splitlines() if ':\t' in line)
    assert status['NoNewPrivs'].strip() == '1', status
    assert int(status['CapBnd'], 16) == (1 << 12) | (1 << 21) | (1 << 1) | (1 << 2) | (1 << 3), status['CapBnd']
    cgroup = '/sys/fs/cgroup' + props['ControlGroup']
    assert vm.read(cgroup + '/memory.max').strip() == str(512 * 1024 * 1024)
    assert vm.read(cgroup + '/pids.max').strip() == '64'
    # In the service's own mount namespace /usr is read-only even for root; /etc is writable (the vendors' files).
    usr = vm.ssh(['nsenter', '-t', pid, '-m', 'touch', '/usr/local/lib/iofabric/iof-probe'], check=False)
    assert usr.returncode != 0 and 'Read-only file system' in usr.stderr, usr
    assert vm.ssh(['test', '-e', '/usr/local/lib/iofabric/iof-probe'], check=False).returncode != 0
    etc = vm.ssh(['nsenter', '-t', pid, '-m', 'touch', '/etc/iof-probe'], check=False)
    vm.ssh(['rm', '-f', '/etc/iof-probe'])
    assert etc.returncode == 0, etc
    home = vm.ssh(['nsenter', '-t', pid, '-m', 'ls', '-A', '/home'], check=False)
    assert home.returncode != 0 or home.stdout.strip() == '', home  # ProtectHome=yes: empty and inaccessible


def test_absent_leaves_nothing(installed):
    vm = installed['vm']
    role(vm, installed['tmp_path'], reconciler_state='absent')
    installed['removed'] = True
    for unit in (PASS_UNIT, TIMER, WATCH):
        assert show(vm, unit, 'LoadState')['LoadState'] == 'not-found', unit
    files = vm.ssh(['sh', '-c', 'ls -d "$@" 2>/dev/null; true', 'ls'] + ROLE_PATHS).stdout.split()
    assert files == [], files
    units = vm.ssh(['systemctl', 'list-unit-files', '--no-legend', 'iofabric-reconcile*'], check=False).stdout  # exit 1: none
    assert units.strip() == '', units
    # Not through sudo: sudo's own command line would name the pattern (pgrep skips itself, not its parent).
    poll('no iofabric-reconcile process',
         lambda: vm.ssh(['pgrep', '-af', 'iofabric-reconcile'], sudo=False, check=False).returncode == 1)
    assert 'iofabric' not in vm.ssh(['systemctl', 'list-timers', '--all', '--no-legend']).stdout
    # The declarations (the state store) stay, as the role documents.
    assert vm.ssh(['test', '-d', '/var/lib/iofabric']).returncode == 0
