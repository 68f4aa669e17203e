"""The daemon's control socket: one JSON request and one JSON answer per connection."""

from __future__ import annotations

import json
import os
import socket
import socketserver
import threading

SOCKET = 'run/fabricsim/control.sock'
MAX_MESSAGE = 16 << 20
RAW_TOOL = b'TOOL\n'   # the first line of a request from the C stand-in (toolshim.c)


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
        if line == RAW_TOOL:
            self._raw_tool()
            return
        try:
            message = json.loads(line.decode('utf-8'))
            answer = dict(self.server.dispatch(message), ok=True)
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the client as text
            answer = {'ok': False, 'error': '%s: %s' % (type(exc).__name__, exc)}
        self.wfile.write(json.dumps(answer).encode('utf-8'))

    def _raw_tool(self) -> None:
        """The C stand-in's framing (toolshim.c): NUL-terminated name and arguments in, lengths and bytes out."""
        fields = self.rfile.read(MAX_MESSAGE).split(b'\0')[:-1]
        try:
            if not fields:
                raise ValueError('no tool named')
            name, *argv = [field.decode('utf-8', 'surrogateescape') for field in fields]
            answer = self.server.dispatch({'op': 'tool', 'tool': name, 'argv': argv})
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the client as text
            text = 'ERR %s: %s' % (type(exc).__name__, exc)
            self.wfile.write(text.replace('\n', ' ').encode('utf-8', 'replace') + b'\n')
            return
        out = answer['stdout'].encode('utf-8', 'surrogateescape')
        err = answer['stderr'].encode('utf-8', 'surrogateescape')
        header = 'OK %d %d %d %d\n' % (answer['rc'], round(answer.get('delay', 0) * 1000), len(out), len(err))
        self.wfile.write(header.encode('ascii') + out + err)


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
