# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the strings written to create_primary / create_secondary.

PRIVATE to the collection. The kernel splits the buffer at commas and matches each token
as ``key=value``; ``ioc_string="..."`` is the only value that may hold commas, and must be
followed by another token. Every value is re-validated here, so that no name or IOC string
can carry a second parameter, and nothing (not even a newline) is added at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v

ZERO_GUID = '0' * 16
ZERO_GID = '0' * 32


@dataclass
class CreateParams:
    """The kernel's view of one path: identity, plus interface options on the first write."""

    name: str
    ioc_guid: str = ZERO_GUID
    dgid: str = ZERO_GID
    pkey: int = 0xffff
    ioc_string: str | None = None
    instance: int = 0
    heartbeat: int | None = None
    rx_csum: bool | None = None
    tx_csum: bool | None = None
    ib_multicast: bool | None = None

    @property
    def complete(self) -> bool:
        """Whether the kernel will try to connect (all of GUID, DGID and P_Key non-zero)."""
        return int(self.ioc_guid, 16) != 0 and int(self.dgid, 16) != 0 and self.pkey != 0


def _hex_exact(value: str, digits: int, field: str) -> str:
    if not re.fullmatch(r'[0-9a-f]{%d}' % digits, value or ''):
        raise v.ValidationError(field, '%r is not %d lowercase hex digits' % (value, digits))
    return value


def _bool(value: bool) -> str:
    return 'true' if value else 'false'


def build(params: CreateParams) -> bytes:
    """Return the exact bytes to write; raises ValidationError on any unsafe value."""
    tokens = [
        'ioc_guid=' + _hex_exact(params.ioc_guid, 16, 'ioc_guid'),
        'dgid=' + _hex_exact(params.dgid, 32, 'dgid'),
        'pkey=%04x' % v.int_range(params.pkey, 'pkey', 0, 0xffff),
    ]
    if params.ioc_string:
        # Placed before name= so that a token always follows the closing quote.
        tokens.append('ioc_string="%s"' % v.ioc_string(params.ioc_string, 'ioc_string'))
    tokens.append('name=' + v.ifname(params.name, 'name'))
    tokens.append('instance=%d' % v.int_range(params.instance, 'instance', 0, 255))
    if params.heartbeat is not None:
        tokens.append('heartbeat=%d' % v.int_range(params.heartbeat, 'heartbeat', 1, 6000))
    for key in ('rx_csum', 'tx_csum', 'ib_multicast'):
        value = getattr(params, key)
        if value is not None:
            tokens.append('%s=%s' % (key, _bool(value)))
    return ','.join(tokens).encode('ascii')
