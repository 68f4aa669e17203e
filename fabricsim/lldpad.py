"""lldpad's client socket, served by the simulator inside its network namespace while the scenario's lldpad runs.

lldpad binds the abstract name ``\\0/com/intel/lldpad`` (an AF_UNIX datagram socket, include/clif_sock.h).
Abstract names belong to the network namespace the socket was created in, so the socket is made by a
short-lived thread that has entered the simulator's namespace: clients there (fcoemon, dcbtool, the
collection) reach it, clients on the host do not. lldpad stopped means nothing is bound: a client's
connect is refused, as with the real daemon.
"""

from __future__ import annotations

import ctypes
import os
import select
import socket
import threading

ADDRESS = b'\0/com/intel/lldpad'
MAX_REQUEST = 4096          # MAX_CLIF_MSGBUF
CLONE_NEWNET = 0x40000000
NETNS_DIRS = ('/run/netns', '/var/run/netns')


def socket_in(netns: str, family: int, kind: int) -> socket.socket:
    """A socket created inside ``netns`` (setns(2) moves only the calling thread, so a thread of its own)."""
    made: dict = {}

    def enter() -> None:
        try:
            path = next((os.path.join(d, netns) for d in NETNS_DIRS if os.path.exists(os.path.join(d, netns))), None)
            if path is None:
                raise FileNotFoundError('no network namespace %s' % netns)
            fd = os.open(path, os.O_RDONLY)
            try:
                if ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), 'setns %s' % netns)
            finally:
                os.close(fd)
            made['socket'] = socket.socket(family, kind)
        except OSError as exc:
            made['error'] = exc
    thread = threading.Thread(target=enter, name='lldpad-netns')
    thread.start()
    thread.join()
    if 'error' in made:
        raise made['error']
    return made['socket']


class LldpadSocket:
    """Binds and unbinds lldpad's socket; ``answer(request) -> reply | None`` gives each datagram's reply."""

    def __init__(self, netns: str, answer):
        self.netns = netns
        self.answer = answer
        self.sock: socket.socket | None = None
        self.thread: threading.Thread | None = None
        self._wake_r = self._wake_w = -1
        self._syncing = threading.Lock()

    @property
    def bound(self) -> bool:
        return self.sock is not None

    def sync(self, running: bool) -> None:
        """Bound while lldpad runs, unbound while it does not. Call without holding the fabric's lock."""
        with self._syncing:
            if running and not self.bound:
                self.bind()
            elif not running and self.bound:
                self.unbind()

    def bind(self) -> None:
        sock = socket_in(self.netns, socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.bind(ADDRESS)
        except OSError:
            sock.close()
            raise
        self._wake_r, self._wake_w = os.pipe()
        self.sock = sock
        self.thread = threading.Thread(target=self._serve, args=(sock, self._wake_r), name='lldpad-clif', daemon=True)
        self.thread.start()

    def unbind(self) -> None:
        """Stop serving and release the name before returning: the next connect is refused."""
        if self.sock is None:
            return
        os.write(self._wake_w, b'x')
        self.thread.join()
        self.sock.close()
        os.close(self._wake_r)
        os.close(self._wake_w)
        self.sock, self.thread = None, None

    def _serve(self, sock: socket.socket, wake: int) -> None:
        while True:
            ready = select.select([sock, wake], [], [])[0]
            if wake in ready:
                return
            try:
                request, sender = sock.recvfrom(MAX_REQUEST)
            except OSError:
                continue
            reply = self.answer(request)
            if reply is None or not sender:
                continue        # a hung lldpad says nothing; an unbound client cannot be answered
            try:
                # Never blocks on a client that stopped reading: the reply is dropped (a guess; the reference does
                # not say what lldpad does then, and a simulator stuck on one client would stall every other).
                sock.sendto(reply, socket.MSG_DONTWAIT, sender)
            except OSError:
                pass            # the client went away (timed out and closed): lldpad drops the reply too
