# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NICs of libvirt's active domains, through libvirt-python or, without it, virsh.

PRIVATE to the collection. Read-only connections only. A domain that disappears between
the listing and its XML has gone away, which is an answer; anything else that goes wrong
is an error, so that the caller fails closed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._errors import IofabricError, ToolError

try:
    import libvirt
    HAS_LIBVIRT = True
except ImportError:  # pragma: no cover - exercised where libvirt-python is absent
    libvirt = None
    HAS_LIBVIRT = False

DEFAULT_URI = 'qemu:///system'
LIBVIRT_CONF = '/etc/libvirt/libvirt.conf'
SOCKETS = ('/run/libvirt/libvirt-sock', '/run/libvirt/virtqemud-sock', '/run/libvirt/libvirt-sock-ro',
           '/run/libvirt/virtqemud-sock-ro', '/var/run/libvirt/libvirt-sock')
_URI_DEFAULT = re.compile(r'^\s*uri_default\s*=\s*"([^"]*)"\s*$', re.MULTILINE)
_NO_DOMAIN = re.compile(r'failed to get domain|Domain not found', re.IGNORECASE)


class GuestSourceError(IofabricError):
    """A guest inventory could not be read: nothing may be removed on its word."""


@dataclass
class GuestNic:
    domain: str
    mac: str
    type: str = ''
    bridge: str = ''     # <source bridge=...> (bridge and network interfaces)
    device: str = ''     # <source dev=...> (direct: the macvtap's lower device)
    target: str = ''     # <target dev=...> (the host side: tap or macvtap)

    def attachment(self) -> str:
        if self.device:
            return 'direct on %s' % self.device
        return 'bridge %s' % self.bridge if self.bridge else 'target %s' % self.target


def configured_uri(sysroot) -> str | None:
    """uri_default from <sysroot>/etc/libvirt/libvirt.conf, as a root client would use it."""
    try:
        with open(sysroot.path(LIBVIRT_CONF), encoding='utf-8') as handle:
            match = _URI_DEFAULT.search(handle.read())
    except OSError:
        return None
    return match.group(1) if match else None


def nics_from_xml(domain: str, text: str) -> list:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise GuestSourceError('libvirt: the XML of domain %s does not parse: %s' % (domain, exc)) from None
    nics = []
    for iface in root.findall('./devices/interface'):
        mac = iface.find('mac')
        if mac is None or not mac.get('address'):
            continue
        source = iface.find('source')
        target = iface.find('target')
        nics.append(GuestNic(domain, mac.get('address').lower(), iface.get('type', ''),
                             bridge=source.get('bridge', '') if source is not None else '',
                             device=source.get('dev', '') if source is not None and iface.get('type') == 'direct' else '',
                             target=target.get('dev', '') if target is not None else ''))
    return nics


def active_nics(uri: str, runner) -> tuple:
    """(nics of every active domain, how they were read)."""
    if HAS_LIBVIRT:
        return _nics_binding(uri), 'libvirt-python'
    return _nics_virsh(uri, runner), 'virsh'


def _nics_binding(uri: str) -> list:
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # errors are raised, not printed
    try:
        conn = libvirt.openReadOnly(uri)
    except libvirt.libvirtError as exc:
        raise GuestSourceError('libvirt (%s) is unreachable: %s' % (uri, exc)) from None
    try:
        nics = []
        for domain in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
            try:
                text = domain.XMLDesc(0)
            except libvirt.libvirtError as exc:
                if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    continue  # gone since the listing
                raise GuestSourceError('libvirt (%s): domain %s: %s' % (uri, domain.name(), exc)) from None
            nics.extend(nics_from_xml(domain.name(), text))
        return nics
    except libvirt.libvirtError as exc:
        raise GuestSourceError('libvirt (%s): %s' % (uri, exc)) from None
    finally:
        conn.close()


def _nics_virsh(uri: str, runner) -> list:
    try:
        names = runner.run('virsh', ['-r', '-c', uri, 'list', '--name']).stdout.split()
    except ToolError as exc:
        raise GuestSourceError('libvirt (%s) through virsh: %s' % (uri, exc)) from None
    nics = []
    for name in names:
        result = runner.run('virsh', ['-r', '-c', uri, 'dumpxml', '--domain', name], check=False)
        if result.rc != 0:
            if _NO_DOMAIN.search(result.stderr):
                continue
            raise GuestSourceError('libvirt (%s): virsh dumpxml %s failed: %s' % (uri, name, result.stderr.strip()))
        nics.extend(nics_from_xml(name, result.stdout))
    return nics
