"""Rule-based money, count and percentage mentions for French, English and German.

Pure compiled regexes, built once at import. Three kinds:
- money: a number (digits, or a small number word) with an optional scale ("millions",
  "Md", "bn", "Mio.") and an explicit currency (symbol, ISO code or currency name). A bare
  number is never money. `value` is in units of the currency, `unit` its ISO 4217 code, and
  `eur` the EUR equivalent from the dated table in `nlp.rates`;
- count: a number directly followed by a countable domain noun from `COUNT_NOUNS`
  ("20 000 PME", "six pays", "3 millions d'utilisateurs"); `unit` is the noun as written;
- percent: "12 %", "12,5 pour cent", "12 percent", "12 Prozent"; `unit` is "%".

Number syntax follows the language: fr/de group thousands with spaces (incl. NBSP and narrow
NBSP), "." or "'" and use "," for decimals; en groups with "," (or spaces) and uses "." for
decimals. A lone separator followed by other than three digits is read as a decimal point in
every language ("1,5" in an English text is 1.5), since that is how such numbers are meant.

Scales differ: en "billion" is 1e9, fr "billion" and de "Billion" are 1e12.
Languages other than fr/en/de return [].
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Callable, NamedTuple

from nlp.dates import longest_first, lowered, scan, windows
from nlp.rates import to_eur
from nlp.types import AmountMention

__all__ = ["COUNT_NOUNS", "find_amounts"]

# Countable nouns worth reporting after a number. Module-level so it is easy to extend; the
# match is case-insensitive and the noun is reported as written. Plural forms first: numbers
# above one take them, singulars are listed where "1 million de ..." style uses them.
COUNT_NOUNS: dict[str, tuple[str, ...]] = {
    "fr": (
        "entreprises", "entreprise", "sociétés", "PME", "ETI", "TPE", "start-up", "start-ups",
        "startups", "startup", "jeunes pousses", "licornes", "employés", "salariés",
        "collaborateurs", "emplois", "postes", "chercheurs", "chercheuses", "ingénieurs",
        "développeurs", "data scientists", "experts", "utilisateurs", "utilisatrices",
        "clients", "abonnés", "usagers", "pays", "États membres", "villes", "régions",
        "communes", "projets", "lauréats", "candidatures", "centres de données",
        "centres de calcul", "data centers", "datacenters", "data centres", "GPU", "puces",
        "processeurs", "serveurs", "supercalculateurs", "personnes", "habitants", "citoyens",
        "étudiants", "élèves", "écoles", "universités", "laboratoires", "brevets",
        "partenaires", "membres", "agents", "fonctionnaires", "médecins", "hôpitaux", "sites",
        "usines", "formations", "entrepreneurs", "investisseurs", "fonds", "visiteurs",
        "participants", "paramètres",
    ),
    "en": (
        "companies", "company", "firms", "businesses", "SMEs", "startups", "start-ups",
        "startup", "unicorns", "employees", "workers", "staff members", "jobs", "roles",
        "positions", "researchers", "scientists", "engineers", "developers",
        "data scientists", "experts", "users", "customers", "clients", "subscribers",
        "countries", "member states", "cities", "regions", "projects", "applications",
        "data centers", "data centres", "datacenters", "datacentres", "GPUs", "chips",
        "processors", "servers", "supercomputers", "people", "citizens", "residents",
        "students", "pupils", "schools", "universities", "labs", "laboratories", "patents",
        "partners", "members", "civil servants", "doctors", "hospitals", "sites", "factories",
        "entrepreneurs", "investors", "visitors", "participants", "parameters",
    ),
    "de": (
        "Unternehmen", "Firmen", "Betriebe", "KMU", "Mittelständler", "Start-ups", "Startups",
        "Mitarbeiter", "Mitarbeiterinnen", "Mitarbeitende", "Mitarbeitenden", "Beschäftigte",
        "Beschäftigten", "Angestellte", "Arbeitsplätze", "Stellen", "Jobs", "Forscher",
        "Forschende", "Forscherinnen", "Wissenschaftler", "Ingenieure", "Entwickler",
        "Fachkräfte", "Experten", "Nutzer", "Nutzerinnen", "Nutzende", "Kunden", "Abonnenten",
        "Länder", "Ländern", "Mitgliedstaaten", "Städte", "Städten", "Kommunen", "Regionen",
        "Projekte", "Projekten", "Rechenzentren", "GPUs", "Chips", "Prozessoren", "Server",
        "Supercomputer", "Menschen", "Personen", "Bürger", "Einwohner", "Studierende",
        "Studenten", "Schüler", "Schulen", "Hochschulen", "Universitäten", "Patente",
        "Partner", "Mitglieder", "Beamte", "Ärzte", "Krankenhäuser", "Standorte", "Fabriken",
        "Gründer", "Investoren", "Besucher", "Teilnehmer", "Teilnehmende", "Parameter",
    ),
}

# Adjectives that may sit between a number and its noun ("20 000 petites entreprises",
# "700 million weekly active users"); up to two are skipped.
_PRE_ADJ = {
    "fr": ("nouveaux", "nouvelles", "petites", "petits", "grandes", "grands", "jeunes",
           "autres", "premiers", "premières", "futurs", "futures"),
    "en": ("new", "more", "other", "additional", "small", "large", "young", "weekly",
           "monthly", "daily", "active", "paying", "full-time"),
    "de": ("neue", "neuen", "weitere", "weiteren", "zusätzliche", "zusätzlichen", "kleine",
           "kleinen", "junge", "jungen", "große", "großen", "aktive", "aktiven",
           "monatliche", "monatlichen"),
}

# Number words: plain words may start a count or an amount; articles ("un", "a", "eine")
# only count before a scale word ("un milliard d'euros"), otherwise "une entreprise" would be
# a count everywhere.
_NUMBER_WORDS = {
    "fr": {"deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
           "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
           "quinze": 15, "seize": 16, "vingt": 20, "trente": 30, "quarante": 40,
           "cinquante": 50, "soixante": 60, "cent": 100, "mille": 1000},
    "en": {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
           "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100},
    "de": {"zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8,
           "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "fünfzehn": 15, "zwanzig": 20,
           "dreißig": 30, "vierzig": 40, "fünfzig": 50, "hundert": 100, "tausend": 1000},
}
_ARTICLES = {
    "fr": {"un": 1, "une": 1},
    "en": {"a": 1, "an": 1, "one": 1},
    "de": {"ein": 1, "eine": 1, "einer": 1, "einem": 1, "einen": 1},
}

# Scale words, spelled out.
_SCALE_WORDS = {
    "fr": {"mille": 1e3, "million": 1e6, "millions": 1e6, "milliard": 1e9, "milliards": 1e9,
           "billion": 1e12, "billions": 1e12},
    "en": {"thousand": 1e3, "million": 1e6, "millions": 1e6, "billion": 1e9, "billions": 1e9,
           "trillion": 1e12, "trillions": 1e12, "hundred": 1e2},
    "de": {"tausend": 1e3, "million": 1e6, "millionen": 1e6, "milliarde": 1e9,
           "milliarden": 1e9, "billion": 1e12, "billionen": 1e12},
}
# Abbreviated scales, only accepted glued to a currency ("25 M€", "£2bn", "500 Mio. Euro"):
# case matters ("m" alone is a metre), so they are matched as written.
_SCALE_ABBR = {
    "k": 1e3, "K": 1e3, "Tsd.": 1e3, "Tsd": 1e3,
    "M": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6, "Mio.": 1e6, "Mio": 1e6,
    "Md": 1e9, "Mds": 1e9, "Md.": 1e9, "Mds.": 1e9, "Mrd": 1e9, "Mrds": 1e9, "Mrd.": 1e9,
    "bn": 1e9, "bln": 1e9, "b": 1e9, "B": 1e9,
    "tn": 1e12, "trn": 1e12, "T": 1e12,
}

# Currency names per language (case-insensitive), qualified forms before bare ones.
_CURRENCY_WORDS = {
    "fr": {
        "euros": "EUR", "euro": "EUR",
        "dollars américains": "USD", "dollar américain": "USD", "dollars US": "USD",
        "dollars canadiens": "CAD", "dollar canadien": "CAD",
        "dollars australiens": "AUD", "dollars": "USD", "dollar": "USD",
        "livres sterling": "GBP", "livre sterling": "GBP", "livres britanniques": "GBP",
        "francs suisses": "CHF", "franc suisse": "CHF",
        "yens": "JPY", "yen": "JPY", "yuans": "CNY", "yuan": "CNY", "renminbis": "CNY",
        "renminbi": "CNY",
        "couronnes suédoises": "SEK", "couronnes danoises": "DKK",
        "couronnes norvégiennes": "NOK", "couronnes tchèques": "CZK",
        "zlotys": "PLN", "zloty": "PLN", "forints": "HUF", "forint": "HUF",
    },
    "en": {
        "euros": "EUR", "euro": "EUR",
        "US dollars": "USD", "U.S. dollars": "USD", "Canadian dollars": "CAD",
        "Australian dollars": "AUD", "dollars": "USD", "dollar": "USD",
        "pounds sterling": "GBP", "pound sterling": "GBP", "pounds": "GBP",
        "Swiss francs": "CHF", "Swiss franc": "CHF",
        "yen": "JPY", "yuan": "CNY", "renminbi": "CNY",
        "Swedish kronor": "SEK", "Swedish krona": "SEK", "Danish kroner": "DKK",
        "Danish krone": "DKK", "Norwegian kroner": "NOK", "Norwegian krone": "NOK",
        "Czech korunas": "CZK", "Czech koruna": "CZK",
        "zlotys": "PLN", "zloty": "PLN", "forints": "HUF", "forint": "HUF",
    },
    "de": {
        "Euro": "EUR", "Euros": "EUR",
        "US-Dollar": "USD", "kanadische Dollar": "CAD", "kanadischen Dollar": "CAD",
        "australische Dollar": "AUD", "australischen Dollar": "AUD", "Dollar": "USD",
        "Pfund Sterling": "GBP", "britische Pfund": "GBP", "britischen Pfund": "GBP",
        "Pfund": "GBP",
        "Schweizer Franken": "CHF", "Franken": "CHF",
        "Yen": "JPY", "Yuan": "CNY", "Renminbi": "CNY",
        "schwedische Kronen": "SEK", "schwedischen Kronen": "SEK",
        "dänische Kronen": "DKK", "dänischen Kronen": "DKK",
        "norwegische Kronen": "NOK", "norwegischen Kronen": "NOK",
        "tschechische Kronen": "CZK", "tschechischen Kronen": "CZK",
        "Zloty": "PLN", "Forint": "HUF",
    },
}
# Names that are also ordinary words (weight units): money only with a scale or "sterling".
_WEAK_CURRENCY_WORDS = {"pounds", "pfund"}

_ISO_CODES = ("EUR", "USD", "GBP", "CHF", "JPY", "SEK", "DKK", "NOK", "PLN", "CZK", "HUF",
              "CAD", "CNY", "AUD")
# Symbols written after the number ("250 000 €") or before it ("£2bn", "US$40 million").
_SUFFIX_SYMBOLS = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "¥": "JPY"}
_PREFIX_SYMBOLS = {
    "€": "EUR", "$": "USD", "US$": "USD", "U.S.$": "USD", "C$": "CAD", "CA$": "CAD",
    "CAN$": "CAD", "A$": "AUD", "AU$": "AUD", "£": "GBP", "¥": "JPY", "JP¥": "JPY",
    "CN¥": "CNY", "RMB": "CNY",
}

_PERCENT_WORDS = ("pour cent", "pourcent", "percent", "per cent", "Prozent")

# --------------------------------------------------------------------------- regex parts

_HSP = "[ \u00a0\u202f\u2009]"  # spaces that may sit inside "20 000" or before "%"
_SP0 = _HSP + "?"
_WS = r"[^\S\r\n]+"  # between words; never across a line break
_APOS = "['’ʼ]"
# A number starts on its own: not inside a word or code ("A320", "GPT-4o"), not after a
# decimal point, slash or plus sign ("2024/1689", "+33 1 23 45 67 89").
_START = r"(?<![\w.,/+\-−])"
# ... and ends on its own ("18.5.1", "1689/2024").
_END = r"(?!\d|[.,/]\d)"
_NUM = {
    "fr": rf"(?:\d{{1,3}}(?:(?:{_HSP}|[.'’])\d{{3}})+(?!\d)(?:,\d+)?|\d+(?:[.,]\d+)?)",
    "de": rf"(?:\d{{1,3}}(?:(?:{_HSP}|[.'’])\d{{3}})+(?!\d)(?:,\d+)?|\d+(?:[.,]\d+)?)",
    "en": rf"(?:\d{{1,3}}(?:(?:{_HSP}|,)\d{{3}})+(?!\d)(?:\.\d+)?|\d+(?:[.,]\d+)?)",
}


def _alt(words, *, flags: str = "", boundary: bool = True) -> str:
    """Alternation of literal words, longest first; spaces inside may be any spacing."""
    out = []
    for w in sorted(words, key=len, reverse=True):
        p = re.escape(w).replace(r"\ ", _WS)
        out.append(p + (r"(?![\w-])" if boundary else ""))
    body = "|".join(out)
    return f"(?{flags}:{body})" if flags else f"(?:{body})"


def _compile(lang: str) -> dict[str, re.Pattern[str]]:
    num = _NUM[lang]
    numword = _alt(_NUMBER_WORDS[lang], flags="i")
    scale_w = _alt(_SCALE_WORDS[lang], flags="i")
    article = _alt(_ARTICLES[lang], flags="i")
    scale_a = _alt(_SCALE_ABBR, boundary=False)
    cur_w = _alt(_CURRENCY_WORDS[lang], flags="i")
    iso = r"(?<![A-Za-z])" + _alt(_ISO_CODES)
    suffix_sym = _alt(_SUFFIX_SYMBOLS, boundary=False)
    prefix_sym = _alt(_PREFIX_SYMBOLS, boundary=False)
    nouns = _alt(COUNT_NOUNS[lang], flags="i")
    adj = _alt(_PRE_ADJ[lang], flags="i")
    pct = _alt(_PERCENT_WORDS, flags="i")
    # Number, number word, or article + scale ("un milliard").
    quantity = (
        rf"(?P<num>{num}){_END}|(?<![\w-])(?P<word>{numword})"
        rf"|(?<![\w-])(?P<art>{article})(?={_WS}{scale_w})"
    )
    scales = rf"(?:{_WS}(?P<sw>{scale_w})(?:{_WS}(?P<sw2>{scale_w}))?)?"
    suffix_money = (
        rf"{_START}(?:{quantity}){scales}"
        rf"(?:{_SP0}(?P<sa>{scale_a}))?{_SP0}"
        rf"(?:(?P<conn>de{_WS}|d{_APOS}))?"
        rf"(?P<cur>{cur_w}|{suffix_sym}|{iso}(?![A-Za-z]))"
    )
    prefix_money = (
        rf"(?<![A-Za-z0-9$€£¥])(?P<pcur>{prefix_sym}|{iso}){_SP0}(?P<num>{num}){_END}"
        rf"(?:{_SP0}(?P<sa>{scale_a})(?![\w])|{_WS}(?P<sw>{scale_w})(?:{_WS}(?P<sw2>{scale_w}))?)?"
    )
    count = (
        rf"{_START}(?:{quantity})(?:{_WS}(?P<sw>{scale_w}))?"
        rf"{_WS}(?:(?P<conn>de{_WS}|d{_APOS}|of{_WS}))?"
        rf"(?:{adj}{_WS}){{0,2}}(?P<noun>{nouns})"
    )
    percent = (
        rf"(?:(?<![\w.,/])(?P<sign>[+\-−])|{_START})(?:(?P<num>{num}){_END}|(?<![\w-])(?P<word>{numword}))"
        rf"{_SP0}(?P<pct>%|{pct})"
    )
    return {
        "money": re.compile(suffix_money),
        "prefix": re.compile(prefix_money),
        "count": re.compile(count),
        "percent": re.compile(percent),
    }


_PATTERNS = {lang: _compile(lang) for lang in ("fr", "en", "de")}
_NUMBER_WORD_VALUE = {lang: {k.lower(): v for k, v in d.items()} for lang, d in _NUMBER_WORDS.items()}
_SCALE_WORD_VALUE = {lang: {k.lower(): v for k, v in d.items()} for lang, d in _SCALE_WORDS.items()}
_CURRENCY_CODE = {
    lang: {re.sub(r"\s+", " ", k.lower()): v for k, v in d.items()}
    for lang, d in _CURRENCY_WORDS.items()
}
# Before a year-like count ("en 2025 ..."), the number is the year, not a quantity.
_YEAR_CUE = re.compile(r"(?i:\b(?:en|in|im|depuis|since|seit|by|bis|until|d['’]ici))[^\S\r\n]+$")

# --------------------------------------------------------------------------- parsing


def _parse_number(s: str, lang: str) -> float | None:
    s = re.sub(r"[ \u00a0\u202f\u2009'’]", "", s)
    if "," in s and "." in s:
        # Both separators: the last one is the decimal mark.
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        grp = "." if dec == "," else ","
        s = s.replace(grp, "").replace(dec, ".")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        parts = s.split(sep)
        grouping = len(parts) > 2 or (len(parts) == 2 and len(parts[1]) == 3)
        # A three-digit tail is a thousands group where that separator groups in the language
        # ("1.500" in de, "1,500" in en); otherwise it is a decimal mark.
        groups_here = (sep == ",") if lang == "en" else (sep == ".")
        if grouping and groups_here:
            s = s.replace(sep, "")
        elif len(parts) == 2:
            s = s.replace(sep, ".")
        else:
            return None
    try:
        return float(s)
    except ValueError:
        return None


def _quantity(m: re.Match, lang: str) -> float | None:
    if m["num"] is not None:
        return _parse_number(m["num"], lang)
    if m["word"] is not None:
        return float(_NUMBER_WORD_VALUE[lang][m["word"].lower()])
    if m.groupdict().get("art") is not None:
        return 1.0
    return None


def _scale(m: re.Match, lang: str) -> float:
    f = 1.0
    for g in ("sw", "sw2"):
        w = m.groupdict().get(g)
        if w:
            f *= _SCALE_WORD_VALUE[lang][w.lower()]
    a = m.groupdict().get("sa")
    if a:
        f *= _SCALE_ABBR[a]
    return f


def _currency(raw: str, lang: str, prefix: bool) -> str | None:
    if raw in _ISO_CODES:
        return raw
    table = _PREFIX_SYMBOLS if prefix else _SUFFIX_SYMBOLS
    if raw in table:
        return table[raw]
    return _CURRENCY_CODE[lang].get(re.sub(r"\s+", " ", raw.lower()))


# --------------------------------------------------------------------------- builders


class _Ctx(NamedTuple):
    text: str
    lang: str
    on: dt.date | None


_Built = tuple[float, str, str] | None  # value, unit, kind


def _b_money(m: re.Match, ctx: _Ctx) -> _Built:
    qty = _quantity(m, ctx.lang)
    cur = _currency(m["cur"], ctx.lang, prefix=False)
    if qty is None or cur is None:
        return None
    has_scale = bool(m["sw"] or m["sa"])
    if m["conn"] and not m["sw"]:  # "de"/"d'" only follows a scale word: "25 millions d'euros"
        return None
    if m["cur"].lower() in _WEAK_CURRENCY_WORDS and not has_scale:
        return None
    if m["word"] is not None and not has_scale and m["cur"] in _SUFFIX_SYMBOLS:
        return None  # "deux €" is not how anyone writes; "deux millions €" is
    return qty * _scale(m, ctx.lang), cur, "money"


def _b_prefix(m: re.Match, ctx: _Ctx) -> _Built:
    qty = _parse_number(m["num"], ctx.lang)
    cur = _currency(m["pcur"], ctx.lang, prefix=True)
    if qty is None or cur is None:
        return None
    return qty * _scale(m, ctx.lang), cur, "money"


def _b_count(m: re.Match, ctx: _Ctx) -> _Built:
    qty = _quantity(m, ctx.lang)
    if qty is None:
        return None
    if m["conn"] and not m["sw"]:  # "de" only after a scale: "3 millions d'utilisateurs"
        return None
    raw = m["num"]
    if raw and raw.isdigit() and len(raw) == 4 and 1900 <= int(raw) <= 2100 and not m["sw"]:
        if _YEAR_CUE.search(ctx.text[max(0, m.start() - 12):m.start()]):
            return None
    return qty * _scale(m, ctx.lang), m["noun"], "count"


def _b_percent(m: re.Match, ctx: _Ctx) -> _Built:
    qty = _quantity(m, ctx.lang)
    if qty is None:
        return None
    if m["sign"] in ("-", "−"):
        qty = -qty
    return qty, "%", "percent"


_BUILDERS: tuple[tuple[str, Callable[[re.Match, _Ctx], _Built]], ...] = (
    ("money", _b_money),
    ("prefix", _b_prefix),
    ("percent", _b_percent),
    ("count", _b_count),
)

# --------------------------------------------------------------------------- entry point

# Every amount holds a digit run or a number / scale word; rules only run in windows around
# them (see nlp.dates.scan). Context needed: a currency before the number ("U.S.$ ", "CAN$"),
# and after it a scale, connector and currency or noun ("milliards de couronnes norvégiennes").
_BEFORE, _AFTER = 12, 80
_DIGITS = re.compile(r"[0-9]+")
_WORD_TRIGGER = {
    lang: re.compile("|".join(sorted(
        (re.escape(w.lower()) for w in (*_NUMBER_WORDS[lang], *_SCALE_WORDS[lang])),
        key=len, reverse=True)))
    for lang in _NUMBER_WORDS
}


def find_amounts(text: str, lang: str, on: dt.date | None = None) -> list[AmountMention]:
    """Money, count and percentage mentions in `text`, sorted by start and non-overlapping.
    `on` dates the EUR conversion (the publication date; today when None)."""
    patterns = _PATTERNS.get(lang)
    if not patterns or not text:
        return []
    ctx = _Ctx(text, lang, on)
    low = lowered(text)
    trigger = _WORD_TRIGGER[lang]
    words = trigger.finditer(low) if low is not None else re.finditer(trigger.pattern, text, re.I)
    spans = sorted([m.span() for m in _DIGITS.finditer(text)] + [m.span() for m in words])
    wins = windows(spans, _BEFORE, _AFTER, len(text))
    if not wins:
        return []
    cands: list[tuple[int, int, int, object]] = []
    for order, (name, build) in enumerate(_BUILDERS):
        for m in scan(patterns[name], text, wins):
            built = build(m, ctx)
            if built is None:
                continue
            value, unit, kind = built
            s, e = m.span()
            eur = to_eur(value, unit, on) if kind == "money" else None
            cands.append((s, e, order, AmountMention(m.group(), value, unit, kind, s, e, eur)))
    return longest_first(cands)  # type: ignore[return-value]
