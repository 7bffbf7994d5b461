"""Per-language deal lexicons (`nlp/data/deals/<code>.toml`), compiled once per process.

What differs between languages is data: trigger verbs and nouns per deal kind and form, the
prepositions that give a party its role, the cues of a rumour and of a figure that is no deal.
The engine in `nlp.deals.extract` is the same for every language.

Entry syntax: a word or phrase matched case-insensitively on word boundaries; spaces match
any spacing, both apostrophes (' and ’) match each other, a trailing "*" matches the rest of
the word ("invest*"), and "re:" starts a raw regular expression ("re:series\\s+[a-h]\\b").
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from nlp.errors import VeilleError

KINDS = ("partnership", "investment", "acquisition", "public_funding", "expansion")
# trigger forms: who the subject is. agent_*: the subject acts (buys, invests, funds);
# patient_*: the subject receives (raises, secures); verb/noun: partnership (everyone a
# partner); endow: "endowed with N" (the amount is the recipient's); object: expansion nouns;
# money_verb: an agent verb that tells a deal only with an amount right after it ("commits €2bn").
FORMS = ("agent_verb", "money_verb", "agent_noun", "patient_verb", "patient_noun", "verb", "noun", "endow", "object")
PREP_CLASSES = ("with", "between", "agent", "place", "of", "source")


class DealLexiconError(VeilleError):
    pass


def phrase(entry: str) -> str:
    """The regex of one lexicon entry (see the module docstring)."""
    if entry.startswith("re:"):
        return f"(?:{entry[3:]})"
    out = []
    for ch in entry:
        if ch == " ":
            out.append(r"\s+")
        elif ch in "'’":
            out.append("['’]")
        elif ch == "*":  # "team* up", "invest*": the rest of that word
            out.append(r"\w*")
        else:
            out.append(re.escape(ch))
    # an entry ending on an apostrophe ("d'") glues to the next word: no boundary after it
    end = "" if entry[-1:] in "'’" else r"(?!\w)"
    return rf"(?<!\w){''.join(out)}{end}"


def alternation(entries) -> str:
    """One alternation of lexicon entries, longest first so that phrases beat their words."""
    items = sorted(set(entries), key=len, reverse=True)
    return "(?:" + "|".join(phrase(e) for e in items) + ")" if items else r"(?!x)x"


@dataclass(frozen=True)
class Trigger:
    kind: str
    form: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Lexicon:
    code: str
    triggers: tuple[Trigger, ...]
    keys: dict[str, frozenset[int]]  # a word every telling of a trigger holds -> trigger indexes
    stems: dict[int, dict[str, frozenset[int]]]  # stem length -> stem -> trigger indexes ("invest*")
    raw: tuple[tuple[re.Pattern[str], int], ...]  # "re:" entries, scanned as regexes
    prep: re.Pattern[str]  # a preposition followed by at most three words, at the end of a gap
    prep_classes: dict[str, frozenset[str]]  # normalised preposition -> its classes
    coordination: re.Pattern[str]  # a gap that only joins two parties
    speech: re.Pattern[str]  # "X said": X reports the deal, it is not a party by position
    new_clause: re.Pattern[str]  # ", and" / ", et": what follows is another clause
    clause_break: re.Pattern[str]  # ", which" / ", qui" / "(" / ";": a subordinate clause starts
    anaphor: re.Pattern[str]  # a sentence opening on the previous sentence's subject
    continuation: re.Pattern[str]  # a sentence opening on the previous sentence's deal
    reported: re.Pattern[str]
    rumour: re.Pattern[str]  # a rumour cue anywhere in the sentence
    cumulative: re.Pattern[str]  # "since", "so far", "depuis": a running total
    figure_before: re.Pattern[str]  # context cue just before an amount (market, revenue...)
    figure_after: re.Pattern[str]  # context cue just after an amount
    budget: re.Pattern[str]  # plan / programme nouns whose own budget is no deal
    public: re.Pattern[str]  # cues that a funder is public (in its name or KB description)
    endowed: re.Pattern[str]  # an endow phrase ending right before an amount ("doté de ")
    objects: re.Pattern[str]  # expansion objects (office, data centre) an expansion verb needs
    determiners: frozenset[str]  # articles and possessives (see nlp.deals.fallback)
    conjunction: re.Pattern[str]  # "and" right after a party
    conjunction_before: re.Pattern[str]  # "and" right before a party
    with_prep: re.Pattern[str]  # a "with" preposition ("avec", "mit")
    place_prep: re.Pattern[str]  # a place preposition ("in", "à", "en")
    approx: frozenset[str]  # words of "about", "rund", "près de": between a name and its amount
    capitalised_nouns: bool  # de: a missed name is one word (every noun is capitalised)
    modifier_heads: frozenset[str]  # "investment bank": a noun trigger before these is no deal
    articles: frozenset[str]  # articles spelt like a preposition (pt "A Microsoft"): none at a sentence start
    verb_final: bool  # de/nl: "von X übernommen", the agent may stand before the verb


_WORD = re.compile(r"\w+")


def _index_entry(entry: str, index: int, keys, stems, raw) -> None:
    """Index an entry under its longest word (a stem when "*" ends it): a sentence without that
    word cannot hold the entry, so only sentences holding a key are matched against triggers."""
    if entry.startswith("re:"):
        raw.append((re.compile(phrase(entry), re.IGNORECASE), index))
        return
    words = [(m.group().lower(), entry[m.end():m.end() + 1] == "*") for m in _WORD.finditer(entry)]
    word, stem = max(words, key=lambda w: len(w[0]))
    if stem:
        stems.setdefault(len(word), {}).setdefault(word, set()).add(index)
    else:
        keys.setdefault(word, set()).add(index)


def trigger_hits(lex: Lexicon, text: str) -> list[tuple[int, frozenset[int]]]:
    """(offset, indexes of the triggers that may match there) for every key word in `text`:
    one pass of a word regex and set lookups, far cheaper than matching every trigger."""
    out = []
    keys, stems = lex.keys, lex.stems
    lengths = sorted(stems)
    for m in _WORD.finditer(text):
        w = m.group().lower()
        found = keys.get(w)
        if found:
            out.append((m.start(), found))
        for n in lengths:
            if len(w) >= n:
                hit = stems[n].get(w[:n])
                if hit:
                    out.append((m.start(), hit))
    for regex, index in lex.raw:
        out += [(m.start(), frozenset((index,))) for m in regex.finditer(text)]
    return out


def norm_prep(s: str) -> str:
    return " ".join(s.lower().replace("’", "'").split())


def available() -> tuple[str, ...]:
    folder = resources.files("nlp") / "data" / "deals"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


@cache
def lexicon(code: str | None) -> Lexicon | None:
    """The compiled lexicon of language `code`, or None when there is none."""
    if not code or code not in available():
        return None
    path = resources.files("nlp") / "data" / "deals" / f"{code}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DealLexiconError(f"nlp/data/deals/{code}.toml: {exc}") from None
    return _compile(code, data)


def _compile(code: str, data: dict) -> Lexicon:
    kinds = data.get("kinds", {})
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise DealLexiconError(f"nlp/data/deals/{code}.toml: unknown kinds {sorted(unknown)}")
    return Lexicon(code=code, **_triggers(code, kinds), **_prepositions(code, data.get("prepositions", {})),
                   **_cues(data, kinds))


def _triggers(code: str, kinds: dict) -> dict:
    """One regex per (kind, form), and the key-word index that finds the sentences to try."""
    triggers = []
    keys: dict[str, set[int]] = {}
    stems: dict[int, dict[str, set[int]]] = {}
    raw: list[tuple[re.Pattern[str], int]] = []
    for kind, forms in kinds.items():
        for form, entries in forms.items():
            if form not in FORMS:
                raise DealLexiconError(f"nlp/data/deals/{code}.toml: unknown form {kind}.{form}")
            if form == "object":  # expansion objects only count next to an expansion verb
                continue
            index = len(triggers)
            triggers.append(Trigger(kind, form, re.compile(alternation(entries), re.IGNORECASE)))
            for e in entries:
                _index_entry(e, index, keys, stems, raw)
    return {"triggers": tuple(triggers), "keys": {k: frozenset(v) for k, v in keys.items()},
            "stems": {n: {k: frozenset(v) for k, v in d.items()} for n, d in stems.items()}, "raw": tuple(raw)}


def _prepositions(code: str, preps: dict) -> dict:
    classes: dict[str, set[str]] = {}
    for cls, entries in preps.items():
        if cls not in PREP_CLASSES:
            raise DealLexiconError(f"nlp/data/deals/{code}.toml: unknown preposition class {cls!r}")
        for e in entries:
            classes.setdefault(norm_prep(e), set()).add(cls)
    all_preps = alternation([e for entries in preps.values() for e in entries])
    # up to three words, the last maybe an elided article glued to the party ("de l'État")
    words = r"(?:[^\s,;:()«»\"“”]+\s+){0,3}(?:[^\s,;:()«»\"“”]*['’])?"
    return {"prep": re.compile(rf"(?P<prep>{all_preps})\s*{words}$", re.IGNORECASE),
            "prep_classes": {k: frozenset(v) for k, v in classes.items()},
            "with_prep": re.compile(alternation(preps.get("with", [])), re.IGNORECASE),
            "place_prep": re.compile(alternation(preps.get("place", [])), re.IGNORECASE)}


def _cues(data: dict, kinds: dict) -> dict:
    """Every other pattern and word set of the language, by Lexicon field."""
    flags = re.IGNORECASE
    figures = data.get("figures", {})
    conj = alternation(data.get("coordination", []))
    breaks = alternation(data.get("clause_breaks", []))
    return dict(  # noqa: C408  keyword form mirrors the Lexicon fields
        # "X, Y", "X and Y", "the UK government and OpenAI", "X and the French Y": a bare comma,
        # or a conjunction with at most two words either side (the caller checks no trigger is there)
        coordination=re.compile(
            rf"^\s*,?\s*$|^\s*(?:[^\s,;:()]+\s+){{0,2}},?\s*{conj}"
            rf"(?:\s+[^\s,;:()]+){{0,2}}\s*$", flags),
        speech=re.compile(rf"\s*(?:,\s*)?{alternation(data.get('speech', []))}", flags),
        new_clause=re.compile(rf",\s*{conj}", flags),
        clause_break=re.compile(rf"[;(]|\s[–—]\s|,\s*{breaks}", flags),
        # used with .match(text, pos): anchored at the sentence start without "^"
        anaphor=re.compile(rf"\W*{alternation(data.get('anaphors', []))}", flags),
        continuation=re.compile(rf"\W*{alternation(data.get('continuations', []))}", flags),
        reported=re.compile(alternation(data.get("reported", [])), flags),
        rumour=re.compile(alternation(data.get("rumour", [])), flags),
        cumulative=re.compile(alternation(data.get("cumulative", [])), flags),
        figure_before=re.compile(alternation(figures.get("before", [])), flags),
        figure_after=re.compile(alternation(figures.get("after", [])), flags),
        budget=re.compile(alternation(figures.get("budget", [])), flags),
        public=re.compile(alternation(data.get("public", [])), flags),
        endowed=re.compile(rf"{alternation([e for f in kinds.values() for e in f.get('endow', [])])}\s*$", flags),
        objects=re.compile(alternation(kinds.get("expansion", {}).get("object", [])), flags),
        determiners=frozenset(norm_prep(a) for a in data.get("determiners", [])),
        conjunction=re.compile(rf"\s*,?\s*{conj}\s+", flags),
        conjunction_before=re.compile(rf"\s{conj}\s+$", flags),
        approx=frozenset(w.lower() for a in data.get("approx", []) for w in a.replace("’", "'").split()),
        capitalised_nouns=bool(data.get("capitalised_nouns", False)),
        modifier_heads=frozenset(w.lower() for w in data.get("modifier_heads", [])),
        articles=frozenset(norm_prep(a) for a in data.get("articles", [])),
        verb_final=bool(data.get("verb_final", False)),
    )

