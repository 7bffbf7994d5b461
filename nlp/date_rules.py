"""Compiled date rules for one language, built from the `[dates]` section of its data file.

The engine (`nlp.dates`) is the same for every language; what differs (month and weekday
names, ordinal markers, cue words, relative words, holidays) is read here from
`nlp/data/lang/<code>.toml` and turned into regexes once per process (`rules_for` is cached).
The keys a `[dates]` section must have are listed in `REQUIRED`; tests/test_langdata.py checks
every file against it.
"""
from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from nlp import langdata
from nlp.errors import VeilleError

# Every key a [dates] section must define (an empty list or table is a valid "none"), with
# its type and meaning: what a ninth language's file has to provide.
KEYS: dict[str, tuple[type, str]] = {
    "case_sensitive": (bool, "match month, weekday names as written (English: 'May', 'March')"),
    "lowercase_names": (bool, "names are lowercase: a capitalised one alone mid-sentence is a name"),
    "month_day_order": (bool, "'October 2, 2024' style (month before day)"),
    "month_first_numeric": (bool, "read 07/21/2025 month-first when day-first is impossible"),
    "months": (list, "12 lists of forms, January first; a final '.' marks an abbreviation"),
    "weekdays": (list, "7 lists of forms, Monday first"),
    "day_ordinals": (list, "suffixes glued to a day number: 'er', '.', 'º', 'st'"),
    "day_words": (dict, "day words and their number: premier = 1"),
    "weekday_day_link": (list, "words between a weekday and its day: 'den'"),
    "day_month_link": (list, "words between day and month: 'de', 'of'"),
    "month_year_link": (list, "words between month and year: 'de', 'del', 'of', 'van'"),
    "cues": (list, "words before a year, a month or a holiday that make it a date: 'en', 'since'"),
    "name_cues": (list, "more such words, before a month or a holiday only: 'à', 'on'"),
    "year_cues": (list, "more such words, before a year only: 'l'année', 'im Jahr', 'summer'"),
    "year_prefixes": (list, "glued before a year: 'mi-', 'mid-'"),
    "year_suffixes": (list, "after a year, making it one: 'r.', 'roku'"),
    "day_cues": (list, "before a numeric day/month without a year: 'le', 'am', 'on'"),
    "relative_days": (dict, "words for days relative to publication: hier = -1"),
    "case_exact": (list, "relative_days entries matched only as written: 'morgen'"),
    "relative_not_after": (list, "words after which a relative day is a figure of speech: 'de'"),
    "relative_not_before": (list, "words before which it is one: 'en día' (hoy en día)"),
    "shift_before": (dict, "words before a weekday or unit moving it: last = -1, next = 1, this = 0"),
    "shift_after": (dict, "the same after it: dernier = -1, prochain = 1"),
    "shift_prefixes": (list, "articles kept in a shifted phrase: 'le', 'el', 'im', 'w'"),
    "shift_not_after": (list, "words after which a shifted phrase is a span: 'the' (the last year)"),
    "weekday_not_after": (list, "words before a weekday that make it a name or a habit: 'Black', 'il'"),
    "weekday_not_before": (list, "words after a weekday that do: 'Times', 'gras'"),
    "units": (dict, "day, week, month, year: their forms (singular, plural, cases)"),
    "units_singular": (list, "unit forms that mean one ('rok temu': a year ago)"),
    "numbers": (dict, "number words and their value: deux = 2, a = 1"),
    "ago_before": (list, "words before 'N units' meaning ago: 'il y a', 'vor', 'hace'"),
    "ago_after": (list, "words after 'N units' meaning ago: 'ago', 'fa', 'temu'"),
    "ahead_before": (list, "words before 'N units' meaning from now: 'dans', 'in', 'za'"),
    "quarter_prefixes": (list, "letters glued before a quarter digit: 'Q', 'T'"),
    "quarter_words": (list, "the word quarter: 'trimestre', 'Quartal'"),
    "quarter_ordinals": (dict, "ordinals before it and their number: troisième = 3, III = 3"),
    "future_cues": (list, "words that put a clause in the future: 'will', 'sera', 'wird'"),
    "future_endings": (list, "endings of lowercase future verb forms: 'era', 'ront', 'ará'"),
    "clause_breaks": (list, "words (or ', and'-style entries) that end the clause searched for cues"),
    "not_before_year": (list, "words after a cued year that make it an amount: 'euros', 'people'"),
    "not_date_after": (list, "words before a written date that make it a name: 'version', 'rue du'"),
    "holidays": (dict, "named days: 'MM-DD' (+ ' sun-1'), 'easter+N', or 'MM-www#N(+K)'"),
}
REQUIRED = {key: kind for key, (kind, _) in KEYS.items()}
UNITS = ("day", "week", "month", "year")

# Horizontal whitespace only (NBSP and narrow NBSP included): a date never spans two lines.
S = r"[^\S\r\n]+"
_APOS = "['’ʼ]"
_HOLIDAY_RULE = re.compile(
    r"^(?:(?P<m>\d\d)-(?P<d>\d\d)(?:\s+sun(?P<sun>[+-]\d))?"
    r"|easter(?P<e>[+-]\d+)?"
    r"|(?P<nm>\d\d)-(?P<wd>mon|tue|wed|thu|fri|sat|sun)#(?P<n>-?\d)(?P<k>[+-]\d+)?)$")
_WD_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class DateDataError(VeilleError):
    pass


class Holiday(NamedTuple):
    """When a named day falls: fixed (month, day), Easter + offset, or the n-th weekday."""
    month: int = 0
    day: int = 0
    sunday_shift: int = 0  # Koningsdag: a day earlier when 27 April is a Sunday
    easter: int | None = None
    weekday: int = -1
    nth: int = 0
    offset: int = 0


class Rules(NamedTuple):
    lang: str
    rules: tuple[tuple[str, str, re.Pattern[str]], ...]  # (builder name, window class, regex)
    trigger: re.Pattern[str]  # finds, in lowercased text, the words that open a window
    trigger_class: dict[str, frozenset[str]]  # such a word -> the window classes it opens
    not_after: dict[str, re.Pattern[str]]  # rule name -> words that must not precede its match
    future: re.Pattern[str]  # a future-tense cue
    clause_break: re.Pattern[str]  # where a clause ends (for the tense policy)
    month_first_numeric: bool
    lowercase_names: bool
    lookup: dict[str, dict]  # normalised form -> value, per table


_APOS_RE = re.compile(_APOS)


def norm(s: str) -> str:
    """Key under which a matched form is looked up: lowercased, apostrophes and spaces unified."""
    return " ".join(_APOS_RE.sub("'", s).lower().rstrip(".").split())


def alt(words, *, exact: bool = False, glued: bool = False) -> str:
    """Alternation of `words`, longest first, closed by word boundaries. An entry ending in
    "." is an abbreviation whose dot is optional (and belongs to the match when present).
    Case-insensitive unless `exact`. `glued`: no boundary after a trailing apostrophe
    ("l'", "quest'") so that the next word may follow without a space."""
    parts = []
    if exact:  # a case-sensitive name may also stand in an all-caps headline: "OCTOBER 2, 2024"
        words = [*words, *(w.upper() for w in words)]
    for w in sorted(set(words), key=len, reverse=True):
        body = w[:-1] if w.endswith(".") and len(w) > 1 else w
        p = re.sub(r"\\?['’ʼ]", _APOS, re.escape(body)).replace(r"\ ", S)
        if body is not w:
            p += r"\.?(?!\w)"
        elif not (glued and re.search(r"['’ʼ-]$", w)) and re.search(r"\w$", w):
            p += r"(?!\w)"
        parts.append(p)
    if not parts:
        return "(?!x)x"  # an empty list matches nothing
    body = "|".join(parts)
    return f"(?:{body})" if exact else f"(?i:{body})"


def _preceded_by(words) -> re.Pattern[str] | None:
    """Matches (searched with endpos = a mention's start) when the text just before a mention
    is one of `words`: "de demain", "the last year". Checked after a match rather than as
    lookbehinds, which Python would evaluate at every position of every window."""
    if not words:
        return None
    return re.compile(r"(?<![\w'’-])" + alt(words, glued=True) + r"[^\S\r\n]*$")


def _holiday(spec: str, where: str) -> Holiday:
    m = _HOLIDAY_RULE.match(spec.strip())
    if not m:
        raise DateDataError(f"{where}: holiday rule {spec!r} is not MM-DD, easter±N or MM-www#N")
    if m["m"]:
        return Holiday(int(m["m"]), int(m["d"]), int(m["sun"] or 0))
    if spec.startswith("easter"):
        return Holiday(easter=int(m["e"] or 0))
    return Holiday(int(m["nm"]), weekday=_WD_CODES.index(m["wd"]), nth=int(m["n"]), offset=int(m["k"] or 0))


def _check(code: str, d: dict) -> None:
    where = f"nlp/data/lang/{code}.toml [dates]"
    for key, kind in REQUIRED.items():
        if not isinstance(d.get(key), kind):
            raise DateDataError(f"{where}: key {key!r} missing or not a {kind.__name__}")
    if len(d["months"]) != 12 or len(d["weekdays"]) != 7:
        raise DateDataError(f"{where}: needs 12 months and 7 weekdays")
    if set(d["units"]) != set(UNITS):
        raise DateDataError(f"{where}: units must define exactly {', '.join(UNITS)}")


def _lookup(d: dict, code: str) -> dict[str, dict]:
    where = f"nlp/data/lang/{code}.toml [dates]"
    unit_of = {norm(f): u for u, forms in d["units"].items() for f in forms}
    return {
        "month": {norm(f): i + 1 for i, forms in enumerate(d["months"]) for f in forms},
        "weekday": {norm(f): i for i, forms in enumerate(d["weekdays"]) for f in forms},
        "day": {norm(k): v for k, v in d["day_words"].items()},
        "relday": {norm(k): v for k, v in d["relative_days"].items()},
        "shift": {**{norm(k): v for k, v in d["shift_before"].items()},
                  **{norm(k): v for k, v in d["shift_after"].items()}},
        "unit": unit_of,
        "singular": {norm(f) for f in d["units_singular"]},
        "number": {norm(k): v for k, v in d["numbers"].items()},
        "quarter": {norm(k): v for k, v in d["quarter_ordinals"].items()},
        "holiday": {norm(k): _holiday(v, where) for k, v in d["holidays"].items()},
    }


def _month_dm(d: dict) -> str:
    """Months for a day and month without a year: abbreviations must carry their dot there
    ("3 sept." is a date, "3 sept" may be a count and a word), unless names are matched
    case-sensitively ("Oct 9" is unambiguous in English)."""
    forms = [f for ms in d["months"] for f in ms]
    if d["case_sensitive"]:
        return alt(forms, exact=True)
    full = alt([f for f in forms if not f.endswith(".")])
    dotted = [re.escape(f) for f in forms if f.endswith(".")]
    return f"(?:{full}|(?i:{'|'.join(dotted) or '(?!x)x'}))"


def _fragments(d: dict) -> dict[str, str]:
    """The named pieces the rule templates below are written with."""
    cs = d["case_sensitive"]
    months = [f for ms in d["months"] for f in ms]
    weekdays = [f for ws in d["weekdays"] for f in ws]
    ords = sorted(d["day_ordinals"], key=len, reverse=True)
    rel_plain = [w for w in d["relative_days"] if w not in d["case_exact"]]
    rel_exact = [w for w in d["relative_days"] if w in d["case_exact"]]
    between = rf"(?:{S}|(?<=['’-]))"  # a space, or glued after an apostrophe or hyphen ("l'an")
    return {
        "S": S, "B": between,
        "MONTH": alt(months, exact=cs),
        "MONTH_FULL": alt([f for f in months if not f.endswith(".")], exact=cs),
        "MONTH_DM": _month_dm(d),
        "WD": alt(weekdays, exact=cs),
        "DAYNUM": r"(?:3[01]|[12]\d|0?[1-9])",
        "ORD": "(?:" + "|".join(re.escape(o) for o in ords) + ")?" if ords else "",
        "DAYWORD": alt(d["day_words"]),
        "WDLINK": alt(d["weekday_day_link"]), "DMLINK": alt(d["day_month_link"]),
        "MYLINK": alt(d["month_year_link"]),
        "MYSEP": rf"{',?' if d['month_day_order'] else ''}{S}(?:{alt(d['month_year_link'])}{S})?",
        "YCUE": alt(d["cues"] + d["year_cues"], glued=True),
        "NCUE": alt(d["cues"] + d["name_cues"], glued=True),
        "YPRE": alt(d["year_prefixes"], glued=True), "YSUF": alt(d["year_suffixes"]),
        "DCUE": alt(d["day_cues"], glued=True),
        # "vor 2000 Jahren" counts years; it is not the year 2000
        "NOYEAR": alt(d["not_before_year"] + [f for fs in d["units"].values() for f in fs]),
        "REL": f"(?:{alt(rel_plain)}|{alt(rel_exact, exact=True)})",
        "REL_NB": f"(?!{S}{alt(d['relative_not_before'])})" if d["relative_not_before"] else "",
        "SB": alt(d["shift_before"], glued=True), "SA": alt(d["shift_after"], glued=True),
        "PRE": alt(d["shift_prefixes"], glued=True),
        "W_NB": f"(?!{S}{alt(d['weekday_not_before'], exact=True)})" if d["weekday_not_before"] else "",
        "USHIFT": alt([f for u in ("week", "month", "year") for f in d["units"][u]
                       if f in d["units_singular"]]),
        "UALL": alt([f for fs in d["units"].values() for f in fs]),
        "NUM": rf"(?:\d{{1,2}}|{alt(d['numbers'])})",
        "AGOB": alt(d["ago_before"]), "AGOA": alt(d["ago_after"]), "AHEAD": alt(d["ahead_before"]),
        # glued to the digit: "Q3", "T3"
        "QPRE": "(?:" + ("|".join(re.escape(q) for q in d["quarter_prefixes"]) or "(?!x)x") + ")",
        "QORD": alt(d["quarter_ordinals"]), "QWORD": alt(d["quarter_words"]),
        "HOL": alt(d["holidays"], exact=True),
        "ART": alt(d["shift_prefixes"], glued=True),
    }


# Rule templates, the same for every language; <NAME> is replaced by the fragment above.
# Group names are read by the builders in nlp.date_values; a group "span" narrows the reported
# span (a cue that only makes the phrase a date is left out: "le 3/4" -> "3/4").
_WDP = r"(?:(?<![\w'’-])<WD>,?<S>(?:<WDLINK><S>)?)?"
# A day range within one month ("9-10 octobre 2024", "9.–11. Oktober", "October 9-11, 2024")
# is one mention valued at its first day.
_DAY = (r"(?<![\w.,/-])(?:(?P<d0><DAYNUM>)<ORD>[^\S\r\n]?[-–][^\S\r\n]?)?"
        r"(?P<d><DAYNUM><ORD>|<DAYWORD>)")
_DAY_MD = r"(?P<d><DAYNUM><ORD>)(?:[^\S\r\n]?[-–][^\S\r\n]?<DAYNUM><ORD>)?(?!\w)"
_DMSEP = r"(?:<S>|(?<=\.))(?:<DMLINK><S>)?"
_YEAR = r"(?P<y>\d{4})(?!\d|[.,/]\d)"
_B = r"(?<![\w'’-])"
_E = r"(?![\w'’-])"
# Each rule: (builder, window class, template). The class names the tokens every match of the
# rule holds, so the rule only runs in windows around them: "year4" a run of four digits,
# "digits" one of one or two, "month"/"weekday"/"relday"/"unit"/"holiday" a word of that
# vocabulary (see `_triggers`). Rule order breaks ties between candidates of equal length.
RULES = (
    # Numeric forms: the guards keep decimals, regulation numbers and versions out.
    ("numeric", "year4", r"(?<![\w.,/-])(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})"
                r"(?!\d|[/.,-]\d)"),
    # Two-digit years only zero-padded ("03.04.24"): "3.12.10" and "18.5.1" are versions.
    ("numeric", "digits", r"(?<![\w.,/-])(?P<a>[0-3]\d)(?P<sep>[/.])(?P<b>[01]\d)(?P=sep)(?P<yy>\d\d)"
                r"(?!\d|[/.,-]\d)"),
    # German spaced style: "23. 3. 2015"
    ("numeric", "year4", r"(?<![\w.,/-])(?P<a>\d{1,2})\.[^\S\r\n](?P<b>\d{1,2})\.[^\S\r\n](?P<y>\d{4})"
                r"(?!\d|[/.,-]\d)"),
    ("iso", "year4", r"(?<![\w.,/-])(?P<y>\d{4})(?P<sep>[-/.])(?P<mo>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
                     r"(?!\d|[/.,-]\d)"),
    ("dmy", "month", _WDP + _DAY + _DMSEP + r"(?P<m><MONTH>)<MYSEP>" + _YEAR),
    ("mdy", "month", _WDP + r"(?P<m><MONTH>)<S>" + _DAY_MD + r",?<S>" + _YEAR),
    ("my", "month", r"(?<!\w)(?P<m><MONTH>)<MYSEP>" + _YEAR),  # "mi-juillet 2025", "d'août 2024"
    ("quarter", "digits", _B + r"<QPRE>(?P<q>[1-4])(?:(?:<S>|[/-])(?P<y>\d{4})|['’](?P<yy>\d\d))"
                r"(?!\d|[.,/]\d)"),
    ("quarter", "year4", _B + r"(?P<q><QORD>)<S><QWORD><MYSEP>" + _YEAR),
    ("year", "year4", _B + r"(?:(?P<cue><YCUE>)<B>|(?P<pre><YPRE>))?(?P<y>1[89]\d\d|20\d\d|2100)"
             r"(?!\d|[.,/]\d|-\d)(?:<S>(?P<suf><YSUF>))?(?![^\S\r\n]*(?:[%€$£¥‰]|<NOYEAR>))"),
    ("dm", "month", _WDP + _DAY + _DMSEP + r"(?P<m><MONTH_DM>)(?:<S>(?P<sa><SA>))?"),
    ("md", "month", _WDP + r"(?P<m><MONTH_DM>)<S>" + _DAY_MD + r"(?![.,:]\d)"),
    # "le 3/4", "am 3.4.": a bare day/month needs a cue; with dots, German style, a closing dot.
    ("dm_numeric", "digits", _B + r"<DCUE><S>(?P<span>(?P<a>3[01]|[12]\d|0?[1-9])"
                   r"(?:/(?P<b>1[0-2]|0?[1-9])(?![/.,-]?\d)|\.(?P<c>1[0-2]|0?[1-9])\.(?!\d)))"),

    ("relday", "relday", _B + r"(?P<r><REL>)" + _E + "<REL_NB>"),
    ("shift", "weekday", _B + r"(?:(?P<pre><PRE>)<B>)?(?:(?P<sb><SB>)<B>(?P<wd><WD>)"
              r"|(?P<wd2><WD>)(?:<S>|(?=-))(?P<sa><SA>))" + _E),
    ("shift", "unit", _B + r"(?:(?P<pre><PRE>)<B>)?(?:(?P<sb><SB>)<B>(?P<u><USHIFT>)"
              r"|(?P<u2><USHIFT>)(?:<S>|(?=-))(?P<sa><SA>))" + _E),
    ("ago", "unit", _B + r"(?:(?P<ab><AGOB>)|(?P<hb><AHEAD>))<S>(?P<n><NUM>)<S>(?P<u><UALL>)" + _E),
    ("ago", "unit", _B + r"(?:(?P<n><NUM>)<S>)?(?P<u><UALL>)<S>(?P<aa><AGOA>)" + _E),
    ("holiday", "holiday", _B + r"(?:(?P<cue><NCUE>)<B>(?:<ART><B>)?)?(?P<span>(?P<h><HOL>)"
                r"(?:<MYSEP>(?P<y>\d{4})(?!\d))?)" + _E),
    ("month_cue", "month", _B + r"<NCUE><B>(?P<span>(?P<m><MONTH_FULL>))(?!<S>(?:<MYLINK><S>)?\d)" + _E),
    ("weekday", "weekday", _B + r"(?P<wd><WD>)(?![\w'’-])<W_NB>"),
)


def _expand(template: str, frag: dict[str, str]) -> str:
    return re.sub(r"<([A-Z_]+)>", lambda m: frag[m.group(1)], template)


def _trie(words) -> str:
    """A regex alternation of `words` factored by common prefixes: the regex engine then
    tests one character class per position instead of every word in turn."""
    tree: dict = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return emit(tree)


def _triggers(d: dict) -> dict[str, frozenset[str]]:
    """Window classes opened by each word (the longest letter run of a vocabulary entry,
    lowercased): every match of a word rule holds one such word of its class."""
    vocab = {
        "weekday": [f for ws in d["weekdays"] for f in ws], "relday": list(d["relative_days"]),
        "unit": [f for fs in d["units"].values() for f in fs], "holiday": list(d["holidays"]),
        "month": [f for ms in d["months"] for f in ms],
    }
    out: dict[str, set[str]] = {}
    for cls, phrases in vocab.items():
        for p in phrases:
            toks = re.findall(r"[^\W\d_]+", p.lower())
            if toks:
                out.setdefault(max(toks, key=len), set()).add(cls)
    return {tok: frozenset(classes) for tok, classes in out.items()}


def _future(d: dict) -> re.Pattern[str]:
    """A future-tense cue: a listed word, or a lowercase word with a future ending."""
    endings = "|".join(re.escape(e) for e in sorted(d["future_endings"], key=len, reverse=True))
    # the word may follow an elided pronoun: "s'exprimera"
    ending = rf"|(?<![\w-])[^\W\d_A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻ]{{2,}}(?:{endings})(?!\w)" if endings else ""
    return re.compile(_B + alt(d["future_cues"]) + ending)


def _clause_break(d: dict) -> re.Pattern[str]:
    """Sentence ends and the data file's clause breaks (words, or ", and"-style entries)."""
    words = [w for w in d["clause_breaks"] if w[:1].isalpha()]
    punct = [w for w in d["clause_breaks"] if not w[:1].isalpha()]
    return re.compile(r"[.!?](?=\s+[^\W\d_])|[!?;\n]|" + _B + alt(words, glued=True) + "|" + alt(punct))


# Which rule is cancelled by which list of preceding words ("de demain", "the last year",
# "Black Friday", "Version 1.2.2025", "place du 8 Mai 1945").
_NOT_AFTER = (
    ("relday", "relative_not_after"), ("shift", "shift_not_after"), ("weekday", "weekday_not_after"),
    *((name, "not_date_after") for name in ("numeric", "iso", "dmy", "mdy", "my", "dm", "md", "dm_numeric")),
)


@cache
def rules_for(code: str) -> Rules | None:
    """Compiled rules of language `code`, or None when it has no date data."""
    try:
        d = langdata.section(code, "dates")
    except langdata.LanguageDataError:
        return None
    if not d:
        return None
    _check(code, d)
    frag = _fragments(d)
    skip = set() if d["month_day_order"] else {"mdy", "md"}
    triggers = _triggers(d)
    return Rules(
        lang=code,
        rules=tuple((name, cls, re.compile(_expand(t, frag))) for name, cls, t in RULES if name not in skip),
        trigger=re.compile(r"(?<![^\W\d_])" + _trie(sorted(triggers)) + r"(?![^\W\d_])"),
        trigger_class=triggers,
        not_after={name: p for name, key in _NOT_AFTER if (p := _preceded_by(d[key]))},
        future=_future(d), clause_break=_clause_break(d),
        month_first_numeric=d["month_first_numeric"], lowercase_names=d["lowercase_names"],
        lookup=_lookup(d, code),
    )
