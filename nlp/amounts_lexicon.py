"""What the amounts engine knows about one language, built from data and compiled once.

Words come from the `[money]` section of `nlp/data/lang/<code>.toml` (read through
`nlp.langdata`), currency codes and symbols shared by every language from
`nlp/data/currencies.toml`. `lexicon(code)` turns both into lookup tables and compiled regexes,
cached per process: nothing here is language-specific code, so a ninth language is a data file.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from nlp import langdata

__all__ = ["REQUIRED_KEYS", "Lexicon", "lexicon", "shared", "supported", "squeeze"]

# What every [money] section must hold (tests/test_langdata_money.py checks each file).
REQUIRED_KEYS = {
    "decimal_mark": str, "currency_words": dict, "weak_currency_words": list,
    "weak_follow": list, "weight_cues": list, "not_after_currency": list, "connectors": list,
    "subunit_words": dict, "subunit_joiners": list, "scale_words": dict,
    "scale_abbreviations": dict, "number_words": dict, "number_joiners": list,
    "articles": dict, "approx_markers": list, "range_pairs": list, "range_separators": list,
    "percent_words": list, "year_cues": list, "count_nouns": list, "count_adjectives": list,
    "currency_by_country": dict,
}

_HSP = "[ \u00a0\u202f\u2009]"  # spaces that may sit inside "20 000" or before "%"
SP0 = _HSP + "?"
WS = r"[^\S\r\n]+"  # between words; never across a line break
# A number starts on its own: not inside a word or code ("A320", "GPT-4o", "COVID-19"), not
# after a decimal point, slash or plus sign ("2024/1689", "+33 1 23"). A dash after a digit
# is a range ("2-3 Mrd. €"), so only a dash after a letter blocks.
START = r"(?<![\w.,/+−])(?<![^\W\d_]-)"
# ... and ends on its own ("18.5.1", "1689/2024").
END = r"(?!\d|[.,/]\d)"
NUM = (rf"(?:\d{{1,3}}(?:(?:{_HSP}|[.,'’])\d{{3}})+(?!\d)(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
       r"(?:[.,][-–]{1,2}(?![\d\-–]))?")


def squeeze(s: str) -> str:
    """Lookup key of a phrase: lowercased, apostrophes unified, spaces squeezed."""
    return re.sub(r"\s+", " ", s.replace("’", "'").lower()).strip()


def alt(words, *, flags: str = "", boundary: bool = True) -> str:
    """Alternation of literal words, longest first; spaces inside match any spacing and
    apostrophes either form. With `boundary`, a word never continues into letters or a dash."""
    out = []
    for w in sorted(set(words), key=len, reverse=True):
        p = re.sub("['’]", lambda _: "['’]", re.escape(w).replace(r"\ ", WS))
        if boundary and w[-1:].isalnum():
            p += r"(?![\w-])"
        out.append(p)
    body = "|".join(out) or r"(?!x)x"
    return f"(?{flags}:{body})" if flags else f"(?:{body})"


@cache
def shared() -> dict:
    """nlp/data/currencies.toml, parsed."""
    path = resources.files("nlp") / "data" / "currencies.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def supported() -> tuple[str, ...]:
    """Languages whose data file has a [money] section with every required key."""
    out = []
    for code in langdata.available():
        sec = langdata.section(code, "money")
        if all(isinstance(sec.get(k), t) for k, t in REQUIRED_KEYS.items()):
            out.append(code)
    return tuple(out)


def _symbol_alt(symbols) -> str:
    """Symbols match as written; one ending in a letter must not run on into a word."""
    out = []
    for s in sorted(set(symbols), key=len, reverse=True):
        out.append(re.escape(s) + (r"(?!\w)" if s[-1].isalnum() else ""))
    return "(?:" + "|".join(out) + ")"


@dataclass(frozen=True, slots=True)
class Lexicon:
    code: str
    decimal_mark: str
    currency: dict[str, str]  # squeezed name -> ISO code
    prefix: dict[str, str]  # symbol as written -> ISO code
    suffix: dict[str, str]
    codes: frozenset[str]
    fine_prices: frozenset[str]  # see currencies.toml
    subunit: dict[str, str]  # squeezed word -> ISO code when alone
    scale: dict[str, float]  # squeezed word -> factor
    scale_abbr: dict[str, float]  # as written -> factor
    number: dict[str, int]  # squeezed word -> value
    article: dict[str, int]
    weak: frozenset[str]
    weak_follow: frozenset[str]
    not_after: frozenset[str]
    pair_opens: dict[str, frozenset[str]]  # squeezed separator -> the opening words it needs
    free_seps: frozenset[str]
    number_word_re: re.Pattern[str]  # splits a spelled number into its words
    weight_re: re.Pattern[str]
    rules: dict[str, re.Pattern[str]]
    trigger: re.Pattern[str]
    count_nouns: tuple[str, ...]
    # a name several currencies share ("Kronen"): squeezed word -> country cue regex -> code
    by_country: dict[str, tuple[tuple[re.Pattern[str], str], ...]]


def _pieces(m: dict, sh: dict) -> dict[str, str]:
    """Regex fragments of one language."""
    words = alt(m["number_words"], flags="i", boundary=False)
    joins = []
    for j in sorted(m["number_joiners"], key=len, reverse=True):
        joins.append(WS.join(re.escape(p) for p in j.split(" ")) if j else "")
    numword = rf"(?<![\w-]){words}(?:(?:{'|'.join(joins)}){words})*(?![\w-])"
    scale_w = alt(m["scale_words"], flags="i")
    conn = "|".join(alt([c], flags="i", boundary=False) + ("" if c[-1] in "'’" else WS)
                    for c in m["connectors"]) or r"(?!x)x"
    return {
        "numword": numword,
        "scale_w": scale_w,
        "scale_a": _symbol_alt(m["scale_abbreviations"]) if m["scale_abbreviations"] else r"(?!x)x",
        "article": alt(m["articles"], flags="i"),
        "cur_w": alt([*m["currency_words"], *m["currency_by_country"]], flags="i"),
        "suffix": _symbol_alt(sh["suffix"]),
        "prefix": _symbol_alt(sh["prefix"]),
        "iso": r"(?<![A-Za-z])" + alt(sh["codes"], boundary=False) + r"(?![A-Za-z]|/[A-Z]{3})",
        "conn": f"(?:{conn})",
        "sub_w": alt(m["subunit_words"], flags="i"),
        "sub_join": alt(m["subunit_joiners"], flags="i"),
        "approx": "|".join(
            alt([a], flags="i", boundary=False) + (WS if a[-1].isalnum() else SP0)
            for a in [*m["approx_markers"], *sh["signs"]["approx"]]),
        "wsep": alt({p[1] for p in m["range_pairs"]} | set(m["range_separators"]), flags="i"),
        "dash": _symbol_alt(sh["signs"]["range_dashes"]),
        "opens": alt({p[0] for p in m["range_pairs"]}, flags="i", boundary=False),
        "nouns": alt(m["count_nouns"], flags="i"),
        "adj": alt(m["count_adjectives"], flags="i"),
        "pct": alt(m["percent_words"], flags="i"),
        "year": alt(m["year_cues"], flags="i", boundary=False),
    }


def _rules(p: dict[str, str]) -> dict[str, re.Pattern[str]]:
    qty = (rf"(?P<num>{NUM}){END}|(?P<word>{p['numword']})"
           rf"|(?<![\w-])(?P<art>{p['article']})(?={WS}{p['scale_w']})")
    glue = rf"(?:{WS}|(?<=\d))"  # "10mila euro", "5mln zł": a scale may be glued to digits
    scales = rf"(?:{glue}(?P<sw>{p['scale_w']})(?:{WS}(?P<sw2>{p['scale_w']}))?)?"
    cur = rf"(?:{p['cur_w']}|{p['suffix']}|{p['iso']})"
    sub_tail = (rf"(?:{WS}(?:{p['sub_join']}{WS})?(?P<sub>\d{{1,2}}){WS}(?P<subw>{p['sub_w']}))?")
    suffix_money = (rf"{START}(?:{qty}){scales}(?:{SP0}(?P<sa>{p['scale_a']}))?{SP0}"
                    rf"(?P<conn>{p['conn']})?(?P<cur>{cur}){sub_tail}")
    pscale = rf"(?:{SP0}(?P<sa>{p['scale_a']})(?!\w)|{glue}(?P<sw>{p['scale_w']})(?:{WS}(?P<sw2>{p['scale_w']}))?)?"
    # Not after "/": "EUR/USD 1.08" is an exchange rate. A code may follow ("$10 CAD").
    prefix_money = (rf"(?<![\w$€£¥₹/])(?P<pcur>{p['prefix']}|{p['iso']}){SP0}"
                    rf"(?P<num>{NUM}){END}{pscale}(?:{WS}(?P<pcode>{p['iso']}))?")
    subunit = (rf"{START}(?:(?P<num>\d{{1,3}}){END}|(?P<word>{p['numword']}))"
               rf"{WS}(?P<subw>{p['sub_w']})")
    count = (rf"{START}(?:{qty})(?:{WS}(?P<sw>{p['scale_w']}))?{WS}(?P<conn>{p['conn']})?"
             rf"(?:{p['adj']}{WS}){{0,2}}(?P<noun>{p['nouns']})")
    percent = (rf"(?:(?<![\w.,/])(?P<sign>[+\-−])|{START})"
               rf"(?:(?P<num>{NUM}){END}|(?P<word>{p['numword']})){SP0}(?P<pct>%|{p['pct']})")
    # Lower bound of a range, just before an amount ("de 2 à | 3 milliards d'euros").
    left = (rf"(?:(?P<pcur>{p['prefix']}|{p['iso']}){SP0})?(?:{START}(?P<num>{NUM}){END}"
            rf"|(?P<word>{p['numword']}))(?:{glue}(?P<sw>{p['scale_w']})|{SP0}(?P<sa>{p['scale_a']})(?!\w))?"
            rf"(?:{SP0}(?P<conn>{p['conn']})?(?P<cur>{cur}))?"
            rf"(?:{WS}(?P<wsep>{p['wsep']}){WS}|{SP0}(?P<dash>{p['dash']}){SP0})\Z")
    # Upper bound after an amount whose currency comes first ("$5 | -8 million").
    right = (rf"(?:{WS}(?P<wsep>{p['wsep']}){WS}|{SP0}(?P<dash>{p['dash']}){SP0})"
             rf"(?:(?P<pcur>{p['prefix']}|{p['iso']}){SP0})?(?P<num>{NUM}){END}{pscale}")
    return {
        "money": re.compile(suffix_money),
        "prefix": re.compile(prefix_money),
        "subunit": re.compile(subunit),
        "count": re.compile(count),
        "percent": re.compile(percent),
        "left": re.compile(left),
        "right": re.compile(right),
        "approx": re.compile(rf"(?<![\w.])(?:{p['approx']})\Z"),
        "open": re.compile(rf"(?<![\w-])(?P<open>{p['opens']}){WS}\Z|(?<![\w-])(?P<open2>{p['opens']})(?<=['’])\Z"),
        "year": re.compile(rf"(?<![\w-]){p['year']}{WS}\Z"),
        # Cheap tests before the costly ones: a range separator just before an amount, and a
        # subunit word anywhere in the text.
        "sep_end": re.compile(rf"(?:{WS}(?:{p['wsep']}){WS}|{SP0}{p['dash']}{SP0})\Z"),
        "has_subunit": re.compile(p["sub_w"]),
    }


def _table(d: dict) -> dict:
    return {squeeze(k): v for k, v in d.items()}


@cache
def lexicon(code: str) -> Lexicon | None:
    """The compiled lexicon of language `code`. A language without [money] data gets the
    symbols-and-codes lexicon of currencies.toml's [fallback] (code "*"); None for no code."""
    if not code:
        return None
    return _build(code if code in supported() else "*")


@cache
def _build(code: str) -> Lexicon:
    sh = shared()
    m = sh["fallback"] if code == "*" else langdata.section(code, "money")
    p = _pieces(m, sh)
    pairs: dict[str, set[str]] = {}
    for o, s in m["range_pairs"]:
        pairs.setdefault(squeeze(s), set()).add(squeeze(o))
    trig_words = [*m["number_words"], *m["scale_words"], *m["subunit_words"]]
    return Lexicon(
        code=code, decimal_mark=m["decimal_mark"], currency=_table(m["currency_words"]),
        prefix=dict(sh["prefix"]), suffix=dict(sh["suffix"]), codes=frozenset(sh["codes"]),
        fine_prices=frozenset(sh["fine_prices"]),
        subunit=_table(m["subunit_words"]),
        scale=_table(m["scale_words"]), scale_abbr=dict(m["scale_abbreviations"]),
        number=_table(m["number_words"]), article=_table(m["articles"]),
        weak=frozenset(squeeze(w) for w in m["weak_currency_words"]),
        weak_follow=frozenset(squeeze(w) for w in m["weak_follow"]),
        not_after=frozenset(squeeze(w) for w in m["not_after_currency"]),
        pair_opens={k: frozenset(v) for k, v in pairs.items()},
        free_seps=frozenset(squeeze(s) for s in m["range_separators"]),
        number_word_re=re.compile(alt(m["number_words"], flags="i", boundary=False)),
        weight_re=re.compile(r"(?<!\w)" + alt(m["weight_cues"], flags="i", boundary=False)),
        rules=_rules(p),
        trigger=re.compile(alt([squeeze(w) for w in trig_words], boundary=False)),
        count_nouns=tuple(m["count_nouns"]),
        by_country={squeeze(w): tuple((re.compile(r"(?<!\w)" + re.escape(stem), re.IGNORECASE), code)
                                      for stem, code in cues.items())
                    for w, cues in m["currency_by_country"].items()},
    )
