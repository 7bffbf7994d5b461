"""What `nlp.dates.find_dates` found, as plain tuples, for the date test modules: each match is
checked to be the exact slice of the text it names and not to overlap the next one."""
from __future__ import annotations

import datetime as dt

from nlp.dates import find_dates


def found_dates(text: str, lang: str, published: dt.date | None = None) -> list[tuple[str, str, str, bool]]:
    """(text, value, precision, relative) of every date in `text`, in order."""
    ms = find_dates(text, lang, published)
    for m in ms:
        assert text[m.start:m.end] == m.text, m
    starts = [m.start for m in ms]
    assert starts == sorted(starts)
    for a, b in zip(ms, ms[1:]):
        assert a.end <= b.start, (a, b)
    return [(m.text, m.value, m.precision, m.relative) for m in ms]


def one_date(text: str, lang: str, published: dt.date | None = None) -> tuple[str, str, str, bool]:
    """The one date in `text` (fails when there are none or several)."""
    found = found_dates(text, lang, published)
    assert len(found) == 1, found
    return found[0]
