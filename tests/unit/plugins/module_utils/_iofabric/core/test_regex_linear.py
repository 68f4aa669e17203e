"""No parser regex in module_utils has two adjacent unbounded repeats over overlapping characters.

Such a pair (``[A-Za-z ]*?\\s*`` before a literal that may be missing) lets the engine try every
split of a long run of shared characters: quadratic time on one hostile line of tool output. The
check reads the compiled pattern's structure, so it does not depend on wall time.
"""

import importlib
import pkgutil
import re
import re._compiler as compiler
import re._constants as C
import re._parser as P

import pytest

from ansible_collections.iofabric.core.plugins import module_utils

# Characters used to tell whether two single-character repeats can match the same character.
_PROBE = [chr(code) for code in range(0, 256)]
_UNBOUNDED = (C.MAX_REPEAT, C.MIN_REPEAT)


def _single_char_set(item, flags):
    """The probe characters matched by ``item`` when it matches exactly one character, else None."""
    op, _av = item
    if op not in (C.IN, C.LITERAL, C.NOT_LITERAL, C.ANY, C.CATEGORY):
        return None
    sub = P.SubPattern(P.State(), [item])
    sub.state.flags = flags
    compiled = compiler.compile(sub, flags)  # compiles a parsed SubPattern as it is
    return frozenset(char for char in _PROBE if compiled.fullmatch(char))


def _flatten(seq):
    """Consuming items in order, groups opened inline; alternations and nested repeats are barriers."""
    for op, av in seq:
        if op is C.SUBPATTERN:
            yield from _flatten(av[-1])
        else:
            yield op, av


def ambiguous_pairs(pattern: re.Pattern) -> list:
    """Adjacent (unbounded single-char repeat, unbounded single-char repeat) pairs with a shared char,
    unless the second is the last consuming item (nothing after it can fail and force a re-split)."""
    found = []

    def visit(seq):
        items = [item for item in _flatten(seq) if item[0] is not C.AT]
        for op, av in items:
            if op is C.BRANCH:
                for branch in av[1]:
                    visit(branch)
            elif op in _UNBOUNDED + (C.POSSESSIVE_REPEAT,):
                visit(av[2])
        for index in range(len(items) - 2):
            first, second = items[index], items[index + 1]
            if first[0] in _UNBOUNDED and second[0] in _UNBOUNDED \
                    and first[1][1] is C.MAXREPEAT and second[1][1] is C.MAXREPEAT:
                one = _body_set(first, pattern.flags)
                two = _body_set(second, pattern.flags)
                if one and two and one & two:
                    found.append(''.join(sorted(one & two))[:8])

    visit(P.parse(pattern.pattern, pattern.flags))
    return found


def _body_set(item, flags):
    body = list(item[1][2])
    return _single_char_set(body[0], flags) if len(body) == 1 else None


def _module_patterns():
    for info in pkgutil.walk_packages(module_utils.__path__, module_utils.__name__ + '.'):
        module = importlib.import_module(info.name)
        short = info.name[len(module_utils.__name__) + 1:]
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                yield '%s.%s' % (short, name), value


def test_the_walk_reaches_the_kinds_subpackages():
    names = {found[0].rsplit('.', 1)[0] for found in _module_patterns()}   # the modules that hold a pattern
    assert any(name.startswith('_iofabric.kinds.') for name in names) and len(names) > 10


def test_the_detector_sees_the_old_dm_field_pattern():
    assert ambiguous_pairs(re.compile(r'^([A-Za-z][A-Za-z ]*?)\s*:\s*(.*)$'))
    assert not ambiguous_pairs(re.compile(r'[A-Za-z][A-Za-z ]*'))
    assert not ambiguous_pairs(re.compile(r'^\s*uri_default\s*=\s*"([^"]*)"\s*$'))


@pytest.mark.parametrize('name, pattern', sorted(_module_patterns()), ids=lambda value: value if isinstance(value, str) else '')
def test_no_module_pattern_can_backtrack_over_a_long_run(name, pattern):
    assert ambiguous_pairs(pattern) == [], '%s: %s' % (name, pattern.pattern)
