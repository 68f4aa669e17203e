# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NICs of libvirt's active domains, through libvirt-python or, without it, virsh.

PRIVATE to the collection. Read-only connections only. A domain that disappears between
the listing and its XML has gone away, which is an answer; anything else that goes wrong
is an error, so that the caller fails closed.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, ToolError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state import cfgfile

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
# One line of virConf: uri_default = "..." or '...', then an optional comment. Matched per line: the old
# whole-file pattern (^\s*uri_default with MULTILINE) let \s* run across lines, quadratic in blank lines.
_URI_DEFAULT = re.compile(r'uri_default[ \t]*=[ \t]*(?:"([^"]*)"|\'([^\']*)\')[ \t]*(?:#.*)?')
_NO_DOMAIN = re.compile(r'failed to get domain|Domain not found', re.IGNORECASE)
_UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
_DRIVER = re.compile(r'[a-z][a-z0-9]*')
_URI_PATH = re.compile(r'[!-~]*')
LOCAL_TRANSPORTS = ('', 'unix')      # ext runs a command; ssh, libssh, tcp and tls reach other hosts
QUERY_KEYS = {'mode': ('auto', 'direct', 'legacy')}


class GuestSourceError(IofabricError):
    """A guest inventory could not be read: nothing may be removed on its word."""

    def __init__(self, message: str, notes: list | None = None):
        super().__init__(message)
        self.notes = list(notes or [])   # what libxml printed, as structured warnings


_LIBXML = re.compile(r'^(I/O (?:warning|error)|parser (?:warning|error)|namespace (?:warning|error))\s*:\s*(.*)$')


def split_libxml(text: str) -> tuple:
    """(libvirt's own lines, libxml's lines as 'libxml: ...'): libxml prints straight to stderr,
    with no priority, what libvirt then reports as an error of its own."""
    own, notes = [], []
    for line in text.splitlines():
        match = _LIBXML.match(line.strip())
        if match:
            notes.append('libxml %s: %s' % (match.group(1), match.group(2)))
        elif line.strip():
            own.append(line.strip())
    return own, notes


@contextlib.contextmanager
def _stderr_captured():
    """fd 2 into a temporary file while libvirt runs, so libxml's raw lines do not reach the
    module's or the service's output; what was written is yielded back as a list."""
    lines: list = []
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 at all: nothing to keep clean
        yield lines
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines.append(sink.read(65536).decode('utf-8', 'replace'))


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


def check_uri(uri, field: str) -> str:
    """A libvirt URI that only a local, read-only connection can come of: a driver, no
    transport but unix (``ext`` runs ``command=``, ssh/tls/tcp/libssh reach other hosts), no
    host, user or port, and no query but ``mode``. Raises ValidationError naming ``field``."""
    if not isinstance(uri, str) or not uri.isprintable() or ' ' in uri or len(uri) > 4096:
        raise ValidationError(field, '%r is not a libvirt URI (printable, no spaces)' % (uri,))
    try:
        parts = urlsplit(uri)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError as exc:   # urlsplit: "Invalid IPv6 URL" on a lone bracket (qemu://]/system)
        raise ValidationError(field, '%r is not a libvirt URI (%s)' % (uri, exc)) from None
    driver, _plus, transport = parts.scheme.partition('+')
    if not _DRIVER.fullmatch(driver) or not uri.startswith(parts.scheme + '://'):
        raise ValidationError(field, '%r is not a libvirt URI (driver:///path, e.g. qemu:///system)' % uri)
    if transport not in LOCAL_TRANSPORTS:
        raise ValidationError(field, '%r uses transport %s; only local connections are allowed (driver:/// or '
                                     'driver+unix:///): ext runs a command and remote transports reach another host'
                              % (uri, transport))
    if parts.netloc:
        raise ValidationError(field, '%r names a host (%s); only local connections are allowed (driver:///path)'
                              % (uri, parts.netloc))
    for key, value in query:
        if value not in QUERY_KEYS.get(key, ()):
            raise ValidationError(field, '%r has the parameter %s=%s; only mode=%s is allowed'
                                  % (uri, key, value, '|'.join(QUERY_KEYS['mode'])))
    if parts.fragment or not _URI_PATH.fullmatch(parts.path) or not (parts.path.startswith('/') or not parts.path):
        raise ValidationError(field, '%r is not a libvirt URI (driver:///path)' % uri)
    return uri


def tap_mac(guest_mac: str) -> str:
    """The MAC libvirt gives the host side (tap) of a bridged guest NIC: the guest's, first octet 0xfe."""
    return 'fe' + guest_mac.lower()[2:]


def configured_uri(sysroot) -> str | None:
    """uri_default from <sysroot>/etc/libvirt/libvirt.conf, as a root client would use it (the first
    setting wins, as in virConfGetValue). Validated like libvirt_uri: a store or a file an attacker can
    write must not make us connect anywhere but locally. Read as the vendor config files are (never
    through a symlink out of the root, size-capped, any bytes); a uri_default line that does not parse
    is refused naming the field, never skipped: the default URI could be the wrong hypervisor."""
    field = 'uri_default in %s' % LIBVIRT_CONF
    for line in cfgfile.read(sysroot, LIBVIRT_CONF).text.split('\n'):
        line = line.strip(' \t\r')
        if line.partition('=')[0].strip(' \t') != 'uri_default':
            continue
        match = _URI_DEFAULT.fullmatch(line)
        if match is None:
            raise ValidationError(field, '%r is not uri_default = "driver:///path"' % cfgfile.printable(line[:200]))
        return check_uri(match.group(1) if match.group(1) is not None else match.group(2), field)
    return None


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
    with _stderr_captured() as printed:
        try:
            return _read_binding(uri)
        except GuestSourceError as exc:
            failure = exc
    _own, notes = split_libxml(''.join(printed))
    raise GuestSourceError(str(failure), failure.notes + notes) from None


def _read_binding(uri: str) -> list:
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
    """Domains by UUID, never by name: virsh takes a digits-only name for an id, and a listing of
    names is one line per name, spaces included; a UUID is one token and unambiguous."""
    try:
        listing = runner.run('virsh', ['-r', '-c', uri, 'list', '--uuid'], check=False)
    except ToolError as exc:  # not installed, or hung
        raise GuestSourceError('libvirt (%s) through virsh: %s' % (uri, exc)) from None
    if listing.rc != 0:
        own, notes = split_libxml(listing.stderr)
        raise GuestSourceError('libvirt (%s) through virsh: virsh list exited %d: %s'
                               % (uri, listing.rc, '; '.join(own) or 'no message'), notes)
    listed = listing.stdout
    uuids = [line.strip() for line in listed.splitlines() if line.strip()]
    for uuid in uuids:
        if not _UUID.fullmatch(uuid.lower()):
            raise GuestSourceError('libvirt (%s): virsh list --uuid printed %r, which is not a UUID' % (uri, uuid[:80]))
    nics = []
    for uuid in uuids:
        try:
            result = runner.run('virsh', ['-r', '-c', uri, 'dumpxml', '--domain', uuid], check=False)
        except ToolError as exc:
            raise GuestSourceError('libvirt (%s) through virsh: %s' % (uri, exc)) from None
        if result.rc != 0:
            if _NO_DOMAIN.search(result.stderr):
                continue  # gone since the listing
            own, notes = split_libxml(result.stderr)
            raise GuestSourceError('libvirt (%s): virsh dumpxml %s failed: %s' % (uri, uuid, '; '.join(own)), notes)
        nics.extend(nics_from_xml(_domain_name(uuid, result.stdout), result.stdout))
    return nics


def _domain_name(uuid: str, text: str) -> str:
    match = re.search(r'<name>([^<]*)</name>', text)
    return match.group(1) if match else uuid
