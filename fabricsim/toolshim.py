"""Stand-in tools: small executables under <root>/usr/sbin that ask the daemon for their output.

The script is self-contained (no imports beyond the standard library, started with -S)
so that a tool run costs little more than a real tool's. It prints what the live model
renders, with the real exit status, and honours a "timeout" fault by hanging.
"""

from __future__ import annotations

import os
import shutil
import sys

TEMPLATE = r'''#!{python} -S
# fabricsim stand-in for {tool}: output comes from the simulator's live model.
import json, socket, sys, time
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    sock.connect({socket!r})
except OSError as exc:
    sys.stderr.write("{tool}: fabricsim is not running (%s)\n" % exc)
    sys.exit(127)
sock.sendall(json.dumps({{"op": "tool", "tool": {tool!r}, "argv": sys.argv[1:]}}).encode() + b"\n")
sock.shutdown(socket.SHUT_WR)
data = b"".join(iter(lambda: sock.recv(65536), b""))
answer = json.loads(data.decode())
if not answer.get("ok"):
    sys.stderr.write("{tool}: %s\n" % answer.get("error"))
    sys.exit(127)
if answer.get("delay"):
    time.sleep(answer["delay"])
sys.stdout.write(answer["stdout"])
sys.stderr.write(answer["stderr"])
sys.exit(answer["rc"])
'''

TOOL_DIR = 'usr/sbin'
SYSTEM_PYTHON = '/usr/bin/python3'


def stand_in_python() -> str:
    """The system's python3 when there is one: the stand-ins use only the standard library,
    and a container that has the simulator's root bind-mounted (the reconciler's systemd
    test) has /usr/bin/python3 but not this checkout's venv."""
    return SYSTEM_PYTHON if os.access(SYSTEM_PYTHON, os.X_OK) else sys.executable


def install(root: str, tools: list, socket_path: str) -> list:
    """Write one stand-in per tool; return their paths."""
    directory = os.path.join(root, TOOL_DIR)
    os.makedirs(directory, exist_ok=True)
    paths = []
    for tool in tools:
        path = os.path.join(directory, tool)
        text = TEMPLATE.format(python=stand_in_python(), tool=tool, socket=socket_path)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)
        os.chmod(path, 0o755)
        paths.append(path)
    return paths


def link_host_tools(root: str, tools: list) -> None:
    """Use the host's real tool (lldpad's dcbtool, say) instead of a stand-in."""
    directory = os.path.join(root, TOOL_DIR)
    os.makedirs(directory, exist_ok=True)
    for tool in tools:
        real = shutil.which(tool, path='/usr/sbin:/usr/bin:/sbin:/bin')
        if real is None:
            raise FileNotFoundError('host tool %s is not installed' % tool)
        link = os.path.join(directory, tool)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(real, link)
