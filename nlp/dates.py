"""Date mentions in news text, for every language that has a `[dates]` section in its data
file (`nlp/data/lang/<code>.toml`: fr, en, de, es, it, nl, pt, pl today).

One engine for all languages: month and weekday names, ordinal markers, cue words, relative
words, future-tense cues and holidays are data, compiled into regexes once per language
(`nlp.date_rules`); the values are computed in `nlp.date_values`. dateparser is not used on
free text: it reads decimals ("1,5") and phrases such as "sur un an" as dates and is far too
slow for a crawl. Each rule runs only in small windows around the tokens it needs (a
four-digit run, a month name, a relative word...), and overlaps are resolved longest-first.

Forms: `9 octobre 2024`, `1er mars`, `15. November 2023`, `12 de marzo de 2024`,
`October 2, 2024`, `9 października 2024`, a day range within a month (`9-10 octobre 2024`,
one mention valued at its first day), numeric `03.04.2024` / `3/4/2024`, ISO `2024-10-09`,
`juin 2024` (month), `Q3 2025` / `T3 2025` / `3. Quartal 2025` (quarter), a year only after a
cue (`en 2024`, `im Jahr 2024`, `2024 r.`), relative days, weekdays, weeks, months and years
(`hier`, `lundi prochain`, `next week`, `l'année dernière`, `il y a trois jours`), and the
holidays each data file lists (fixed month-day, Easter offset, or n-th weekday).

Conventions (the JSON contract `{"text","value","precision","start","end","relative"}`):
- `text` is exactly `input[start:end]`. Prepositions that only *locate* a full date or a month
  ("le 21 juillet 2025", "am 9. Oktober 2024", "en juin") are left out of the span, while the
  cue that makes a bare year a date is kept ("en 2025", "by 2030", "im Jahr 2025"); relative
  phrases are kept whole ("le mois dernier", "im vergangenen Jahr").
- `precision` is day | week | month | quarter | year, and `value` is ISO 8601 for it:
  `2025-07-21`, `2025-W30` (ISO week), `2025-07`, `2025-Q3`, `2025`. A quarter is reported as
  one mention of precision `quarter` rather than a month range: the contract has no ranges.
- Numeric dates are day-first (`03/04/2024` is 3 April) in every language. Only where the data
  file sets `month_first_numeric` (English) is a US-style date read month-first, and only when
  day-first is impossible by value (`07/21/2025`). A numeric day and month without a year
  (`3/4`, `3.4.`) needs a cue before it ("le", "am", "on") and a publication date.
- Anything without a year needs `published` (the anchor) and is marked `relative: True`;
  without an anchor it is skipped.

Policy for a weekday, day-month, month or holiday without a year ("mardi", "le 3 mars",
"en juin", "à Noël"): a news article reports facts, so it is resolved to the most recent such
day on or before the publication date, unless its clause holds a future-tense cue (a word of
the data file's `future_cues`: will, va, wird, sera, next..., or a word with one of its
`future_endings`: French -era/-ront, Spanish -ará, Italian -rà...), in which case it is the
first one on or after the publication date. A shift word decides by itself and excludes the
publication day ("lundi dernier", "3 septembre prochain", "next Monday"). The clause is the
text around the mention up to a sentence end or a clause break word of the data file ("que",
"that", "dass"...): "a annoncé mardi qu'il présentera" keeps "mardi" in the past. A phrase
looking ahead ("in two years", "dans six mois") is a date only in a future clause: "doubled
in two years" is a duration.

Languages without a `[dates]` section return [].
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from nlp.date_rules import rules_for
from nlp.date_values import BUILDERS, REJECT, Ctx
from nlp.rule_windows import longest_first, lowered, scan, windows
from nlp.types import DateMention

__all__ = ["find_dates"]

# --------------------------------------------------------------------------- entry point

# Widest context around a digit run / trigger word that a rule can need: a weekday and day
# before a month ("Wednesday, September 3, 2025"), a cue such as "a mediados de" before a month.
_BEFORE, _AFTER = 40, 40
# Digit runs that can be part of a date: a day, month or two-digit year (1-2 digits) or a
# year from 1000 to 2999. "450 watts", "20 000" and "+33 1 23..." open no window of their own.
_DATE_DIGITS = re.compile(r"(?<!\d)(?:\d{1,2}|[12]\d{3})(?!\d)")


def _class_spans(text: str, rules) -> dict[str, list[tuple[int, int]]]:
    """Spans of the tokens that open windows, per window class (see nlp.date_rules.RULES)."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for m in _DATE_DIGITS.finditer(text):
        spans["year4" if m.end() - m.start() == 4 else "digits"].append(m.span())
    low = lowered(text)
    if low is None:  # lowercasing would shift offsets: search case-insensitively instead
        hits = ((m.span(), m.group().lower()) for m in re.finditer(rules.trigger.pattern, text, re.IGNORECASE))
    else:
        hits = ((m.span(), m.group()) for m in rules.trigger.finditer(low))
    for span, word in hits:
        for cls in rules.trigger_class.get(word, ()):
            spans[cls].append(span)
    return spans


def find_dates(text: str, lang: str, published: dt.date | None = None) -> list[DateMention]:
    """Date mentions in `text`, sorted by start and non-overlapping."""
    rules = rules_for(lang) if lang else None
    if rules is None or not text:
        return []
    if isinstance(published, dt.datetime):
        published = published.date()
    ctx = Ctx(rules, published, text)
    spans = _class_spans(text, rules)
    wins = {cls: windows(sp, _BEFORE, _AFTER, len(text)) for cls, sp in spans.items()}
    cands: list[tuple[int, int, int, object]] = []
    for order, (name, cls, regex) in enumerate(rules.rules):
        if cls not in wins:
            continue
        build, not_after = BUILDERS[name], rules.not_after.get(name)
        for m in scan(regex, text, wins[cls]):
            # a cancelled match still claims its span: no shorter reading of it is reported
            built = REJECT if not_after and not_after.search(text, max(0, m.start() - 30), m.start()) \
                else build(m, ctx)
            if built is None:
                continue
            s, e = m.span("span") if "span" in regex.groupindex and m["span"] else m.span()
            item = None if built is REJECT else DateMention(text[s:e], *built[:2], s, e, built[2])
            cands.append((s, e, order, item))
    return [m for m in longest_first(cands) if m is not None]  # type: ignore[misc]
