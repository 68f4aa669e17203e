# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JSON schema of the drift report (docs/drift-report.schema.json is this, as a file).

PRIVATE to the collection.
"""

from __future__ import annotations

_COUNTS = {
    'type': 'object',
    'required': ['in_sync', 'drift', 'pending', 'failed'],
    'additionalProperties': False,
    'properties': {key: {'type': 'integer', 'minimum': 0} for key in ('in_sync', 'drift', 'pending', 'failed')},
}
_STATUS = {'enum': ['in_sync', 'drift', 'pending', 'failed']}
# A host (or a whole report) with no declared object is not in sync: it declares nothing.
_HOST_STATUS = {'enum': ['in_sync', 'drift', 'pending', 'failed', 'nothing_declared']}

SCHEMA = {
    '$schema': 'https://json-schema.org/draft/2020-12/schema',
    '$id': 'urn:iofabric.core:drift-report:1',
    'title': 'iofabric.core drift report',
    'type': 'object',
    'required': ['format', 'version', 'generated', 'status', 'totals', 'hosts'],
    'additionalProperties': False,
    'properties': {
        'format': {'const': 'iofabric.core/drift-report'},
        'version': {'const': 1},
        'generated': {'type': 'string', 'pattern': r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'},
        'status': _HOST_STATUS,
        'totals': _COUNTS,
        'hosts': {
            'type': 'object',
            'additionalProperties': {
                'type': 'object',
                'required': ['status', 'summary', 'objects', 'errors'],
                'additionalProperties': False,
                'properties': {
                    'status': _HOST_STATUS,
                    'summary': _COUNTS,
                    'errors': {'type': 'array', 'items': {
                        'type': 'object', 'required': ['task', 'error'], 'additionalProperties': False,
                        'properties': {'task': {'type': 'string'}, 'error': {'type': 'string'}}}},
                    'objects': {'type': 'array', 'items': {
                        'type': 'object',
                        'required': ['task', 'kind', 'object', 'status'],
                        'additionalProperties': False,
                        'properties': {
                            'task': {'type': 'string'},
                            'kind': {'enum': ['qlgc', 'macvlan', 'fcoe', 'sdi', 'eoib']},
                            'object': {'type': 'string', 'minLength': 1},
                            'status': _STATUS,
                            'reason': {'type': 'string'},
                            'pending': {'type': 'string'},
                            'fields': {'type': 'array', 'items': {
                                'type': 'object', 'required': ['field', 'desired', 'live'],
                                'additionalProperties': False,
                                'properties': {'field': {'type': 'string'}, 'desired': {}, 'live': {}}}},
                        },
                    }},
                },
            },
        },
    },
}
