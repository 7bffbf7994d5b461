"""Rule-based money, count and percentage mentions, one engine for every language with data.

What differs between languages (currency names, scale and number words, decimal mark,
approximation and range markers, countable nouns) is the `[money]` section of
`nlp/data/lang/<code>.toml`; codes and symbols shared by all languages are in
`nlp/data/currencies.toml`; `nlp.amounts_lexicon` compiles both once per language.

Three kinds:
- money: a number (digits, or number words) with an optional scale ("millions", "Md", "bn",
  "Mio.", "mld") and an explicit currency (symbol, ISO code or name, before or after it). A
  bare number is never money. `value` is in units of the currency, `unit` its ISO 4217 code,
  `eur` the EUR equivalent from the dated table in `nlp.rates`. A range ("de 2 à 3 milliards
  d'euros", "$5-8 million") has `range` true, `value` its lower and `max` its upper bound; an
  approximation marker ("environ", "rund", "about", "około") sets `approx` and is part of the span;
- count: a number directly followed by a countable noun of the language ("20 000 PME");
  `unit` is the noun as written;
- percent: "12 %", "12,5 pour cent", "12 Prozent"; `unit` is "%".

Scales differ: en "billion" is 1e9, fr "billion" and de "Billion" are 1e12. Languages without
data return [].
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import NamedTuple

from nlp import langdata
from nlp.amounts_lexicon import Lexicon, lexicon, squeeze, supported
from nlp.amounts_text import parse_number, words_value
from nlp.rates import to_eur
from nlp.rule_windows import longest_first, lowered, scan, windows
from nlp.types import AmountMention

__all__ = ["COUNT_NOUNS", "find_amounts", "supported"]

# Countable nouns worth reporting after a number, per language, as listed in the data files.
COUNT_NOUNS: dict[str, tuple[str, ...]] = {
    code: tuple(langdata.section(code, "money")["count_nouns"]) for code in supported()
}


class _Ctx(NamedTuple):
    text: str
    lex: Lexicon
    on: dt.date | None


class _Hit(NamedTuple):
    value: float
    unit: str
    kind: str
    factor: float = 1.0  # the scale applied, so a range's other bound can share it
    prefix: bool = False  # currency written before the number


# After an abbreviation's dot: the end of the text, a line break, or a new sentence.
_SENTENCE_END = re.compile(r"\Z|[^\S\r\n]*[\r\n]|[^\S\r\n]+[\"'«»“”(]?(?P<c>[^\W\d_])")
_LEADING_ZERO = re.compile(r"0\d")
_YEAR = re.compile(r"(?:19|20)\d\d")
_NEXT_WORD = re.compile(r"[^\S\r\n]*([^\W\d_][\w'’-]*)?")


def _qty(m: re.Match, lex: Lexicon, whole: bool = False) -> float | None:
    """The number before any scale; `whole` as in `parse_number` (unscaled money)."""
    g = m.groupdict()
    if g.get("num") is not None:
        if _LEADING_ZERO.match(g["num"]):
            return None  # "007", "000": a code or a broken number, not a quantity
        return parse_number(g["num"], lex.decimal_mark, whole)
    if g.get("word") is not None:
        parts = [lex.number.get(squeeze(w), 0) for w in lex.number_word_re.findall(g["word"])]
        return words_value(parts) if parts else None
    if g.get("art") is not None:
        return 1.0
    return None


def _whole(lex: Lexicon, unit: str | None, m: re.Match) -> bool:
    """Whether a lone separator before three digits must group thousands: an unscaled price
    in a currency without three-decimal prices (see currencies.toml)."""
    g = m.groupdict()
    return unit not in lex.fine_prices and not (g.get("sw") or g.get("sa"))


def _factor(m: re.Match, lex: Lexicon) -> float:
    g = m.groupdict()
    f = 1.0
    for name in ("sw", "sw2"):
        if g.get(name):
            f *= lex.scale.get(squeeze(g[name]), 1.0)
    if g.get("sa"):
        f *= lex.scale_abbr.get(g["sa"], 1.0)
    return f


def _code(raw: str, lex: Lexicon, prefix: bool) -> str | None:
    if raw in lex.codes:
        return raw
    table = lex.prefix if prefix else lex.suffix
    return table.get(raw) or lex.currency.get(squeeze(raw))


_SENTENCE_BREAK = re.compile(r"[.!?](?:\s|$)|\n")


def _by_country(ctx: _Ctx, m: re.Match) -> str | None:
    """The currency of a name several share ("4 Milliarden Kronen"), from the one country
    its sentence names ("das schwedische Unternehmen"); None when it names none or several."""
    cues = ctx.lex.by_country.get(squeeze(m["cur"]))
    if not cues:
        return None
    text = ctx.text
    start = max((e.end() for e in _SENTENCE_BREAK.finditer(text, 0, m.start())), default=0)
    end_m = _SENTENCE_BREAK.search(text, m.end())
    sentence = text[start:end_m.start() if end_m else len(text)]
    found = {code for cue, code in cues if cue.search(sentence)}
    return found.pop() if len(found) == 1 else None


def _name_fits(ctx: _Ctx, m: re.Match, cur: str) -> bool:
    """A currency name is money only in a context that fits: not "euro area" / "zone euro",
    and a name that is also a weight or a common noun ("pounds", "livres") only after no
    weight cue and before punctuation or a word that commonly follows an amount."""
    lex, text = ctx.lex, ctx.text
    nxt = _NEXT_WORD.match(text, m.end("cur"))[1]
    if nxt and squeeze(nxt) in lex.not_after:
        return False
    if squeeze(cur) not in lex.weak:
        return True
    if lex.weight_re.search(text, max(0, m.start() - 50), m.start()):
        return False
    if not nxt:
        return True
    word = squeeze(nxt)
    return word in lex.weak_follow or word.split("'")[0] + "'" in lex.weak_follow


def _b_money(m: re.Match, ctx: _Ctx) -> _Hit | None:
    lex = ctx.lex
    cur = _code(m["cur"], lex, prefix=False) or _by_country(ctx, m)
    if cur is None:
        return None
    qty = _qty(m, lex, whole=_whole(lex, cur, m))
    if qty is None:
        return None
    if m["conn"] and not m["sw"]:  # "de"/"d'"/"di" only follows a scale word: "25 millions d'euros"
        return None
    named = squeeze(m["cur"]) in lex.currency or squeeze(m["cur"]) in lex.by_country
    if named and not _name_fits(ctx, m, m["cur"]):
        return None
    if m["word"] is not None and not (m["sw"] or m["sa"]) and not named:
        return None  # "deux €" is not how anyone writes; "deux millions €" is
    f = _factor(m, lex)
    value = qty * f
    if m["sub"]:
        value += int(m["sub"]) / 100
    return _Hit(value, cur, "money", f)


def _b_prefix(m: re.Match, ctx: _Ctx) -> _Hit | None:
    cur = _code(m["pcode"] or m["pcur"], ctx.lex, prefix=True)  # "$10 CAD" is in CAD
    qty = parse_number(m["num"], ctx.lex.decimal_mark, whole=_whole(ctx.lex, cur, m))
    if qty is None or cur is None:
        return None
    f = _factor(m, ctx.lex)
    return _Hit(qty * f, cur, "money", f, prefix=True)


def _b_subunit(m: re.Match, ctx: _Ctx) -> _Hit | None:
    qty = _qty(m, ctx.lex)
    cur = ctx.lex.subunit.get(squeeze(m["subw"]))
    if qty is None or cur is None:
        return None
    return _Hit(qty / 100, cur, "money", 0.01)  # "25-45 cents": the bounds share the hundredth


def _b_count(m: re.Match, ctx: _Ctx) -> _Hit | None:
    qty = _qty(m, ctx.lex)
    if qty is None:
        return None
    if m["conn"] and not m["sw"]:  # "de" only after a scale: "3 millions d'utilisateurs"
        return None
    raw = m["num"]
    if raw and raw.isdigit() and len(raw) == 4 and 1900 <= int(raw) <= 2100 and not m["sw"]:
        if ctx.lex.rules["year"].search(ctx.text, max(0, m.start() - 15), m.start()):
            return None  # "en 2025 entreprises ...": the number is the year
    return _Hit(qty * _factor(m, ctx.lex), m["noun"], "count")


def _b_percent(m: re.Match, ctx: _Ctx) -> _Hit | None:
    qty = _qty(m, ctx.lex)
    if qty is None:
        return None
    if m["sign"] in ("-", "−"):
        qty = -qty
    return _Hit(qty, "%", "percent")


_BUILDERS: tuple[tuple[str, Callable[[re.Match, _Ctx], _Hit | None]], ...] = (
    ("money", _b_money),
    ("prefix", _b_prefix),
    ("subunit", _b_subunit),
    ("percent", _b_percent),
    ("count", _b_count),
)

# --------------------------------------------------------------------------- ranges, approx


def _opening(ctx: _Ctx, at: int, sep: str | None) -> int | None:
    """Start of the opening word a range separator pairs with ("entre" for "et"), if it is
    written just before `at`."""
    if sep is None or sep not in ctx.lex.pair_opens:
        return None
    om = ctx.lex.rules["open"].search(ctx.text, max(0, at - 25), at)
    if om and squeeze(om["open"] or om["open2"]) in ctx.lex.pair_opens[sep]:
        return om.start()
    return None


def _bounds_ok(ctx: _Ctx, low: float, high: float, sep: str | None, opened: bool) -> bool:
    if not low < high:
        return False
    if not opened and high / max(low, 1e-9) > 100:
        return False  # "5-2024 €" is no range: without "between" a range stays within 100x
    return sep is None or opened or sep in ctx.lex.free_seps


def _left_range(ctx: _Ctx, start: int, hit: _Hit) -> tuple[int, float] | None:
    """(start, lower bound) when a lower bound and a separator are written before the amount."""
    if not ctx.lex.rules["sep_end"].search(ctx.text, max(0, start - 20), start):
        return None
    lm = ctx.lex.rules["left"].search(ctx.text, max(0, start - 80), start)
    if lm is None:
        return None
    cur = lm["pcur"] or lm["cur"]
    if cur and _code(cur, ctx.lex, prefix=bool(lm["pcur"])) != hit.unit:
        return None
    if not (cur or lm["sw"] or lm["sa"]) and _YEAR.fullmatch(lm["num"] or ""):
        return None  # "hasta 2030 a 5 millones de euros": the year is no lower bound
    q = _qty(lm, ctx.lex, whole=_whole(ctx.lex, hit.unit, lm) and hit.factor == 1.0)
    if q is None:
        return None
    sep = squeeze(lm["wsep"]) if lm["wsep"] else None
    open_at = _opening(ctx, lm.start(), sep)
    # An unscaled lower bound shares the upper bound's scale ("5 and 8 billion euros") unless
    # that would put it above the upper bound ("€50,000 and €2.5 million").
    lows = [q * _factor(lm, ctx.lex)] if (lm["sw"] or lm["sa"]) else [q * hit.factor, q]
    low = next((v for v in lows if _bounds_ok(ctx, v, hit.value, sep, open_at is not None)), None)
    if low is None:
        return None
    return (open_at if open_at is not None else lm.start()), low


def _right_range(ctx: _Ctx, end: int, hit: _Hit, start: int) -> tuple[int, int, float, float] | None:
    """(start, end, lower, upper) when a separator and an upper bound follow a prefixed
    amount ("$5-8 million", "between $5 and $8")."""
    rm = ctx.lex.rules["right"].match(ctx.text, end)
    if rm is None:
        return None
    if rm["pcur"] and _code(rm["pcur"], ctx.lex, prefix=True) != hit.unit:
        return None
    q = parse_number(rm["num"], ctx.lex.decimal_mark, whole=_whole(ctx.lex, hit.unit, rm) and hit.factor == 1.0)
    if q is None:
        return None
    f2 = _factor(rm, ctx.lex)
    low = hit.value
    if f2 != 1.0 and hit.factor == 1.0:
        low = hit.value * f2  # "$5-8 million": the scale belongs to both bounds
    high = q * (f2 if f2 != 1.0 else hit.factor)
    sep = squeeze(rm["wsep"]) if rm["wsep"] else None
    open_at = _opening(ctx, start, sep)
    if not _bounds_ok(ctx, low, high, sep, open_at is not None):
        return None
    return (open_at if open_at is not None else start), rm.end(), low, high


def _closes_sentence(ctx: _Ctx, s: int, e: int) -> bool:
    """Whether the amount ends with a scale abbreviation's dot that also ends the sentence
    (currency symbols such as "лв." keep theirs)."""
    if ctx.text[e - 1] != ".":
        return False
    last = ctx.text[s:e].split()[-1]
    m = re.search(r"[^\W\d]+\.$", last)
    if m is None or (squeeze(m.group()) not in ctx.lex.scale and m.group() not in ctx.lex.scale_abbr):
        return False
    end = _SENTENCE_END.match(ctx.text, e)
    return bool(end) and (end["c"] is None or end["c"].isupper())


def _money_mention(m: re.Match, hit: _Hit, ctx: _Ctx) -> tuple[int, int, AmountMention]:
    """The amount with its range and approximation marker, if any."""
    s, e = m.span()
    low, high = hit.value, None
    left = _left_range(ctx, s, hit)
    if left is not None:
        s, low = left
        high = hit.value
    elif hit.prefix:
        right = _right_range(ctx, e, hit, s)
        if right is not None:
            s, e, low, high = right
    am = ctx.lex.rules["approx"].search(ctx.text, max(0, s - 40), s)
    if am is not None:
        s = am.start()
    if _closes_sentence(ctx, s, e):
        e -= 1  # "€600 mln." closing a sentence: the full stop is the sentence's
    text = ctx.text[s:e]
    eur = to_eur(low, hit.unit, ctx.on)
    return s, e, AmountMention(text, low, hit.unit, "money", s, e, eur, max=high,
                               range=high is not None, approx=am is not None)


# --------------------------------------------------------------------------- entry point

# Every amount holds a digit run or a number / scale word; rules only run in windows around
# them. Context needed: a currency before the number ("U.S.$ ", "CAN$"), and after it a scale,
# connector, currency and subunit ("milliards de couronnes norvégiennes et 50 centimes").
_BEFORE, _AFTER = 12, 80
_DIGITS = re.compile(r"[0-9]+")


def find_amounts(text: str, lang: str, on: dt.date | None = None) -> list[AmountMention]:
    """Money, count and percentage mentions in `text`, sorted by start and non-overlapping.
    `on` dates the EUR conversion (the publication date; today when None)."""
    lex = lexicon(lang) if lang else None
    if lex is None or not text:
        return []
    ctx = _Ctx(text, lex, on)
    low = lowered(text)
    words = (lex.trigger.finditer(low) if low is not None
             else re.finditer(lex.trigger.pattern, text, re.IGNORECASE))
    spans = sorted([m.span() for m in _DIGITS.finditer(text)] + [m.span() for m in words])
    wins = windows(spans, _BEFORE, _AFTER, len(text))
    cands: list[tuple[int, int, int, object]] = []
    for order, (name, build) in enumerate(_BUILDERS):
        if name == "subunit" and not lex.rules["has_subunit"].search(text):
            continue
        for m in scan(lex.rules[name], text, wins):
            hit = build(m, ctx)
            if hit is None:
                continue
            if hit.kind == "money":
                s, e, mention = _money_mention(m, hit, ctx)
            else:
                s, e = m.span()
                mention = AmountMention(m.group(), hit.value, hit.unit, hit.kind, s, e)
            cands.append((s, e, order, mention))
    return longest_first(cands)  # type: ignore[return-value]
