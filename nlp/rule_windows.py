"""Windowed rule scanning, shared by the date engine (`nlp.dates`) and the amounts engine
(`nlp.amounts`).

Running every rule over the whole text costs one regex pass per rule. Instead each rule runs
only in windows around the places where it can match (digits, trigger words), which are a
small part of a news text; overlapping candidates are then settled longest first.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

__all__ = ["windows", "scan", "longest_first", "lowered"]

# Characters of right context kept beyond an accepted match, for its lookaheads.
_MARGIN = 30


def windows(spans, before: int, after: int, size: int) -> list[tuple[int, int]]:
    """Merged [lo, hi) windows reaching `before` chars left and `after` (+ lookahead margin)
    chars right of each (start, end) span, which must come sorted by start."""
    out: list[list[int]] = []
    for s, e in spans:
        lo, hi = max(0, s - before), min(size, e + after + _MARGIN)
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


def scan(regex: re.Pattern[str], text: str, wins: list[tuple[int, int]]) -> Iterator[re.Match]:
    """Matches of `regex` inside the windows. A window's end hides the text after it from
    lookaheads, so a match is kept only if `_MARGIN` chars of real context follow it in the
    window (or the window reaches the end of the text). Lookbehinds see the whole text."""
    n = len(text)
    for lo, hi in wins:
        limit = n if hi >= n else hi - _MARGIN
        for m in regex.finditer(text, lo, hi):
            if m.end() <= limit:
                yield m


def longest_first(cands: list[tuple[int, int, int, object]]) -> list[object]:
    """Non-overlapping items from (start, end, rule order, item) candidates, longest first
    (then leftmost, then rule order), returned sorted by start."""
    cands.sort(key=lambda c: (c[0] - c[1], c[0], c[2]))
    starts: list[int] = []
    ends: list[int] = []
    kept: list[object] = []
    for start, end, _, item in cands:
        i = bisect.bisect_right(starts, start)
        if i and ends[i - 1] > start:
            continue
        if i < len(starts) and starts[i] < end:
            continue
        starts.insert(i, start)
        ends.insert(i, end)
        kept.insert(i, item)
    return kept


def lowered(text: str) -> str | None:
    """Lowercased text for trigger search, or None when lowercasing would shift offsets
    (a few letters such as "İ" grow when lowercased)."""
    low = text.lower()
    return low if len(low) == len(text) else None
