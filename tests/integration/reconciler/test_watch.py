"""iofabric-reconcile --watch: a pass on a link event and when an IOC appears, without
waiting for the backstop interval; a clean stop on SIGTERM."""

import os
import queue
import signal
import subprocess
import threading

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.fcoe_interface import run_fcoe
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.watch import Watcher
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.vnic_interface import run_vnic

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RECONCILE = os.path.join(REPO, '.venv', 'bin', 'iofabric-reconcile')
LATE = 'EVIC in Chassis 0x00066a00db00001f, Slot 2, Ioc 1'
PATIENCE = 60  # seconds: a bound for a hung watcher, not a speed requirement


class Watch:
    def __init__(self, sim):
        self.proc = subprocess.Popen([RECONCILE, '--sysroot', sim.root, '--netns', sim.netns, '--watch',
                                      '--interval', '3600', '--poll', '0.5'], stdout=subprocess.PIPE, text=True)
        self.lines: queue.Queue = queue.Queue()
        self.log: list = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip('\n'))
        self.lines.put(None)

    def wait_for(self, text):
        """Read until a line contains ``text``; every line read is kept in self.log."""
        while True:
            line = self.lines.get(timeout=PATIENCE)
            if line is None:
                raise AssertionError('watch exited before %r; it said:\n%s' % (text, '\n'.join(self.log)))
            self.log.append(line)
            if text in line:
                return line

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=PATIENCE)


def test_watch_reacts_to_an_ioc_and_a_link_event(sim):
    config = [{'type': 'qlgc', 'name': 'veth2', 'primary': {'ioc_string': LATE, 'port': 1}},
              {'type': 'macvlan', 'lower': 'eth1', 'name': 'vnic7'}]
    run_vnic({'state': 'merged', 'config': config, 'sysroot': sim.root, 'netns': sim.netns}, False)
    watch = Watch(sim)
    try:
        watch.wait_for('pass done')  # the first pass, at start
        sim.event('ioc-add', ioc='late')
        watch.wait_for('IOC visibility changed')  # the poll noticed, without waiting for the interval
        if not any('qlgc veth2 update-primary done' in line for line in watch.log):
            watch.wait_for('qlgc veth2 update-primary done')  # (a link event's pass may have come first)
        sim.event('link-delete', name='vnic7')
        watch.wait_for('macvlan vnic7 create done')
        assert any(line.startswith('pass (') and 'link event' in line for line in watch.log)
    finally:
        code = watch.stop()
    watch.wait_for('watch: stopped')
    assert code == 0


def test_watch_notices_dcb_becoming_ready_without_an_event(sim):
    sim.event('dcb-set', iface='eth2', dcb='off')
    params = {'state': 'merged', 'config': [{'interface': 'eth2'}], 'sysroot': sim.root, 'netns': sim.netns,
              'dcb_timeout': 0, 'destroy_timeout': 1, 'persist': True, 'fcoemon_policy': 'refuse', 'lock_timeout': 30}
    assert [item['object'] for item in run_fcoe(params, False)['pending']] == ['eth2']
    # The mechanism: lldpad's state of the interfaces that wait, polled and compared.
    watcher = Watcher(sim.root, sim.netns, None, None)
    waiting = watcher.watches['fcoe'].waiting_dcb()
    assert waiting is not None and watcher.watches['fcoe'].waiting_dcb() == waiting
    sim.event('dcb-set', iface='eth2', dcb='on')
    assert watcher.watches['fcoe'].waiting_dcb() not in (None, waiting)
    # After a pass, the baseline is what the pass read, not a later reading: a change in between is not lost.
    assert watcher.watches['fcoe'].waiting_dcb({'eth2': dict(waiting['eth2'], device='eth2')}) == waiting
    sim.event('dcb-set', iface='eth2', dcb='off')
    # End to end: with an hour-long interval, DCB coming back is acted on by the poll.
    watch = Watch(sim)
    try:
        watch.wait_for('pass done')
        sim.event('dcb-set', iface='eth2', dcb='on')
        watch.wait_for('fcoe eth2 create done')
        reasons = [entry for entry in watch.log if entry.startswith('pass (')]
        assert reasons[-1] != 'pass (interval)', reasons
    finally:
        assert watch.stop() == 0
    assert run_fcoe(params, False)['pending'] == [] and Watcher(sim.root, sim.netns, None, None).watches['fcoe'].waiting_dcb() is None


def test_watch_notices_dcb_going_off_on_an_interface_in_service(sim):
    params = {'state': 'merged', 'config': [{'interface': 'eth1'}, {'interface': 'eth2'}], 'sysroot': sim.root,
              'netns': sim.netns, 'dcb_timeout': 5, 'destroy_timeout': 5, 'persist': True,
              'fcoemon_policy': 'refuse', 'lock_timeout': 30}
    assert run_fcoe(params, False)['pending'] == []
    # The mechanism: one interface in service polled per poll, in turn, for DCB still ready for FCoE;
    # a watcher that never saw it ready notices too (no baseline to go stale).
    watcher = Watcher(sim.root, sim.netns, None, None)
    assert [watcher.watches['fcoe'].in_service_not_ready() for _turn in range(4)] == [None] * 4
    sim.event('dcb-set', iface='eth2', dcb='off')
    assert [watcher.watches['fcoe'].in_service_not_ready() for _turn in range(2)] == [None, 'eth2']
    fresh = Watcher(sim.root, sim.netns, None, None)
    assert [fresh.watches['fcoe'].in_service_not_ready() for _turn in range(2)] == [None, 'eth2']
    sim.event('dcb-set', iface='eth2', dcb='on')
    # End to end: with an hour-long interval, DCB going off is acted on by the poll: eth2 destroyed.
    # A pass that a stray link event starts may get there first; then the round is tried again.
    watch = Watch(sim)
    try:
        watch.wait_for('pass done')
        for _round in range(3):
            seen = len(watch.log)
            sim.event('dcb-set', iface='eth2', dcb='off')
            line = watch.wait_for('fcoe eth2 destroy done')
            assert 'DCB is off' in line, line
            reasons = [entry for entry in watch.log[seen:] if entry.startswith('pass (')]
            if 'DCB changed on eth2' in reasons[-1]:
                break
            sim.event('dcb-set', iface='eth2', dcb='on')
            watch.wait_for('fcoe eth2 create done')
        assert 'DCB changed on eth2' in reasons[-1], watch.log
    finally:
        assert watch.stop() == 0


def fcoe_params(sim, config, **values):
    return dict({'state': 'merged', 'config': config, 'sysroot': sim.root, 'netns': sim.netns, 'dcb_timeout': 0,
                 'destroy_timeout': 5, 'persist': True, 'fcoemon_policy': 'refuse', 'lock_timeout': 30}, **values)


def test_a_failed_dcb_step_on_an_interface_in_service_is_not_ready(sim):
    """A DCB query that fails, and DCB not synchronised, are failed steps of fcoemon's sequence: the poll of an
    interface in service reports them, so that a pass starts the retry timer."""
    assert run_fcoe(fcoe_params(sim, [{'interface': 'eth1'}]), False)['pending'] == []
    watcher = Watcher(sim.root, sim.netns, None, None)
    assert watcher.watches['fcoe'].in_service_not_ready() is None
    fault = sim.fault(kind='tool', target='lldpad', mode='garbage')
    assert watcher.watches['fcoe'].in_service_not_ready() == 'eth1'
    sim.request({'op': 'fault', 'action': 'clear', 'id': fault['id']})
    assert watcher.watches['fcoe'].in_service_not_ready() is None
    sim.event('dcb-set', iface='eth1', **{'pfc.syncd': 'false', 'app.syncd': 'false'})
    assert watcher.watches['fcoe'].in_service_not_ready() == 'eth1'


def test_watch_destroys_when_the_retries_run_out(sim):
    """DCB not ready on an interface in service: the watch starts the retries and runs each one when it is due,
    the last included (11 s after the first failed step), which destroys; nothing waits for the interval."""
    assert run_fcoe(fcoe_params(sim, [{'interface': 'eth1'}]), False)['pending'] == []
    watch = Watch(sim)
    try:
        watch.wait_for('pass done')
        sim.event('dcb-set', iface='eth1', **{'app.oper': 'false'})   # unmet, not a destroy condition
        line = watch.wait_for('fcoe eth1 destroy done')
        assert 'App:FCoE is not operational on eth1, still after 10 retries' in line, line
        reasons = [entry for entry in watch.log if entry.startswith('pass (')]
        assert 'FCoE retry due' in reasons[-1], '\n'.join(watch.log)
        assert not any('interval' in entry for entry in reasons[1:]), reasons
        observed = StateStore(Sysroot(sim.root)).load('fcoe').observations['eth1']
        assert observed['retries'] == 10 and 'next_retry' not in observed
        # Exhausted, it waits for DCB to change; ready again, it is created again, and the count starts over.
        sim.event('dcb-set', iface='eth1', **{'app.oper': 'true'})
        watch.wait_for('fcoe eth1 create done')
    finally:
        assert watch.stop() == 0
    observed = StateStore(Sysroot(sim.root)).load('fcoe').observations['eth1']
    assert not {'retries', 'unmet_since', 'next_retry'} & set(observed), observed


def test_watch_retries_a_failing_dcb_query_to_the_end(sim):
    """lldpad answering garbage on its socket for an interface in service: a failed step each time, retried by the watch's timer;
    still failing after the tenth retry, the interface is destroyed."""
    assert run_fcoe(fcoe_params(sim, [{'interface': 'eth1'}]), False)['pending'] == []
    watch = Watch(sim)
    try:
        watch.wait_for('pass done')
        sim.fault(kind='tool', target='lldpad', mode='garbage')
        line = watch.wait_for('fcoe eth1 destroy done')
        assert 'DCB state of eth1 is unknown' in line and 'still after 10 retries' in line, line
        reasons = [entry for entry in watch.log if entry.startswith('pass (')]
        assert any('DCB changed on eth1' in entry for entry in reasons), reasons
        assert sum('FCoE retry due' in entry for entry in reasons) >= 2 and not any(
            'interval' in entry for entry in reasons[1:]), reasons
    finally:
        assert watch.stop() == 0
