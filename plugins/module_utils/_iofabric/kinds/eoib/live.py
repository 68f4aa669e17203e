# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EoIB vNics and their child MACs, as mlx4_vnic shows them in /sys/module/mlx4_vnic.

PRIVATE to the collection. Every file is flat in that directory: ``vnic<N>-info`` per
login (N is a global counter; the netdev name is its NETDEV_NAME line), ``vnic<N>-child``
to add or remove a child MAC, and ``vnic-<name>-cmd`` per host-administered vNic, child
vNics included: a child's cmd line holds ``parent=<parent netdev>`` and its MAC. The cmd
files are the only place a child is visible, so they are what removal is confirmed by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import exists, list_dir, read_attr_or

MODULE = '/sys/module/mlx4_vnic'
_INFO = re.compile(r'vnic([0-9]+)-info')   # ASCII: \d also takes '٣', which int() reads as 3
_CMD = re.compile(r'vnic-(.+)-cmd')
_MAC = re.compile(r'[0-9a-f]{2}(:[0-9a-f]{2}){5}')


@dataclass
class EoibParent:
    name: str
    number: int
    mac: str = ''
    port: str = ''
    children: dict = field(default_factory=dict)  # mac -> child vNic name

    @property
    def child_file(self) -> str:
        return 'vnic%d-child' % self.number

    def shape(self) -> dict:
        return {'parent': self.name, 'vnic': 'vnic%d' % self.number, 'mac': self.mac or None,
                'children': sorted(self.children)}


def module_loaded(sysroot) -> bool:
    return exists(sysroot.path(MODULE))


def parse_info(text: str) -> dict:
    """vnic_login_show(): KEY left-justified to 14 columns, then the value."""
    values = {}
    for line in text.splitlines():
        key, _sep, value = line.partition(' ')
        if key:
            values[key] = value.strip()
    return values


def parse_cmd(text: str) -> dict:
    """vnic_login_cmd(): one line of space-separated key=value tokens."""
    return dict(token.split('=', 1) for token in text.split() if '=' in token)


def normal_mac(text: str) -> str | None:
    """Lower-case aa:bb:..; child MACs are stored as written, so case and padding vary."""
    parts = text.strip().lower().split(':')
    if len(parts) != 6 or not all(1 <= len(part) <= 2 for part in parts):
        return None
    try:
        mac = ':'.join('%02x' % int(part, 16) for part in parts)
    except ValueError:
        return None
    return mac if _MAC.fullmatch(mac) else None


def read_parents(sysroot) -> dict:
    """Every vNic with a netdev, by netdev name, with its child MACs."""
    directory = sysroot.path(MODULE)
    entries = list_dir(directory)
    parents: dict = {}
    for entry in entries:
        match = _INFO.fullmatch(entry)
        if not match:
            continue
        info = parse_info(read_attr_or('%s/%s' % (directory, entry), '') or '')
        name = info.get('NETDEV_NAME')
        if name:
            parents[name] = EoibParent(name, int(match.group(1)), normal_mac(info.get('MAC', '')) or '',
                                       info.get('IOA_PORT', ''))
    for entry in entries:
        if not _CMD.fullmatch(entry):
            continue
        cmd = parse_cmd(read_attr_or('%s/%s' % (directory, entry), '') or '')
        parent = parents.get(cmd.get('parent', ''))
        mac = normal_mac(cmd.get('mac', ''))
        if parent is not None and mac:
            parent.children[mac] = cmd.get('name', '')
    return parents


def children_of(sysroot, parent: str) -> set:
    """The child MACs the cmd files list under ``parent`` now (removal confirmation)."""
    directory = sysroot.path(MODULE)
    macs = set()
    for entry in list_dir(directory):
        if _CMD.fullmatch(entry):
            cmd = parse_cmd(read_attr_or('%s/%s' % (directory, entry), '') or '')
            if cmd.get('parent') == parent and normal_mac(cmd.get('mac', '')):
                macs.add(normal_mac(cmd['mac']))
    return macs


@dataclass
class EoibView:
    """What read_live saw beyond the objects: the vendor daemon's config file and processes, the
    parents this run collects, and per parent what the guest sources say (None: not read)."""

    vendor_file: object                             # cfgfile.CfgFile of mlx4_vnic.conf (apply writes it back)
    daemons: list = field(default_factory=list)     # mlx4_vnicd.RunningDaemon
    parents: dict = field(default_factory=dict)     # name -> EoibParent, only those the settings name
    guests: dict = field(default_factory=dict)      # name -> guests.sources.GuestView, or None
    warnings: list = field(default_factory=list)    # what the guest sources' libraries printed
    error: str = ''                                 # why the host could not be read (module, rtnetlink)

    @property
    def vendor_text(self) -> str:
        return self.vendor_file.text
