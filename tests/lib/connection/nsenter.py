# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A test-only connection into a booted systemd-nspawn container, by its init's pid.

The systemd molecule scenario boots Debian with --register=no (there is no machined on
this host, systemd is not PID 1 here), so machinectl cannot reach it. nsenter can: commands
run in the container's namespaces, and files are copied through /proc/<pid>/root.
"""

from __future__ import annotations

DOCUMENTATION = '''
name: nsenter
short_description: Run tasks inside a container through nsenter (iofabric.core tests only)
description:
  - Enters the mount, UTS, IPC, network and PID namespaces of the container's init.
author: iofabric.core maintainers
options:
  pid_file:
    description: File holding the pid of the container's init, as seen from the host.
    type: str
    vars:
      - name: nsenter_pid_file
'''

import os
import shutil
import subprocess

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.connection import ConnectionBase

NSENTER = '/usr/bin/nsenter'


class Connection(ConnectionBase):
    transport = 'nsenter'
    has_pipelining = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pid = None

    def _connect(self):
        if self._pid is None:
            path = self.get_option('pid_file')
            try:
                with open(path, encoding='ascii') as handle:
                    self._pid = int(handle.read().strip())
            except (OSError, ValueError) as exc:
                raise AnsibleConnectionFailure('nsenter: no container init pid in %s: %s' % (path, exc)) from None
            if not os.path.isdir('/proc/%d' % self._pid):
                raise AnsibleConnectionFailure('nsenter: the container (init pid %d) is not running' % self._pid)
        self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        argv = [NSENTER, '-t', str(self._pid), '-m', '-u', '-i', '-n', '-p', '--', '/bin/sh', '-c', cmd]
        proc = subprocess.run(argv, input=in_data, capture_output=True, check=False)
        return proc.returncode, proc.stdout, proc.stderr

    def _inside(self, path):
        return '/proc/%d/root/%s' % (self._pid, path.lstrip('/'))

    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        shutil.copyfile(in_path, self._inside(out_path))

    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        shutil.copyfile(self._inside(in_path), out_path)

    def close(self):
        self._connected = False
