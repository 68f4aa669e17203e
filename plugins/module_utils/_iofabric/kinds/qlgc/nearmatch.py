# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Visible IOC strings that a declared one that matches none is probably a typo of.

PRIVATE to the collection. Pure: no I/O. Only advice for a warning: the kernel matches IOC
strings exactly, so a path is never connected to a near match (the user may mean an IOC that
is not visible yet). Near means: equal but for case and runs of whitespace, or a few edits
apart once those are ignored. Strings that differ only in their numbers ("Slot 1" against
"Slot 2", chassis GUID ...1e against ...1f) name different IOCs by the vendor's scheme, so
they are not near: a late IOC beside its visible siblings gets no false suggestion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_EDITS = 3          # typos in a ~50-character string: a dropped letter, a missing comma, a swapped pair
MIN_LENGTH = 8         # below this, a few edits turn any string into any other
MAX_SUGGESTIONS = 3
_SPACES = re.compile(r'\s+')
_NUMBER = re.compile(r'0x[0-9a-f]+|\d+')


@dataclass(frozen=True)
class NearMatch:
    ioc_string: str
    how: str          # what differs, for the message: "case or whitespace", "2 characters"
    edits: int


def near_matches(declared: str, visible: list) -> list:
    """[NearMatch] for the visible IOC strings close to ``declared`` (none equal to it), closest first."""
    found = {}
    want = _fold(declared)
    for candidate in visible:
        if not candidate or candidate == declared or candidate in found:
            continue
        have = _fold(candidate)
        if have == want:
            found[candidate] = NearMatch(candidate, 'case or whitespace', 0)
            continue
        if len(want) < MIN_LENGTH or _numbers_only(want, have):
            continue
        edits = _distance(want, have, MAX_EDITS)
        if edits <= MAX_EDITS:
            found[candidate] = NearMatch(candidate, '%d character%s' % (edits, '' if edits == 1 else 's'), edits)
    return sorted(found.values(), key=lambda match: (match.edits, match.ioc_string))[:MAX_SUGGESTIONS]


def _fold(text: str) -> str:
    return _SPACES.sub(' ', text.strip()).casefold()


def _numbers_only(one: str, other: str) -> bool:
    """Whether the two differ only in the values of their numbers (both already folded)."""
    return _NUMBER.sub('#', one) == _NUMBER.sub('#', other)


def _distance(one: str, other: str, limit: int) -> int:
    """Levenshtein distance with adjacent transpositions, or limit + 1 once it exceeds limit."""
    if abs(len(one) - len(other)) > limit:
        return limit + 1
    before, row = None, list(range(len(other) + 1))
    for i, char in enumerate(one, 1):
        current = [i] + [0] * len(other)
        for j, theirs in enumerate(other, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (char != theirs))
            if before is not None and i > 1 and j > 1 and char == other[j - 2] and one[i - 2] == theirs:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]
