"""Values of date matches: the builders named by the rules in `nlp.date_rules`, the calendar
(Easter, holidays, ISO weeks and quarters) and the tense policy for dates without a year.

A builder takes a regex match and a `Ctx` and returns (value, precision, relative), or None
(not a date: drop the candidate), or `REJECT` (an invalid date such as "31 février 2025": the
span is claimed so that no shorter reading of it, "février 2025", is reported either).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import NamedTuple

from nlp.date_rules import Holiday, Rules, norm

REJECT = ("", "", False)
Built = tuple[str, str, bool] | None


class Ctx(NamedTuple):
    rules: Rules
    published: dt.date | None
    text: str


# --------------------------------------------------------------------------- calendar


def easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous Gregorian computus)."""
    golden = year % 19
    century, yc = divmod(year, 100)
    leap_c, rem_c = divmod(century, 4)
    moon_corr = (century + 8) // 25
    sun_corr = (century - moon_corr + 1) // 3
    epact = (19 * golden + century - leap_c - sun_corr + 15) % 30
    leap_y, rem_y = divmod(yc, 4)
    dow = (32 + 2 * rem_c + 2 * leap_y - epact - rem_y) % 7
    shift = (golden + 11 * epact + 22 * dow) // 451
    month, day = divmod(epact + dow - 7 * shift + 114, 31)
    return dt.date(year, month, day + 1)


def holiday_date(h: Holiday, year: int) -> dt.date | None:
    if h.easter is not None:
        return easter(year) + dt.timedelta(days=h.easter)
    if h.weekday >= 0:  # n-th (or, negative, n-th last) weekday of the month, plus an offset
        if h.nth > 0:
            first = dt.date(year, h.month, 1)
            day = first + dt.timedelta(days=(h.weekday - first.weekday()) % 7 + 7 * (h.nth - 1))
        else:
            nxt = dt.date(year + (h.month == 12), h.month % 12 + 1, 1)
            last = nxt - dt.timedelta(days=1)
            day = last - dt.timedelta(days=(last.weekday() - h.weekday) % 7 + 7 * (-h.nth - 1))
        return day + dt.timedelta(days=h.offset)
    day = iso_day(year, h.month, h.day)
    if day is None:
        return None
    d = dt.date.fromisoformat(day)
    return d + dt.timedelta(days=h.sunday_shift) if d.weekday() == 6 else d


def iso_day(y: int, m: int, d: int) -> str | None:
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:  # 31/02, 29/02 outside leap years...
        return None


def week_value(d: dt.date) -> str:
    """ISO 8601 week ("2025-W30"): the value of a week-precision mention."""
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def shift_month(d: dt.date, months: int) -> tuple[int, int]:
    n = d.year * 12 + d.month - 1 + months
    return n // 12, n % 12 + 1


def pick(pub: dt.date, cands, direction: int, strict: bool = False) -> dt.date | None:
    """The latest candidate on or before `pub` (direction < 0) or the earliest on or after it;
    `strict` leaves `pub` itself out ("lundi dernier" is never the day of publication)."""
    if direction < 0:
        ok = [c for c in cands if c < pub or (c == pub and not strict)]
        return max(ok) if ok else None
    ok = [c for c in cands if c > pub or (c == pub and not strict)]
    return min(ok) if ok else None


# --------------------------------------------------------------------------- tense policy

_WINDOW = 160  # chars of context either side searched for the clause


def tense(ctx: Ctx, start: int, end: int) -> int:
    """+1 when the clause holding text[start:end] has a future-tense cue, else -1 (a news
    report tells facts: an undated weekday or day-month is taken as past)."""
    text, brk = ctx.text, ctx.rules.clause_break
    lo = max(0, start - _WINDOW)
    for m in brk.finditer(text, lo, start):
        lo = m.end()
    hi = min(len(text), end + _WINDOW)
    m = brk.search(text, end, hi)
    if m:
        hi = m.start()
    return 1 if ctx.rules.future.search(text, lo, hi) else -1


# --------------------------------------------------------------------------- builders


_DIGIT_RUN = re.compile(r"\d+")


def _day(s: str, ctx: Ctx) -> int | None:
    digits = _DIGIT_RUN.match(s)
    return int(digits.group()) if digits else ctx.rules.lookup["day"].get(norm(s))


def _month(s: str, ctx: Ctx) -> int:
    return ctx.rules.lookup["month"][norm(s)]


def _b_numeric(m: re.Match, ctx: Ctx) -> Built:
    a, b = int(m["a"]), int(m["b"])
    y = int(m["y"]) if m.groupdict().get("y") else (2000 if int(m["yy"]) < 70 else 1900) + int(m["yy"])
    if not 1000 <= y <= 2999:
        return REJECT
    day, month = a, b
    if ctx.rules.month_first_numeric and b > 12 and a <= 12:  # US order, only when unambiguous
        day, month = b, a
    v = iso_day(y, month, day)
    return (v, "day", False) if v else REJECT


def _b_iso(m: re.Match, ctx: Ctx) -> Built:
    v = iso_day(int(m["y"]), int(m["mo"]), int(m["d"]))
    return (v, "day", False) if v else REJECT


def _first_day(m: re.Match, ctx: Ctx) -> int | None:
    """The day of a day-month match; the first one of a range ("9-10 octobre"), whose days
    must ascend ("3-2 mars" is a score and a word)."""
    last, first = _day(m["d"], ctx), m.groupdict().get("d0")
    if first is None or last is None:
        return last
    return int(first) if int(first) < last else None


def _b_dmy(m: re.Match, ctx: Ctx) -> Built:
    y, day = int(m["y"]), _first_day(m, ctx)
    if not 1000 <= y <= 2999 or day is None:
        return REJECT
    v = iso_day(y, _month(m["m"], ctx), day)
    return (v, "day", False) if v else REJECT


def _b_my(m: re.Match, ctx: Ctx) -> Built:
    y = int(m["y"])
    if not 1000 <= y <= 2999:
        return REJECT
    return f"{y:04d}-{_month(m['m'], ctx):02d}", "month", False


def _b_quarter(m: re.Match, ctx: Ctx) -> Built:
    q = int(m["q"]) if m["q"].isdigit() else ctx.rules.lookup["quarter"].get(norm(m["q"]))
    y = int(m["y"]) if m["y"] else 2000 + int(m["yy"])
    if not q or not 1 <= q <= 4 or not 1000 <= y <= 2999:
        return None
    return f"{y:04d}-Q{q}", "quarter", False


def _b_year(m: re.Match, ctx: Ctx) -> Built:
    if not (m["cue"] or m["pre"] or m["suf"]):
        return None  # a bare number is never a year
    return m["y"], "year", False


def _resolve_day(ctx: Ctx, m: re.Match, month: int, day: int) -> Built:
    """A day and month without a year, by the shift word after it or by the tense policy."""
    pub = ctx.published
    if pub is None:
        return None
    cands = [dt.date.fromisoformat(v) for y in (pub.year - 1, pub.year, pub.year + 1)
             if (v := iso_day(y, month, day))]
    shift = m.groupdict().get("sa")
    direction = ctx.rules.lookup["shift"].get(norm(shift)) if shift else 0
    best = pick(pub, cands, direction or tense(ctx, m.start(), m.end()), strict=bool(direction))
    return (best.isoformat(), "day", True) if best else REJECT


def _b_dm(m: re.Match, ctx: Ctx) -> Built:
    day = _first_day(m, ctx)
    if day is None:
        return None
    return _resolve_day(ctx, m, _month(m["m"], ctx), day)


# Slashed pairs that name something else: "24/7" (always), "9/11" (the 2001 attacks).
_NOT_DAY_MONTH = {(24, 7), (9, 11)}


def _b_dm_numeric(m: re.Match, ctx: Ctx) -> Built:
    a, b = int(m["a"]), int(m["b"] or m["c"])
    if m["b"] and (a, b) in _NOT_DAY_MONTH:
        return REJECT
    return _resolve_day(ctx, m, b, a)


def _b_relday(m: re.Match, ctx: Ctx) -> Built:
    if ctx.published is None:
        return None
    offset = ctx.rules.lookup["relday"][norm(m["r"])]
    return (ctx.published + dt.timedelta(days=offset)).isoformat(), "day", True


def _b_shift(m: re.Match, ctx: Ctx) -> Built:
    """"lundi dernier", "next week", "im vergangenen Jahr", "w przyszłym tygodniu"."""
    pub, lk = ctx.published, ctx.rules.lookup
    if pub is None:
        return None
    shift = lk["shift"][norm(m["sb"] or m["sa"])]
    wd = m.groupdict().get("wd") or m.groupdict().get("wd2")
    if wd:
        target = lk["weekday"][norm(wd)]
        cands = [pub + dt.timedelta(days=k) for k in range(-7, 8)]
        cands = [c for c in cands if c.weekday() == target]
        direction = shift or tense(ctx, m.start(), m.end())
        best = pick(pub, cands, direction, strict=bool(shift))
        return (best.isoformat(), "day", True) if best else None
    return _unit_value(lk["unit"][norm(m["u"] or m["u2"])], shift, pub)


def _unit_value(unit: str, n: int, pub: dt.date) -> Built:
    if unit == "day":
        return (pub + dt.timedelta(days=n)).isoformat(), "day", True
    if unit == "week":
        return week_value(pub + dt.timedelta(weeks=n)), "week", True
    if unit == "month":
        y, mo = shift_month(pub, n)
        return f"{y:04d}-{mo:02d}", "month", True
    return f"{pub.year + n:04d}", "year", True


def _b_ago(m: re.Match, ctx: Ctx) -> Built:
    """"il y a trois jours", "vor zwei Wochen", "two years ago", "dans six mois"."""
    lk = ctx.rules.lookup
    if ctx.published is None:
        return None
    unit = norm(m["u"])
    if m["n"]:
        n = int(m["n"]) if m["n"].isdigit() else lk["number"].get(norm(m["n"]))
    else:  # "rok temu": a singular unit alone means one
        n = 1 if unit in lk["singular"] else None
    if not n:
        return None
    ahead = bool(m.groupdict().get("hb"))
    if ahead and tense(ctx, m.start(), m.end()) < 0:
        return None  # "doubled in two years" is a duration; "will open in two years" a date
    return _unit_value(lk["unit"][unit], (1 if ahead else -1) * n, ctx.published)


def _sentence_start(text: str, i: int) -> bool:
    j = i - 1
    while j >= 0 and text[j] in " \t\u00a0\u202f«»\"“”„'(":
        j -= 1
    return j < 0 or text[j] in ".!?:\n—–-"


def _capital_name(ctx: Ctx, m: re.Match, group: str) -> bool:
    """In languages that write month and weekday names in lowercase, a capitalised one
    standing alone mid-sentence is a name: "Domingo", "Mercredi" (a series), "vers Mars"."""
    word = m[group]
    return (ctx.rules.lowercase_names and word[0].isupper()
            and not _sentence_start(ctx.text, m.start(group)))


def _b_weekday(m: re.Match, ctx: Ctx) -> Built:
    """A weekday alone ("mardi", "on Monday"): the nearest one, past or future by tense."""
    pub = ctx.published
    if pub is None:
        return None
    wd = m["wd"]
    if _capital_name(ctx, m, "wd"):
        return None
    target = ctx.rules.lookup["weekday"][norm(wd)]
    cands = [c for k in range(-7, 8) if (c := pub + dt.timedelta(days=k)).weekday() == target]
    best = pick(pub, cands, tense(ctx, m.start(), m.end()))
    return (best.isoformat(), "day", True) if best else None


def _b_month_cue(m: re.Match, ctx: Ctx) -> Built:
    """"en juin", "im Juni", "w czerwcu": a month without a year, past or future by tense."""
    pub = ctx.published
    if pub is None or _capital_name(ctx, m, "m"):
        return None
    month = _month(m["m"], ctx)
    if tense(ctx, m.start(), m.end()) > 0:
        year = pub.year + (month < pub.month)
    else:
        year = pub.year - (month > pub.month)
    return f"{year:04d}-{month:02d}", "month", True


def _b_holiday(m: re.Match, ctx: Ctx) -> Built:
    h = ctx.rules.lookup["holiday"][norm(m["h"])]
    if m["y"]:
        d = holiday_date(h, int(m["y"]))
        return (d.isoformat(), "day", False) if d else REJECT
    if ctx.published is None or not (m["cue"] or " " in m["h"].strip()):
        return None  # a one-word name needs a cue ("à Noël", "by Easter"): "Easter egg" is not a date
    pub = ctx.published
    cands = [d for y in (pub.year - 1, pub.year, pub.year + 1) if (d := holiday_date(h, y))]
    best = pick(pub, cands, tense(ctx, m.start(), m.end()))
    return (best.isoformat(), "day", True) if best else None


BUILDERS: dict[str, Callable[[re.Match, Ctx], Built]] = {
    "numeric": _b_numeric, "iso": _b_iso, "dmy": _b_dmy, "mdy": _b_dmy, "my": _b_my,
    "quarter": _b_quarter, "year": _b_year, "dm": _b_dm, "md": _b_dm,
    "dm_numeric": _b_dm_numeric, "relday": _b_relday, "shift": _b_shift, "ago": _b_ago,
    "holiday": _b_holiday, "month_cue": _b_month_cue, "weekday": _b_weekday,
}
