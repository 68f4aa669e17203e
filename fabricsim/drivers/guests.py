"""The guests on the hypervisor: libvirt domains (through libvirt's real test driver) and Xen domains
(through xenstore stand-ins), with their taps, bridges and macvtaps as real links.

libvirt: the simulator keeps a node XML that ``test:///<path>`` opens (a real libvirt
connection) and rewrites it on guest-start, guest-stop and guest-migrate; the test driver
names interface targets itself (testnetN), so guests are matched by their interface source
(the bridge, or the parent of a macvtap), as libvirt attaches them. Real links: each
running guest interface has a tap (a real persistent tap, in the bridge) or a macvtap on
its parent carrying the guest's MAC. Xen: xenstore's /local/domain tree with the backend
vif MACs, read by xenstore-read/-list/-ls stand-ins; vif<dom>.<dev> taps in the bridge.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid as _uuid
from xml.sax.saxutils import escape, quoteattr

from fabricsim import vfs

NODE_XML = '/var/lib/fabricsim/libvirt/node.xml'
LIBVIRT_CONF = '/etc/libvirt/libvirt.conf'
XML_HEAD = "<node>\n"
TEST_NS = "xmlns:test='http://libvirt.org/schemas/domain/test/1.0'"
SHUTOFF = 5


class Guest:
    def __init__(self, conf: dict, hypervisor: str):
        self.name = conf['name']
        self.hypervisor = hypervisor
        self.uuid = str(_uuid.uuid5(_uuid.NAMESPACE_URL, 'fabricsim-guest:' + self.name))
        self.domid = int(conf.get('domid', 0))
        self.state = conf.get('state', 'running')  # running | shutoff | elsewhere (migrated away)
        self.transmitted = bool(conf.get('transmitted', True))  # has sent frames before the scenario starts
        self.interfaces = []
        for number, iface in enumerate(conf.get('interfaces', conf.get('vifs', []))):
            self.interfaces.append({'mac': iface['mac'].lower(), 'bridge': iface.get('bridge'),
                                    'direct': iface.get('direct'), 'dev': int(iface.get('dev', number)),
                                    'target': iface.get('target') or ('vif%d.%d' % (self.domid, number)
                                                                      if hypervisor == 'xen' else 'vnet%d' % number)})


class GuestsDriver:
    name = 'guests'

    def __init__(self, fabric, config: dict, root: str | None):
        self.fabric = fabric
        self.root = root
        self.guests = {}
        for conf in config.get('libvirt', []):
            self.guests[conf['name']] = Guest(conf, 'libvirt')
        for conf in config.get('xen', []):
            self.guests[conf['name']] = Guest(conf, 'xen')
        self.libvirt_up = True
        self.xenstore_up = True
        if config.get('xen'):
            # A dom0 (xenfs mounted): /proc/xen/capabilities reads "control_d".
            fabric.root.get('proc').mount('xen', vfs.Dir({'capabilities': vfs.text_attr(lambda: 'control_d')}))

    # -- the node XML and the links ------------------------------------------------------
    @property
    def node_xml(self) -> str | None:
        return os.path.join(self.root, NODE_XML.lstrip('/')) if self.root else None

    def boot(self) -> None:
        """Write the node XML, plug the running guests, and let those that have sent frames
        be known to their EoIB parent (the fabric's boot hook; the daemon runs it once the
        namespace's links are in the model)."""
        self.write_xml()
        self.write_client_conf()
        for guest in self.guests.values():
            if guest.state == 'running':
                self.plug(guest)
                if guest.transmitted:
                    self.transmit(guest, immediate=True)

    def write_client_conf(self) -> None:
        """<root>/etc/libvirt/libvirt.conf naming the test driver as the default URI, as an
        admin's uri_default would name qemu:///system."""
        if not self.node_xml:
            return
        path = os.path.join(self.root, LIBVIRT_CONF.lstrip('/'))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('# written by fabricsim: the simulated host\'s libvirt is the test driver\n'
                         'uri_default = "%s"\n' % self.uri)

    @property
    def uri(self) -> str | None:
        return 'test://' + self.node_xml if self.node_xml else None

    def write_xml(self) -> None:
        if not self.node_xml:
            return
        os.makedirs(os.path.dirname(self.node_xml), exist_ok=True)
        domains = []
        for guest in self.guests.values():
            if guest.hypervisor != 'libvirt' or guest.state == 'elsewhere':
                continue
            interfaces = ''.join(self._interface_xml(iface) for iface in guest.interfaces)
            runstate = '    <test:runstate>%d</test:runstate>\n' % SHUTOFF if guest.state == 'shutoff' else ''
            # A fixed UUID, as a real domain has: the test driver makes up a new one at every
            # connection otherwise, and virsh looks domains up by UUID in a second connection.
            domains.append("  <domain type='test' %s>\n    <name>%s</name>\n    <uuid>%s</uuid>\n"
                           "    <memory>1048576</memory>\n"
                           "    <os><type>hvm</type></os>\n    <devices>\n%s    </devices>\n%s  </domain>\n"
                           % (TEST_NS, escape(guest.name), guest.uuid, interfaces, runstate))
        path = self.node_xml if self.libvirt_up else self.node_xml + '.down'
        temp = path + '.tmp'
        with open(temp, 'w', encoding='utf-8') as handle:
            handle.write(XML_HEAD + ''.join(domains) + '</node>\n')
        os.replace(temp, path)
        if not self.libvirt_up and os.path.exists(self.node_xml):
            os.unlink(self.node_xml)

    @staticmethod
    def _interface_xml(iface: dict) -> str:
        if iface['direct']:
            return ("      <interface type='direct'>\n        <mac address=%s/>\n        <source dev=%s mode='bridge'/>\n"
                    "        <target dev=%s/>\n      </interface>\n" % (quoteattr(iface['mac']), quoteattr(
                        iface['direct']), quoteattr(iface['target'])))
        values = (quoteattr(iface['mac']), quoteattr(iface['bridge']), quoteattr(iface['target']))
        return ("      <interface type='bridge'>\n        <mac address=%s/>\n        <source bridge=%s/>\n"
                "        <target dev=%s/>\n      </interface>\n" % values)

    def _ip(self, *args: str, tool: str = 'ip', check: bool = True) -> None:
        netns = self.fabric.netns
        if netns is not None:
            subprocess.run([tool, '-n', netns.name] + list(args), check=check, capture_output=True)

    @staticmethod
    def port_mac(guest: Guest, iface: dict) -> str:
        """The host side of a guest NIC: libvirt gives its tap the guest MAC with the first
        octet set to 0xfe; Xen's netback gives every vif fe:ff:ff:ff:ff:ff."""
        return 'fe:ff:ff:ff:ff:ff' if guest.hypervisor == 'xen' else 'fe' + iface['mac'][2:]

    def plug(self, guest: Guest) -> None:
        """Create the guest's ports: a bridge port per bridged NIC, a macvtap per direct NIC.

        Guess, stated: a bridge port is a veth pair (the port in the bridge, its peer up as the
        guest's end) rather than a tap, because a tap nobody has opened has no carrier and the
        bridge would neither forward nor learn on it. macvtaps are real macvtaps.
        """
        netdevs = self.fabric.drivers['netdevs']
        for iface in guest.interfaces:
            port = iface['target']
            if self.fabric.netns is not None:
                if iface['direct']:
                    self._ip('link', 'add', 'link', iface['direct'], 'name', port, 'address', iface['mac'],
                             'type', 'macvtap', 'mode', 'bridge')
                else:
                    self._ip('link', 'add', port, 'address', self.port_mac(guest, iface), 'type', 'veth', 'peer',
                             'name', port + 'g')
                    self._ip('link', 'set', port, 'master', iface['bridge'])
                    self._ip('link', 'set', port + 'g', 'up')
                self._ip('link', 'set', port, 'up')
            elif iface['direct']:
                netdevs.set(port, kind='macvtap', lower=netdevs.devices[iface['direct']].index, address=iface['mac'])
            else:
                netdevs.set(port, kind='veth', master=netdevs.devices[iface['bridge']].index,
                            address=self.port_mac(guest, iface), promisc=True)
        self._sync()

    def unplug(self, guest: Guest) -> None:
        netdevs = self.fabric.drivers['netdevs']
        for iface in guest.interfaces:
            if self.fabric.netns is not None:
                self._ip('link', 'del', iface['target'], check=False)  # a veth takes its peer with it
            elif iface['target'] in netdevs.devices:
                netdevs.remove(iface['target'])
        self._sync()

    def _sync(self) -> None:
        if self.fabric.sync_links is not None:
            self.fabric.sync_links()

    def transmit(self, guest: Guest, immediate: bool = False) -> list:
        """The guest sends a frame on each NIC: the bridge learns its MAC on the guest's port
        (a real dynamic FDB entry, which ages out like any other) and the EoIB parent the frame
        leaves through learns it (vnic_learn_mac, when the parent is promiscuous)."""
        mlx4 = self.fabric.drivers.get('mlx4_vnic')
        netdevs = self.fabric.drivers['netdevs']
        learned = []
        if guest.state != 'running':
            return learned
        for iface in guest.interfaces:
            if iface['direct']:
                parents = [iface['direct']]
            else:
                self._ip('fdb', 'replace', iface['mac'], 'dev', iface['target'], 'master', 'use', 'dynamic',
                         tool='bridge', check=False)
                parents = self._bridge_uplinks(netdevs, iface['bridge'])
            for parent in parents:
                if mlx4 is not None and parent in mlx4.parents and mlx4.transmit(parent, iface['mac'], immediate):
                    learned.append([parent, iface['mac']])
        return learned

    @staticmethod
    def _bridge_uplinks(netdevs, bridge_name: str) -> list:
        """The ports of the bridge, and the slaves of bonds that are ports of it."""
        bridge = netdevs.devices.get(bridge_name)
        if bridge is None:
            return []
        ports = [d for d in netdevs.devices.values() if d.master == bridge.index]
        names = []
        for port in ports:
            names.append(port.name)
            names.extend(d.name for d in netdevs.devices.values() if d.master == port.index)
        return names

    # -- xenstore ----------------------------------------------------------------------
    def xenstore(self) -> dict:
        """The part of the xenstore tree the tools can see: path -> value (None for directories)."""
        tree = {'/local': None, '/local/domain': None, '/local/domain/0': None, '/local/domain/0/name': 'Domain-0',
                '/local/domain/0/backend': None, '/local/domain/0/backend/vif': None}
        for guest in self.guests.values():
            if guest.hypervisor != 'xen' or guest.state != 'running':
                continue
            tree['/local/domain/%d' % guest.domid] = None
            tree['/local/domain/%d/name' % guest.domid] = guest.name
            base = '/local/domain/0/backend/vif/%d' % guest.domid
            tree[base] = None
            for iface in guest.interfaces:
                tree['%s/%d' % (base, iface['dev'])] = None
                tree['%s/%d/mac' % (base, iface['dev'])] = iface['mac']
                tree['%s/%d/bridge' % (base, iface['dev'])] = iface['bridge'] or ''
                tree['%s/%d/online' % (base, iface['dev'])] = '1'
        return tree

    def tool_read(self, argv: list) -> tuple:
        if not self.xenstore_up:
            return 1, '', 'xenstore-read: could not connect to xenstored\n'
        tree, out = self.xenstore(), []
        for path in argv:
            if tree.get(path) is None:
                return 1, ''.join(out), 'xenstore-read: couldn\'t read path %s\n' % path
            out.append(tree[path] + '\n')
        return 0, ''.join(out), ''

    def _children(self, tree: dict, path: str) -> list:
        prefix = path.rstrip('/') + '/'
        return sorted({key[len(prefix):].split('/')[0] for key in tree if key.startswith(prefix)}, key=_natural)

    def tool_list(self, argv: list) -> tuple:
        if not self.xenstore_up:
            return 1, '', 'xenstore-list: could not connect to xenstored\n'
        tree = self.xenstore()
        if not argv or argv[0] not in tree:
            return 1, '', 'xenstore-list: couldn\'t list path %s\n' % (argv[0] if argv else '')
        return 0, ''.join(name + '\n' for name in self._children(tree, argv[0])), ''

    def tool_ls(self, argv: list) -> tuple:
        if not self.xenstore_up:
            return 1, '', 'xenstore-ls: could not connect to xenstored\n'
        tree = self.xenstore()
        start = argv[0] if argv else '/'
        if start != '/' and start not in tree:
            return 1, '', 'xenstore-ls: couldn\'t list path %s\n' % start
        out = []

        def walk(path: str, depth: int) -> None:
            for name in self._children(tree, path if path != '/' else ''):
                child = (path.rstrip('/') + '/' + name) if path != '/' else '/' + name
                out.append('%s%s = "%s"\n' % (' ' * depth, name, tree.get(child) or ''))
                walk(child, depth + 1)
        walk(start, 0)
        return 0, ''.join(out), ''

    # -- events ------------------------------------------------------------------------
    def events(self) -> dict:
        return {'guest-start': self.ev_start, 'guest-stop': self.ev_stop, 'guest-migrate': self.ev_migrate,
                'guest-transmit': self.ev_transmit, 'libvirt-down': lambda args: self._libvirt(False),
                'libvirt-up': lambda args: self._libvirt(True), 'xenstore-down': lambda args: self._xen(False),
                'xenstore-up': lambda args: self._xen(True)}

    def _guest(self, args: dict) -> Guest:
        if args.get('name') not in self.guests:
            raise ValueError('no guest %r (known: %s)' % (args.get('name'), ', '.join(sorted(self.guests))))
        return self.guests[args['name']]

    def ev_start(self, args: dict) -> dict:
        guest = self._guest(args)
        if guest.state != 'running':
            guest.state = 'running'
            self.plug(guest)
            self.write_xml()
        return {'guest': guest.name, 'state': guest.state}

    def ev_stop(self, args: dict) -> dict:
        guest = self._guest(args)
        if guest.state == 'running':
            self.unplug(guest)
        guest.state = 'shutoff'
        self.write_xml()
        return {'guest': guest.name, 'state': guest.state}

    def ev_migrate(self, args: dict) -> dict:
        """direction=out: the guest leaves this host (gone from its libvirt and xenstore); in: it comes back."""
        guest = self._guest(args)
        if args.get('direction', 'out') == 'out':
            if guest.state == 'running':
                self.unplug(guest)
            guest.state = 'elsewhere'
        elif guest.state != 'running':
            guest.state = 'running'
            self.plug(guest)
        self.write_xml()
        return {'guest': guest.name, 'state': guest.state}

    def ev_transmit(self, args: dict) -> dict:
        guest = self._guest(args)
        return {'guest': guest.name, 'learned': self.transmit(guest)}

    def _libvirt(self, up: bool) -> dict:
        self.libvirt_up = up
        if up and self.node_xml and os.path.exists(self.node_xml + '.down'):
            os.unlink(self.node_xml + '.down')
        self.write_xml()
        return {'libvirt': 'up' if up else 'down'}

    def _xen(self, up: bool) -> dict:
        self.xenstore_up = up
        return {'xenstore': 'up' if up else 'down'}

    @staticmethod
    def tool_virsh(argv: list) -> tuple:
        """The host's real virsh (libvirt-clients) against whatever URI it is given (the test
        driver's node XML here): the path a host without libvirt-python takes, unsimulated."""
        path = shutil.which('virsh')
        if path is None:
            return 127, '', 'virsh: not installed on the host running fabricsim\n'
        try:
            proc = subprocess.run([path] + list(argv), capture_output=True, timeout=30, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return 124, '', 'virsh: no answer within 30 s\n'
        return proc.returncode, proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace')

    def tools(self) -> dict:
        tools = {'xenstore-read': self.tool_read, 'xenstore-list': self.tool_list, 'xenstore-ls': self.tool_ls}
        if shutil.which('virsh'):
            tools['virsh'] = self.tool_virsh
        return tools

    def state(self) -> dict:
        return {'libvirt_uri': self.uri,
                'libvirt': 'up' if self.libvirt_up else 'down', 'xenstore': 'up' if self.xenstore_up else 'down',
                'guests': {name: {'hypervisor': g.hypervisor, 'state': g.state, 'interfaces': g.interfaces}
                           for name, g in sorted(self.guests.items())}}


def _natural(name: str):
    return (0, int(name)) if name.isdigit() else (1, name)
