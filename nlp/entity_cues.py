"""Entity cues: the words around a name that say what it is, compiled from language data.

The word lists live in the `[entities]` section of `nlp/data/lang/<code>.toml` (titles,
organisation and programme cues, place prepositions, articles...); this module turns them into
sets and regular expressions once per language, and holds the ordered table of cue rules that
`nlp.entities` applies to names the knowledge base does not know.

A document's cues are its language's lists plus English's: English quotes, job titles and
loanwords ("CEO of", "the startup", "AI") run through every European tech article. Legal forms
("GmbH", "S.p.A.", "Inc.") are gathered from every language, since a company keeps its legal
form in foreign news ("Siemens AG" in a French article).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from nlp.langdata import LanguageDataError, available, section

# what every language file's [entities] section holds (tests/test_langdata_entities.py checks it)
LIST_KEYS = (
    "org_before", "org_before_weak", "prog_before", "prog_nouns", "naming_words", "product_before",
    "product_after", "org_list_nouns", "appositive_nouns", "appositive_stop_nouns", "list_connectors",
    "org_suffixes", "legal_forms", "org_heads", "ministry_heads",
    "acronym_stop", "demonyms", "generic_nouns", "titles", "role_heads", "name_particles", "articles", "elided_articles",
    "sentence_openers", "place_before", "place_after", "place_articles", "conjunctions", "place_heads",
)
FLAG_KEYS = ("legal_form_rule", "lone_first_word_rule")
SHARED = "en"  # the language whose cues every document gets on top of its own


def _alt(words: Iterable[str]) -> str:
    """Regex alternation of literal phrases, longest first (so "tels que" beats "tel"), spaces
    matching any run of spaces, an apostrophe matching both typewriter and typographic ones."""
    out = []
    for w in sorted(set(words), key=len, reverse=True):
        pat = re.escape(w).replace(r"\ ", r"\s+").replace("'", "['’]")
        out.append(pat)
    return "|".join(out) or r"(?!)"  # an empty list matches nothing


@dataclass(frozen=True, eq=False)
class Cues:
    """One language's cue words (plus the shared English ones), compiled."""

    langs: tuple[str, ...]
    org_before: tuple[str, ...]
    org_before_strong: tuple[str, ...]  # without the weak ones: allowed to overrule a full person name
    prog_before: tuple[str, ...]
    org_suffixes: frozenset[str]
    org_heads: frozenset[str]
    acronym_stop: frozenset[str]
    titles: frozenset[str]
    role_heads: tuple[str, ...]  # jobs before a name, cut from a person's mention
    legal_form_rule: bool
    lone_first_word_rule: bool  # drop a lone sentence-initial "person" nothing supports
    generic_re: re.Pattern
    article_re: re.Pattern
    run_on_re: re.Pattern
    possessive_re: re.Pattern
    prog_near_re: re.Pattern
    product_before_re: re.Pattern
    product_after_re: re.Pattern
    org_list_re: re.Pattern
    appositive_re: re.Pattern  # ", a Canadian start-up" after a name
    place_before_re: re.Pattern
    place_after_re: re.Pattern
    enum_re: re.Pattern
    particle_name_re: re.Pattern
    legal_form_re: re.Pattern
    place_head_re: re.Pattern  # "mer de Béring", "piazza Duomo": a place named in lower case
    ministry_re: re.Pattern


def _data(code: str) -> dict:
    data = section(code, "entities")
    missing = [k for k in (*LIST_KEYS, *FLAG_KEYS) if k not in data]
    if missing:
        raise LanguageDataError(f"nlp/data/lang/{code}.toml [entities]: missing {', '.join(missing)}")
    return data


@cache
def cues_for(lang: str | None) -> Cues:
    """The cues of documents in `lang` (English alone for a language without a data file)."""
    langs = tuple(dict.fromkeys(c for c in (lang, SHARED) if c in available()))
    parts = [_data(c) for c in langs]

    def words(key: str) -> list[str]:
        return [w for d in parts for w in d[key]]

    legal = [w for c in available() for w in _data(c)["legal_forms"]]
    weak = set(words("org_before_weak"))
    org_before = tuple(words("org_before"))
    demonym, generic = _alt(words("demonyms")), _alt(words("generic_nouns"))
    opener = _alt(words("sentence_openers"))
    return Cues(
        langs=langs,
        org_before=org_before,
        org_before_strong=tuple(c for c in org_before if c not in weak),
        prog_before=tuple(words("prog_before")),
        org_suffixes=frozenset(w.lower() for w in (*words("org_suffixes"), *legal)),
        org_heads=frozenset(words("org_heads")),
        acronym_stop=frozenset(words("acronym_stop")),
        titles=frozenset(words("titles")),
        role_heads=tuple(dict.fromkeys(words("role_heads"))),
        legal_form_rule=bool(parts[0]["legal_form_rule"]) if parts else False,
        lone_first_word_rule=bool(parts[0]["lone_first_word_rule"]) if parts else True,
        generic_re=re.compile(rf"(?:(?:{demonym})\s+(?:{generic})|(?:{generic})\s+(?:{demonym}))", re.IGNORECASE),
        article_re=re.compile(rf"^(?:(?:{_alt(words('elided_articles'))})['’]|(?:{_alt(words('articles'))})\s+)", re.IGNORECASE),
        # "X. Le ministre": a mention that ran over a full stop into the next sentence
        run_on_re=re.compile(rf"^.*[.!?]\s+(?=(?:{opener})\b)", re.DOTALL),
        possessive_re=re.compile(r"['’]s?$"),
        prog_near_re=re.compile(rf"\b(?:{_alt(words('prog_nouns'))})\b(?:\s+[\w'’-]+){{0,3}}\s*,?\s+"
                                rf"(?:{_alt(words('naming_words'))})\s*$", re.IGNORECASE),
        product_before_re=re.compile(rf"\b(?:{_alt(words('product_before'))})\s*$", re.IGNORECASE),
        product_after_re=re.compile(rf"^\s+(?:{_alt(words('product_after'))})\b", re.IGNORECASE),
        org_list_re=re.compile(rf"\b(?:{_alt(words('org_list_nouns'))})(?:\s+[\w-]+){{0,2}}\s+"
                               rf"(?:{_alt(words('list_connectors'))})\s*$", re.IGNORECASE),
        appositive_re=_appositive_re(words("articles"), words("elided_articles"), words("appositive_nouns"),
                                     words("appositive_stop_nouns"), bool(parts and parts[0]["articles"])),
        place_before_re=re.compile(rf"(?:^|\s)(?:{_alt(words('place_before'))})\s*$", re.IGNORECASE),
        place_after_re=re.compile(rf",?\s+(?:{_alt(words('place_after'))})\s+"
                                  rf"(?:(?:{_alt(words('place_articles'))})(?<=['’])|(?:{_alt(words('place_articles'))})\s+)?"),
        enum_re=re.compile(rf"\s*(?:,|,?\s+(?:{_alt(words('conjunctions'))}))\s+", re.IGNORECASE),
        particle_name_re=re.compile(rf"(?:(?:{_alt(words('name_particles'))})(?:\s+|(?<=['’])))+[A-ZÀ-Þ][\w-]+"),
        # "Quantenwerk GmbH": one to four capitalised words and a legal form
        legal_form_re=re.compile(rf"\b((?:[A-ZÀ-ÞĄĆĘŁŃŚŹŻ][\w&.\-]*\s){{1,4}}(?:{_alt(words('legal_forms'))}))(?=\W|$)"),
        ministry_re=_ministry_re(words("ministry_heads"), words("conjunctions")),
        # a lower-case head noun, then a capitalised word further on
        place_head_re=re.compile(rf"(?:{_alt(words('place_heads'))})(?!\w).*?\b[A-ZÀ-ÞĄĆĘŁŃŚŹŻ]", re.DOTALL),
    )


_CAP = r"[A-ZÀ-ÞĄĆĘŁŃŚŹŻ][\w'’-]+"
# lower-case words that belong to a portfolio's name ("Transition écologique", "Enseignement supérieur")
_ADJ = r"[a-zà-ÿ]+(?:ique|iques|ale|ales|al|aux|aire|aires|ieur|ieure|elle|el|ienne|ien|ère|ier|ais|aise|ive|if)"


_LINKS = r"de\s+la\s|de\s+l['’]|du\s|des\s|de\s|der\s|für\s|dell['’]|della\s|del\s|degli\s|dei\s|da\s|do\s|das\s|dos\s|van\s|voor\s"


def _ministry_re(heads: list[str], conjunctions: list[str]) -> re.Pattern:
    """"ministère de la Transition écologique et de la Cohésion des territoires": the head, a
    capitalised portfolio, then more portfolio words (adjectives, "et de la X", "des X")."""
    if not heads:
        return re.compile(r"(?!)")
    # a further portfolio needs its preposition: "du Travail et de l'Emploi", not "du Travail et Paris"
    link = rf"(?:\s+(?:{_alt(conjunctions)})\s+|\s*,\s*)?\s*(?:{_LINKS})"
    return re.compile(rf"(?<!\w)(?i:{_alt(heads)})\s*{_CAP}(?:\s+{_ADJ}(?!\w))?"
                      rf"(?:{link}\s*{_CAP}(?:\s+{_ADJ}(?!\w))?){{0,3}}")


def _appositive_re(articles: list[str], elided: list[str], nouns: list[str], places: list[str],
                   article_required: bool) -> re.Pattern:
    """", a Canadian start-up", ", l'éditeur", ", kanadyjski start-up": a comma, an article (optional
    where the document's language has none), up to three words, a company noun ending there, and
    no place noun after it."""
    article = rf"(?:(?:{_alt(articles)})\s+|(?:{_alt(elided)})['’])"
    if not article_required:
        article = f"(?:{article})?"
    return re.compile(rf"\s*,\s+{article}(?:[\w'’-]+\s+){{0,3}}?(?:{_alt(nouns)})(?![\w-])"
                      rf"(?!\s+(?:{_alt(places)})(?![\w-]))", re.IGNORECASE)


def ends_with_cue(before: str, cues: Iterable[str]) -> bool:
    """Does the lower-cased text `before` a name end with one of the cue phrases, on a word
    boundary? An elided cue ("d'") may be glued to the name."""
    b = before.rstrip()
    for cue in cues:
        if b.endswith(cue) and (len(b) == len(cue) or not b[-len(cue) - 1].isalnum()):
            return True
        if cue.endswith("'") and before.endswith(cue):
            return True
    return False


# ------------------------------------------------------------------ the cue rules
@dataclass(frozen=True)
class CueContext:
    """What a cue rule may look at for one candidate name."""

    label: str  # the model's (or an earlier step's) label
    text: str  # the name
    words: int  # how many words it has
    before: str  # lower-cased text just before it (see nlp.entities._preceding)
    after: str  # the raw text just after it
    org_shaped: Callable[[bool], bool]  # org_shaped(strong_only): nlp.entities._org_cue
    next_is_place: bool  # "X in Oxfordshire": a place follows after a place preposition
    prev_org_cued: bool  # the name before, in an enumeration, is a cued or known organisation
    cues: Cues


@dataclass(frozen=True)
class CueRule:
    name: str
    label: str  # what the rule makes the name
    test: Callable[[CueContext], bool]


def _programme(c: CueContext) -> bool:
    """"le programme X", "un programme de formation, le X"; not "cofondateur du programme"."""
    named = (c.label in ("ORG", "PER", "MISC") and ends_with_cue(c.before, c.cues.prog_before)
             or c.label in ("ORG", "MISC") and c.cues.prog_near_re.search(c.before) is not None)
    return named and not ends_with_cue(c.before, c.cues.org_before)


def _product(c: CueContext) -> bool:
    """"l'application X", "the X app": products named like people."""
    return (c.label in ("PER", "ORG") and c.cues.product_before_re.search(c.before) is not None
            or c.label == "PER" and c.cues.product_after_re.match(c.after) is not None)


def _place(c: CueContext) -> bool:
    """A one-word "person" the text places somewhere, or that is itself a place: "près de
    Culham", "Culham in Oxfordshire" (not "In Tarnwick's view")."""
    if c.label != "PER" or c.words != 1:
        return False
    placed = c.cues.place_before_re.search(c.before) is not None and not c.after.startswith(("'s", "’s"))
    return placed or c.next_is_place


def _organisation(c: CueContext) -> bool:
    """A legal form, a company noun before it, its own domain, an acronym; only strong cues
    overrule the model's LOC."""
    return c.label in ("PER", "MISC", "ORG") and c.org_shaped(False) or c.label == "LOC" and c.org_shaped(True)


def _appositive(c: CueContext) -> bool:
    """"Ottogrid, a Canadian start-up": the apposition says company where the model said place."""
    return c.label in ("LOC", "MISC") and c.cues.appositive_re.match(c.after) is not None


def _enumerated(c: CueContext) -> bool:
    """"des startups comme Dust, Mirakl et Pigment": the cue before the first covers the list."""
    return c.label == "MISC" and c.prev_org_cued


# Applied in order to each name the knowledge base does not know; the first that holds sets
# the label, and that label then outvotes the model's for the same name in the document.
CUE_RULES: tuple[CueRule, ...] = (
    CueRule("programme", "PROG", _programme),
    CueRule("product", "MISC", _product),
    CueRule("place", "LOC", _place),
    CueRule("organisation", "ORG", _organisation),
    CueRule("appositive", "ORG", _appositive),
    CueRule("enumeration", "ORG", _enumerated),
)


def apply_cue_rules(ctx: CueContext) -> str | None:
    """The label of the first rule that holds, or None."""
    for rule in CUE_RULES:
        if rule.test(ctx):
            return rule.label
    return None
