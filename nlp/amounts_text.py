"""Text helpers of the amounts engine (`nlp.amounts`): reading written numbers, and running
compiled rules only in windows around digits and number words.

Kept apart from `nlp.dates` on purpose: the two engines evolve separately, and amounts need
currency-aware number reading that dates never do.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

__all__ = ["parse_number", "words_value", "windows", "scan", "longest_first", "lowered"]

_GROUP_ONLY = re.compile(r"[ \u00a0\u202f\u2009'’]")
_DASH_TAIL = re.compile(r"[.,][-–]{1,2}$")  # "5,-", "1'299.–": a price with no cents


def parse_number(s: str, decimal_mark: str, whole: bool = False) -> float | None:
    """Value of a written number such as "1 234,56", "1,234.56", "1'234.50", "1.5", "5,-".

    Spaces and apostrophes only group thousands. When both "," and "." appear, the last one is
    the decimal mark. A lone separator followed by exactly three digits groups thousands when
    it is not the language's decimal mark ("1.500" in German, "1,500" in English), or when
    `whole` says the number is an unscaled price in a currency whose prices never have three
    decimals ("¥1.280", "1.299 zł"). Otherwise it is a decimal mark ("1,5" in an English text
    is 1.5, "1,859 €" a French fuel price). Repeated separators always group."""
    s = _GROUP_ONLY.sub("", s)
    if _DASH_TAIL.search(s):  # whole units: any other separator groups thousands ("2.499,-")
        s = re.sub(r"[.,]", "", _DASH_TAIL.sub("", s))
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        grp = "." if dec == "," else ","
        s = s.replace(grp, "").replace(dec, ".")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        parts = s.split(sep)
        if len(parts) > 2:
            if any(len(p) != 3 for p in parts[1:]):
                return None
            s = s.replace(sep, "")
        elif len(parts[1]) == 3 and (sep != decimal_mark or whole):
            s = s.replace(sep, "")
        else:
            s = s.replace(sep, ".")
    try:
        return float(s)
    except ValueError:
        return None


def words_value(parts: list[int]) -> float:
    """Value of a spelled-out number from its word values in order: units and tens add up,
    a hundred multiplies what precedes it, a thousand closes a group ("two hundred" 200,
    "dreiundzwanzig" 3 + 20, "deux mille cinq cents" 2500, "duecento" 2 x 100)."""
    total, current = 0, 0
    for v in parts:
        if v == 100:
            current = max(current, 1) * 100
        elif v >= 1000:
            total += max(current, 1) * v
            current = 0
        else:
            current += v
    return float(total + current)


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
