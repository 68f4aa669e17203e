# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of module arguments, checked before AnsibleModule sees them.

PRIVATE to the collection. ansible-core's argument validation crashes with a TypeError
("argument of type 'int' is not iterable") when a number, a boolean or a list is given
where a dict with suboptions is expected (ansible/ansible PR #81631, unfixed in 2.19), and
a string there fails with a message that does not name the option. This walks the raw
arguments along the argument spec and names the first value of the wrong shape, as
``config[2].primary``, so the task fails with a message an operator can act on.
"""

from __future__ import annotations


def _kind(value) -> str:
    return 'null' if value is None else type(value).__name__


def shape_problem(argument_spec: dict, params, prefix: str = '', to_dict=None) -> str:
    """'' if every option with suboptions holds a mapping (or a list of mappings), else the message.

    to_dict: how a string becomes a mapping (Ansible's ``key=value`` or JSON); without it a
    string is the wrong shape.
    """
    if not isinstance(params, dict):
        return '%s: must be a mapping of options, got %s' % (prefix or 'arguments', _kind(params))
    for name, spec in argument_spec.items():
        field = '%s.%s' % (prefix, name) if prefix else name
        problem = number_for_string(field, spec, params.get(name))
        if problem:
            return problem
        if not spec.get('options') or params.get(name) is None:
            continue
        value = params[name]
        if spec.get('type', 'str') == 'list':
            if not isinstance(value, list):
                return '%s: must be a list of mappings, got %s %s' % (field, _kind(value), _short(value))
            elements = [('%s[%d]' % (field, number), item) for number, item in enumerate(value)]
        else:
            elements = [(field, value)]
        for where, item in elements:
            if isinstance(item, str) and to_dict is not None:
                try:
                    item = to_dict(item)
                except (TypeError, ValueError) as exc:
                    return '%s: must be a mapping of %s; the string %s is not one (%s)' % (
                        where, ', '.join(sorted(spec['options'])), _short(item), exc)
            if not isinstance(item, dict):
                return '%s: must be a mapping of %s, got %s %s' % (
                    where, ', '.join(sorted(spec['options'])), _kind(item), _short(item))
            problem = shape_problem(spec['options'], item, where, to_dict)
            if problem:
                return problem
    return ''


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number_for_string(field: str, spec: dict, value) -> str:
    """A number where a string is expected: almost always YAML reading an unquoted value.

    YAML 1.1 (Ansible's) reads digit groups separated by colons as one base-60 number: an
    unquoted SCSI address 1:0:3:0 arrives as 216180, a MAC of digits likewise. Ansible would
    turn the number into a string silently, and the error would come later, about 216180.
    """
    kind = spec.get('type', 'str')
    if kind == 'str' and _is_number(value):
        found = [(field, value)]
    elif kind == 'list' and spec.get('elements') == 'str' and isinstance(value, list):
        found = [('%s[%d]' % (field, number), item) for number, item in enumerate(value) if _is_number(item)]
    else:
        return ''
    if not found:
        return ''
    where, number = found[0]
    hint = ' (unquoted, YAML reads digits separated by colons, such as 1:0:3:0 or a MAC of digits, as one base-60 ' \
           'number)' if isinstance(number, int) and number >= 60 else ''
    return '%s: the number %s arrived where a string is expected%s; quote it, as in %s: "1:0:3:0"' % (
        where, number, hint, where.rsplit('.', 1)[-1].split('[')[0])


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + '...'
