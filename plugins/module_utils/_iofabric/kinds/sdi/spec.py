# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate sdi_device declarations: an address and, optionally, the identity to expect there.

PRIVATE to the collection.
"""

from __future__ import annotations

import re

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError

# drivers/scsi/scsi_lib.c scsi_vpd_lun_id(): NAA and EUI-64 designators as hex, T10 vendor IDs as
# their text (spaces included), SCSI name strings as given (iSCSI names start with iqn.).
_WWID = re.compile(r'(naa|eui)\.[0-9a-fA-F]{8,64}|t10\.[ -~]{1,252}|iqn\.[!-~]{1,252}')
FIELDS = ('address', 'wwid', 'vendor', 'model', 'serial', 'force', 'readd')
IDENTITY = ('wwid', 'vendor', 'model', 'serial')


def _identity_text(value, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, 'must be a non-empty string')
    if len(value) > limit or any(not ' ' <= char <= '~' for char in value):
        raise ValidationError(field, 'must be printable ASCII of at most %d characters' % limit)
    return value.strip()


def normalize(item: dict, field: str) -> tuple:
    unknown = sorted(key for key, value in item.items() if value is not None and key not in FIELDS)
    if unknown:
        raise ValidationError('%s.%s' % (field, unknown[0]), 'is not an option (%s)' % ', '.join(FIELDS))
    if item.get('address') is None:
        raise ValidationError(field + '.address', 'the SCSI address H:C:T:L is required')
    address = ':'.join(str(part) for part in v.scsi_address(item['address'], field + '.address'))
    spec = {'address': address, 'wwid': None, 'vendor': None, 'model': None, 'serial': None, 'force': None,
            'readd': None}
    limits = {'wwid': 256, 'vendor': 8, 'model': 16, 'serial': 64}
    for key in IDENTITY:
        if item.get(key) is not None:
            spec[key] = _identity_text(item[key], '%s.%s' % (field, key), limits[key])
    if spec['wwid'] and not _WWID.fullmatch(spec['wwid']):
        raise ValidationError(field + '.wwid', '%r is not a WWID as the kernel shows one: naa. or eui. and hex digits, '
                                               't10. and the vendor text, or an iqn. name' % spec['wwid'])
    if spec['wwid'] and any(spec[key] for key in ('vendor', 'model', 'serial')):
        raise ValidationError(field + '.wwid', 'give the identity either as wwid or as vendor/model/serial')
    if item.get('force') is not None and not isinstance(item['force'], bool):
        raise ValidationError(field + '.force', 'must be true or false')
    spec['force'] = item.get('force')
    if item.get('readd') is not None and not isinstance(item['readd'], bool):
        raise ValidationError(field + '.readd', 'must be true or false')
    spec['readd'] = item.get('readd')
    return address, spec


def host_of(address: str) -> int:
    return int(address.split(':')[0])
