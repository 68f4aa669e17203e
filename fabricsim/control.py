"""The daemon's control socket: one JSON request and one JSON answer per connection."""

from __future__ import annotations

import json
import os
import socket
import socketserver
import threading

SOCKET = 'run/fabricsim/control.sock'
MAX_MESSAGE = 16 << 20


def socket_path(root: str) -> str:
    return os.path.join(root, SOCKET)


def request(root: str, message: dict, timeout: float = 30.0) -> dict:
    """Send one request to the daemon of ``root``; raises OSError when it is not there."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(socket_path(root))
        sock.sendall(json.dumps(message).encode('utf-8') + b'\n')
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    answer = json.loads(b''.join(chunks).decode('utf-8'))
    if not answer.get('ok', False):
        raise RuntimeError(answer.get('error', 'request failed'))
    return answer


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(MAX_MESSAGE)
        try:
            message = json.loads(line.decode('utf-8'))
            answer = dict(self.server.dispatch(message), ok=True)
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the client as text
            answer = {'ok': False, 'error': '%s: %s' % (type(exc).__name__, exc)}
        self.wfile.write(json.dumps(answer).encode('utf-8'))


class ControlServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, root: str, dispatch):
        path = socket_path(root)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            os.unlink(path)
        self.dispatch = dispatch
        super().__init__(path, _Handler)
        os.chmod(path, 0o600)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name='fabricsim-control', daemon=True)
        thread.start()
        return thread
