"""Rule-based date mentions for French, English and German news text.

Pure compiled regexes, built once at import: dateparser is not used on free text because it
reads decimals ("1,5") and phrases such as "sur un an" as dates, and it is far too slow for a
crawl. Each rule yields candidate spans, and overlaps are resolved longest-first. Rules only
run in small windows around digit runs (absolute dates) or trigger words (relative phrases),
which keeps the module at several hundred thousand words per second.

Conventions (the JSON contract relies on them):
- `text` is exactly `input[start:end]`. Prepositions that only *locate* a full date or a month
  ("le 21 juillet 2025", "am 9. Oktober 2024", "en février 2025") are left out of the span, while
  the cue that makes a bare year a date is kept ("en 2025", "by 2030", "im Jahr 2025"), since
  without it the number would not be a date at all. Relative phrases are kept whole
  ("le mois dernier", "im vergangenen Jahr").
- Precision is day | month | year only. Week phrases ("la semaine dernière", "last week",
  "letzte Woche") are deliberately *not* reported: a Monday with day precision would claim a
  day the text never names, and there is no week precision.
- A day and month without a year, and every relative phrase, needs `published` (the anchor);
  without it they are skipped and `relative` is True on what is kept.
- Languages other than fr/en/de return []: the pipeline does not analyse them.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
from typing import Callable, NamedTuple

from nlp.types import DateMention

__all__ = ["find_dates", "longest_first", "lowered", "scan", "windows"]

# Horizontal whitespace only (includes NBSP / narrow NBSP): a date never spans two lines, and
# letting it do so would glue a title's last word to the next paragraph's first number.
_S = r"[^\S\r\n]+"
_APOS = "['’ʼ]"

# --------------------------------------------------------------------------- vocabularies

_FR_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}
_FR_MONTH_ABBR = {
    "janv": 1, "févr": 2, "fevr": 2, "fév": 2, "fev": 2, "avr": 4, "juil": 7, "sept": 9,
    "oct": 10, "nov": 11, "déc": 12, "dec": 12,
}
_EN_MONTHS = {
    "January": 1, "February": 2, "March": 3, "April": 4, "May": 5, "June": 6, "July": 7,
    "August": 8, "September": 9, "October": 10, "November": 11, "December": 12,
}
_EN_MONTH_ABBR = {
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9,
    "Sept": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}
_DE_MONTHS = {
    "januar": 1, "jänner": 1, "februar": 2, "feber": 2, "märz": 3, "maerz": 3, "april": 4,
    "mai": 5, "juni": 6, "juli": 7, "august": 8, "september": 9, "oktober": 10,
    "november": 11, "dezember": 12,
}
_DE_MONTH_ABBR = {
    "jan": 1, "feb": 2, "mär": 3, "mrz": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "okt": 10, "nov": 11, "dez": 12,
}

_FR_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DE_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_WEEKDAY_INDEX = {
    **{w: i for i, w in enumerate(_FR_WEEKDAYS)},
    **{w.lower(): i for i, w in enumerate(_EN_WEEKDAYS)},
    **{w.lower(): i for i, w in enumerate(_DE_WEEKDAYS)},
    "sonnabend": 5,
}
_MONTH_INDEX = {
    k.lower(): v
    for table in (_FR_MONTHS, _FR_MONTH_ABBR, _EN_MONTHS, _EN_MONTH_ABBR, _DE_MONTHS, _DE_MONTH_ABBR)
    for k, v in table.items()
}


def _alt(words, abbr=()) -> str:
    """Alternation, longest first, each entry closed by a word boundary (abbreviations may
    carry their dot, which then belongs to the match: "Oct. 2, 2024")."""
    parts = [(w, re.escape(w) + r"\b") for w in words]
    parts += [(a, re.escape(a) + r"(?:\.|\b)") for a in abbr]
    parts.sort(key=lambda p: -len(p[0]))
    return "(?:" + "|".join(p for _, p in parts) + ")"


_FR_MONTH = _alt(_FR_MONTHS, _FR_MONTH_ABBR)
_EN_MONTH = _alt(_EN_MONTHS, _EN_MONTH_ABBR)
_DE_MONTH = _alt(_DE_MONTHS, _DE_MONTH_ABBR)
_FR_WD = _alt(_FR_WEEKDAYS)
_EN_WD = _alt(_EN_WEEKDAYS)
_DE_WD = _alt(_DE_WEEKDAYS + ("Sonnabend",))

# Day of month: 1-31 with an optional leading zero; never glued to a preceding digit, decimal
# separator or slash ("1,5", "2024/1689").
_DAY = r"(?<![\w.,/-])(?P<d>3[01]|[12]\d|0?[1-9])(?!\d)"
_FR_DAY = r"(?<![\w.,/-])(?P<d>1er|1ᵉʳ|premier|3[01]|[12]\d|0?[1-9])(?![\d\w])"
_EN_DAY = r"(?<![\w.,/-])(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b"
_YEAR4 = r"(?P<y>\d{4})(?!\d|[.,/]\d)"
# A bare year after a cue: plausible range only, and never the number of an amount
# ("en 2025 euros"), a regulation ("2024/1689") or the first half of an ISO date.
_CUE_YEAR = (
    r"(?P<y>19\d\d|20\d\d|2100)(?!\d|[.,/]\d|-\d\d-)"
    r"(?![^\S\r\n]*(?:[%€$£¥‰]|(?i:euros?|eur|usd|gbp|dollars?|livres?|pounds?|francs?|"
    r"franken|pfund|yens?|yuans?|pour[^\S\r\n]*cent|per[^\S\r\n]*cent|percent|prozent|"
    r"millions?|milliards?|millionen|milliarden|mio|mrd)\b))"
)

# A month + year right after a day number is part of a day date; when that date is invalid
# ("31 février 2025") the whole mention is rejected rather than downgraded to a month.
_NOT_AFTER_DAY = r"(?<![0-9][^\S\r\n])(?<![0-9]\.[^\S\r\n])(?<![0-9]er[^\S\r\n])(?<!ᵉʳ[^\S\r\n])"

# --------------------------------------------------------------------------- value helpers


class _Ctx(NamedTuple):
    lang: str
    published: dt.date | None


# A builder returns (value, precision, relative) or None to reject the candidate.
_Built = tuple[str, str, bool] | None


def _day_value(day: str) -> int:
    return 1 if day.lower() in ("1er", "1ᵉʳ", "premier") else int(day)


def _month_value(name: str) -> int:
    return _MONTH_INDEX[name.lower().rstrip(".")]


def _iso_day(y: int, m: int, d: int) -> str | None:
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:  # 31/02, 29/02 outside leap years...
        return None


def _shift_month(d: dt.date, months: int) -> tuple[int, int]:
    n = d.year * 12 + d.month - 1 + months
    return n // 12, n % 12 + 1


def _dir(word: str | None) -> int:
    """-1 / 0 / +1 for the direction words of fr/en/de relative phrases."""
    w = (word or "").lower()
    if w.startswith(("dern", "pass", "last", "letzt", "vergang", "vorig")):
        return -1
    if w.startswith(("proch", "next", "nächst", "naechst", "kommend")):
        return 1
    return 0


# --------------------------------------------------------------------------- builders


def _b_dmy(m: re.Match, ctx: _Ctx) -> _Built:
    y = int(m["y"])
    if not 1000 <= y <= 2999:
        return None
    v = _iso_day(y, _month_value(m["m"]), _day_value(m["d"]))
    return (v, "day", False) if v else None


def _b_my(m: re.Match, ctx: _Ctx) -> _Built:
    y = int(m["y"])
    if not 1000 <= y <= 2999:
        return None
    return f"{y:04d}-{_month_value(m['m']):02d}", "month", False


def _b_year(m: re.Match, ctx: _Ctx) -> _Built:
    return m["y"], "year", False


# "Version 1.2.2025" is a release number that happens to look like a date.
_VERSION_BEFORE = re.compile(r"(?i:\b(?:version|release|build|update|v|ver\.?))[^\S\r\n]*$")


def _b_numeric(m: re.Match, ctx: _Ctx) -> _Built:
    a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
    if not 1000 <= y <= 2999:
        return None
    if _VERSION_BEFORE.search(m.string, max(0, m.start() - 10), m.start()):
        return None
    day, month = a, b
    # Day-first everywhere; English falls back to US order only when day-first is impossible.
    if ctx.lang == "en" and b > 12 and a <= 12:
        day, month = b, a
    v = _iso_day(y, month, day)
    return (v, "day", False) if v else None


def _b_iso(m: re.Match, ctx: _Ctx) -> _Built:
    v = _iso_day(int(m["y"]), int(m["mo"]), int(m["d"]))
    return (v, "day", False) if v else None


def _b_dm(m: re.Match, ctx: _Ctx) -> _Built:
    """Day and month without a year: the year comes from the publication date (the nearest
    such day, or the nearest past/future one after "dernier"/"prochain")."""
    pub = ctx.published
    if pub is None:
        return None
    month, day = _month_value(m["m"]), _day_value(m["d"])
    cands = []
    for y in (pub.year - 1, pub.year, pub.year + 1):
        try:
            cands.append(dt.date(y, month, day))
        except ValueError:
            continue
    direction = _dir(m.groupdict().get("dir"))
    if direction < 0:
        cands = [c for c in cands if c <= pub]
    elif direction > 0:
        cands = [c for c in cands if c >= pub]
    if not cands:
        return None
    best = min(cands, key=lambda c: (abs((c - pub).days), c))
    return best.isoformat(), "day", True


def _b_days(offset: int) -> Callable[[re.Match, _Ctx], _Built]:
    def build(m: re.Match, ctx: _Ctx) -> _Built:
        if ctx.published is None:
            return None
        return (ctx.published + dt.timedelta(days=offset)).isoformat(), "day", True

    return build


def _b_weekday(m: re.Match, ctx: _Ctx) -> _Built:
    """"lundi dernier" / "last Tuesday": the closest such weekday strictly before (after)."""
    pub = ctx.published
    if pub is None:
        return None
    wd = _WEEKDAY_INDEX[m["wd"].lower()]
    if _dir(m["dir"]) < 0:
        delta = -((pub.weekday() - wd) % 7 or 7)
    else:
        delta = (wd - pub.weekday()) % 7 or 7
    return (pub + dt.timedelta(days=delta)).isoformat(), "day", True


def _b_month_rel(m: re.Match, ctx: _Ctx) -> _Built:
    if ctx.published is None:
        return None
    y, mo = _shift_month(ctx.published, _dir(m.groupdict().get("dir")))
    return f"{y:04d}-{mo:02d}", "month", True


def _b_year_rel(m: re.Match, ctx: _Ctx) -> _Built:
    if ctx.published is None:
        return None
    return f"{ctx.published.year + _dir(m.groupdict().get('dir')):04d}", "year", True


# --------------------------------------------------------------------------- rules


class _Rule(NamedTuple):
    regex: re.Pattern[str]
    build: Callable[[re.Match, _Ctx], _Built]


class _RuleSet(NamedTuple):
    digit: tuple[_Rule, ...]  # absolute forms: every match holds a digit
    word: tuple[_Rule, ...]  # relative phrases: every match holds a trigger word
    trigger: re.Pattern[str]  # finds those words in lowercased text


def _rules(flags: int, specs: list[tuple[str, Callable]]) -> tuple[_Rule, ...]:
    return tuple(_Rule(re.compile(p, flags), b) for p, b in specs)


# Language-neutral numeric forms; the (?<!...) guards keep them off decimals, regulation
# numbers and version strings ("18.5.1"), which never have a four-digit year in third place.
_NUMERIC = [
    (r"(?<![\w.,/-])(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})"
     r"(?!\d|[/.,-]\d)", _b_numeric),
    (r"(?<![\w.,/-])(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})(?!\d|[/.,-]\d)", _b_iso),
]

_FR = _RuleSet(
    digit=_rules(re.IGNORECASE, _NUMERIC + [
        (rf"(?:\b{_FR_WD}{_S})?{_FR_DAY}{_S}(?P<m>{_FR_MONTH}){_S}{_YEAR4}", _b_dmy),
        (rf"(?<!\w){_NOT_AFTER_DAY}(?P<m>{_FR_MONTH}){_S}{_YEAR4}", _b_my),
        (rf"(?<![\w'’])(?:en|d{_APOS}ici(?:{_S}à)?|dès|depuis|jusqu{_APOS}en|jusqu{_APOS}à|avant|"
         rf"après|à{_S}l{_APOS}horizon|horizon|fin|début|courant|l{_APOS}année|l{_APOS}an|année)"
         rf"{_S}{_CUE_YEAR}", _b_year),
        (rf"(?<![\w-])mi-{_CUE_YEAR}", _b_year),
        (rf"(?:\b{_FR_WD}{_S})?{_FR_DAY}{_S}(?P<m>{_FR_MONTH})"
         rf"(?:{_S}(?P<dir>dernier|prochain)\b)?(?!{_S}\d)", _b_dm),
    ]),
    word=_rules(re.IGNORECASE, [
        # "d'aujourd'hui" / "de demain" / "d'hier" mean "of today's world", not a day.
        (rf"(?<!\bd{_APOS})\baujourd{_APOS}hui\b", _b_days(0)),
        (r"\bavant-hier\b", _b_days(-2)),
        (r"\baprès-demain\b", _b_days(2)),
        (rf"(?<!\bd{_APOS})(?<!-)\bhier\b", _b_days(-1)),
        (rf"(?<!\bde\s)(?<!\bd{_APOS})(?<!-)\bdemain\b", _b_days(1)),
        (rf"\b(?P<wd>{_FR_WD}){_S}(?P<dir>dernier|prochain)\b", _b_weekday),
        (rf"\ble{_S}mois{_S}(?P<dir>dernier|prochain|passé)\b", _b_month_rel),
        (rf"\bce{_S}mois(?:-ci)?\b", _b_month_rel),
        (rf"\bl{_APOS}(?:an|année){_S}(?P<dir>dernier|dernière|passé|passée|prochain|prochaine)\b",
         _b_year_rel),
        (rf"\bcette{_S}année\b", _b_year_rel),
    ]),
    trigger=re.compile("aujourd|hier|demain|dern|proch|pass|mois|ann"),
)

# English is matched case-sensitively so that "may", "march" or "sun" stay verbs and nouns;
# function words carry their own (?i:...) where a capital is possible.
_EN = _RuleSet(
    digit=_rules(0, _NUMERIC + [
        (rf"(?:\b{_EN_WD},?{_S})?(?P<m>{_EN_MONTH}){_S}{_EN_DAY},?{_S}{_YEAR4}", _b_dmy),
        (rf"(?:\b{_EN_WD},?{_S})?{_EN_DAY}{_S}(?:of{_S})?(?P<m>{_EN_MONTH}),?{_S}{_YEAR4}", _b_dmy),
        (rf"(?<!\w){_NOT_AFTER_DAY}(?P<m>{_EN_MONTH}),?{_S}{_YEAR4}", _b_my),
        (rf"(?<![\w-])(?i:in|by|since|until|till|through|before|after|from|during|early|late|"
         rf"end{_S}of|start{_S}of|beginning{_S}of|the{_S}year){_S}{_CUE_YEAR}", _b_year),
        (rf"(?<![\w-])(?i:mid)-{_CUE_YEAR}", _b_year),
        (rf"(?:\b{_EN_WD},?{_S})?(?P<m>{_EN_MONTH}){_S}{_EN_DAY}(?!,?{_S}\d|[.,:]\d)", _b_dm),
        (rf"(?:\b{_EN_WD},?{_S})?{_EN_DAY}{_S}(?:of{_S})?(?P<m>{_EN_MONTH})(?!,?{_S}\d)", _b_dm),
    ]),
    word=_rules(0, [
        (r"\b(?i:today)\b", _b_days(0)),
        (r"\b(?i:yesterday)\b", _b_days(-1)),
        # "tomorrow's jobs" / "the world of tomorrow" are not dates.
        (r"(?<!\bof\s)\b(?i:tomorrow)\b(?!['’]s)", _b_days(1)),
        (rf"\b(?i:the{_S}day{_S}before{_S}yesterday)\b", _b_days(-2)),
        (rf"\b(?i:the{_S}day{_S}after{_S}tomorrow)\b", _b_days(2)),
        (rf"\b(?P<dir>(?i:last|next)){_S}(?P<wd>{_EN_WD})", _b_weekday),
        # "over the last year" is a twelve-month span, not the previous calendar year.
        (rf"(?<!\bthe\s)\b(?P<dir>(?i:last|next|this)){_S}(?i:month)\b", _b_month_rel),
        (rf"(?<!\bthe\s)\b(?P<dir>(?i:last|next|this)){_S}(?i:year)\b", _b_year_rel),
    ]),
    trigger=re.compile("today|yesterday|tomorrow|last|next|this"),
)

_DE_REL_DIR = r"(?:letzte[nmrs]?|vergangene[nmrs]?|vorige[nmrs]?|nächste[nmrs]?|kommende[nmrs]?)"
_DE = _RuleSet(
    digit=_rules(re.IGNORECASE, _NUMERIC + [
        (rf"(?:\b{_DE_WD},?{_S}(?:den{_S})?)?{_DAY}\.?(?:{_S})?(?P<m>{_DE_MONTH}){_S}{_YEAR4}",
         _b_dmy),
        (rf"(?<!\w){_NOT_AFTER_DAY}(?P<m>{_DE_MONTH}){_S}{_YEAR4}", _b_my),
        (rf"(?<![\w-])(?:im{_S}Jahre?|bis{_S}zum{_S}Jahre?|bis{_S}Ende|bis|seit{_S}dem{_S}Jahre?|"
         rf"seit|ab|vor|nach|in|Anfang|Ende|Mitte|Jahre?){_S}{_CUE_YEAR}", _b_year),
        (rf"(?:\b{_DE_WD},?{_S}(?:den{_S})?)?{_DAY}\.?(?:{_S})?(?P<m>{_DE_MONTH})(?!{_S}\d)",
         _b_dm),
    ]),
    word=_rules(re.IGNORECASE, [
        # "die Welt von morgen" is a figure of speech; "heute Morgen" (this morning) keeps "heute".
        (r"(?<!\bvon\s)\bheute\b", _b_days(0)),
        (r"(?<!\bvon\s)\bgestern\b", _b_days(-1)),
        (r"\bvorgestern\b", _b_days(-2)),
        (r"\bübermorgen\b", _b_days(2)),
        # Lowercase only: capitalised "Morgen" is the noun "morning".
        (r"(?<!\bvon\s)(?<!\bheute\s)(?<!\bgestern\s)\b(?-i:morgen)\b", _b_days(1)),
        (rf"\b(?P<dir>{_DE_REL_DIR}){_S}(?P<wd>{_DE_WD})", _b_weekday),
        (rf"\b(?:im{_S})?(?P<dir>{_DE_REL_DIR}){_S}Monats?\b", _b_month_rel),
        (rf"\b(?:in{_S})?(?:diese[mns]){_S}Monats?\b", _b_month_rel),
        # "Jahr\b" keeps "in den letzten Jahren" (in recent years) out.
        (rf"\b(?:im{_S})?(?P<dir>{_DE_REL_DIR}){_S}Jahr(?:es)?\b", _b_year_rel),
        (rf"\b(?:in{_S})?(?:diese[mns]){_S}Jahr(?:es)?\b", _b_year_rel),
    ]),
    trigger=re.compile("heute|gestern|morgen|letzt|vergang|vorig|nächst|kommend|dies"),
)

_RULES = {"fr": _FR, "en": _EN, "de": _DE}

# --------------------------------------------------------------------------- scanning
# Running every rule over the whole text costs one regex pass per rule. Instead each rule
# runs only in windows around the places where it can match: digit runs for absolute dates,
# trigger words for relative ones. Those windows are a small part of a news text.

_DIGITS = re.compile(r"[0-9]+")
_MARGIN = 30  # chars of right context kept beyond an accepted match, for its lookaheads


def windows(spans, before: int, after: int, size: int) -> list[tuple[int, int]]:
    """Merged [lo, hi) windows reaching `before` chars left and `after` (+ lookahead
    margin) chars right of each (start, end) span. Shared with nlp.amounts."""
    out: list[list[int]] = []
    for s, e in spans:
        lo, hi = max(0, s - before), min(size, e + after + _MARGIN)
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


def scan(regex: re.Pattern[str], text: str, wins: list[tuple[int, int]]):
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
    (then leftmost, then rule order), returned sorted by start. Shared with nlp.amounts."""
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


# --------------------------------------------------------------------------- entry point

# Widest context around a digit run / trigger word that a rule can need: a weekday and month
# before the day ("Wednesday, September 3, 2025"), "dernier" or "of September" after it.
_DIGIT_BEFORE, _DIGIT_AFTER = 40, 40
_WORD_BEFORE, _WORD_AFTER = 30, 30


def find_dates(text: str, lang: str, published: dt.date | None = None) -> list[DateMention]:
    """Date mentions in `text`, sorted by start and non-overlapping."""
    rules = _RULES.get(lang)
    if not rules or not text:
        return []
    if isinstance(published, dt.datetime):
        published = published.date()
    ctx = _Ctx(lang, published)
    n = len(text)
    groups = [(rules.digit, windows(((m.start(), m.end()) for m in _DIGITS.finditer(text)),
                                    _DIGIT_BEFORE, _DIGIT_AFTER, n))]
    if published is not None:  # relative phrases mean nothing without an anchor
        low = lowered(text)
        if low is None:
            hits = (m.span() for m in re.finditer(rules.trigger.pattern, text, re.IGNORECASE))
        else:
            hits = (m.span() for m in rules.trigger.finditer(low))
        groups.append((rules.word, windows(hits, _WORD_BEFORE, _WORD_AFTER, n)))
    cands: list[tuple[int, int, int, object]] = []
    order = 0
    for rule_group, wins in groups:
        if not wins:
            order += len(rule_group)
            continue
        for rule in rule_group:
            order += 1
            for m in scan(rule.regex, text, wins):
                built = rule.build(m, ctx)
                if built is None:
                    continue
                value, precision, relative = built
                s, e = m.span()
                cands.append((s, e, order, DateMention(m.group(), value, precision, s, e, relative)))
    return longest_first(cands)  # type: ignore[return-value]
