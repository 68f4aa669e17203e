"""Stand-in tools: small executables under <root>/usr/sbin that ask the daemon for their output.

Each is a copy of toolshim.c, compiled once per version of its source into a cache, so that a
tool run costs what a real (C) tool's does: a few milliseconds. Without a C compiler, each is a
self-contained Python script instead (standard library only, started with -S), which costs an
interpreter start, some 30 to 80 ms. Both print what the live model renders, with the real exit
status, and honour a "timeout" fault by hanging.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

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


SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'toolshim.c')
COMPILERS = ('cc', 'gcc')


def cache_dir() -> str:
    return os.path.join(os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'fabricsim')


def compiled() -> str | None:
    """The compiled C stand-in for this version of its source (built once), or None without a compiler."""
    with open(SOURCE, 'rb') as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()[:16]
    binary = os.path.join(cache_dir(), 'toolshim-%s' % digest)
    if os.access(binary, os.X_OK):
        return binary
    compiler = next((found for found in map(shutil.which, COMPILERS) if found), None)
    if compiler is None:
        return None
    os.makedirs(cache_dir(), exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix='.toolshim-', dir=cache_dir())
    os.close(handle)
    proc = subprocess.run([compiler, '-O2', '-Wall', '-o', temp, SOURCE], capture_output=True, check=False)
    if proc.returncode != 0:
        os.unlink(temp)
        sys.stderr.write('fabricsim: cannot compile the C stand-in (%s); using Python stand-ins\n'
                         % proc.stderr.decode(errors='replace').strip()[:300])
        return None
    os.chmod(temp, 0o755)
    os.rename(temp, binary)   # atomic: concurrent simulators never run half a binary
    return binary


def install(root: str, tools: list, socket_path: str) -> list:
    """Write one stand-in per tool; return their paths."""
    directory = os.path.join(root, TOOL_DIR)
    os.makedirs(directory, exist_ok=True)
    binary = None if os.environ.get('FABRICSIM_PYTHON_TOOLS') else compiled()
    paths = []
    for tool in tools:
        path = os.path.join(directory, tool)
        if os.path.lexists(path):
            os.unlink(path)
        if binary is not None:
            shutil.copyfile(binary, path)   # a copy, not a link: /proc/self/exe must name this root
        else:
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write(TEMPLATE.format(python=stand_in_python(), tool=tool, socket=socket_path))
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
