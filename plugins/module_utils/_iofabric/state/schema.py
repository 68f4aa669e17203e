# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON schemas of the state store documents.

PRIVATE to the collection. The schema checks structure, not policy: the kinds validate
their specs with the same validators the modules use before anything is stored.
"""

from __future__ import annotations

FORMAT = 'iofabric.core/state'
VERSION = 1

_SPEC_REQUIRED = {
    'qlgc': ['type', 'name'],
    'macvlan': ['type', 'lower'],
    'fcoe': ['interface'],
    'sdi': ['address'],
    'eoib': ['parent'],
}


def document_schema(kind: str) -> dict:
    """The schema of one kind's document."""
    return {
        'type': 'object',
        'required': ['format', 'version', 'kind', 'objects', 'observations'],
        'additionalProperties': False,
        'properties': {
            'format': {'const': FORMAT},
            'version': {'type': 'integer', 'minimum': 1, 'maximum': VERSION},
            'kind': {'const': kind},
            'updated': {'type': 'string'},
            'objects': {
                'type': 'object',
                'additionalProperties': {
                    'type': 'object',
                    'required': ['spec'],
                    'additionalProperties': False,
                    'properties': {
                        'spec': {'type': 'object', 'required': _SPEC_REQUIRED[kind]},
                    },
                },
            },
            'observations': {
                'type': 'object',
                'additionalProperties': {'type': 'object'},
            },
        },
    }
