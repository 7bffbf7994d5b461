"""The shape of a name in its document: cleaning a mention's edges, telling names from
capitalised common words (headlines, line openings, sentence starts), and extending names the
model or the ruler cut short. Used by `nlp.entities`; language-specific words come from the
`Cues` of `nlp.entity_cues`.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nlp.entity_cues import Cues, cues_for
from nlp.kb import normalise

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

log = logging.getLogger(__name__)

EDGE = " \t\n\"'«»“”„‚‹›()[]{}.,;:!?*–—-•·"


@dataclass(slots=True)
class Cand:
    """A candidate mention while `nlp.entities` works on it."""

    start: int
    end: int
    text: str
    label: str
    kb_id: str | None
    canonical: str | None = None
    cue: str | None = None  # label forced by a cue, kept through the vote
    surface_start: int | None = None  # where the mention starts when titles were cut from `text`


def clean_mention(text: str, start: int, keep_capital_article: bool = False,
                  cues: Cues | None = None) -> tuple[str, int, int]:
    """Strip articles, possessive 's and edge punctuation; returns (text, start, end).

    With `keep_capital_article`, a capitalised article is part of the name
    ("le quotidien Le Monde"): set it when the mention does not open a sentence.
    `cues` gives the articles and sentence openers (default: French and English).
    """
    cues = cues or cues_for("fr")
    full, start0 = text, start
    m = cues.run_on_re.match(text)
    if m and len(text[m.end():].split()) == 1:
        text = m.group().rstrip()  # "Washington D.C. The": only the next sentence's opener ran on
    elif m:  # "X. Le ministre": the model ran over an abbreviation's full stop into the next sentence
        start += m.end()
        text = text[m.end():]
    while True:
        before = (text, start)
        stripped = text.lstrip(EDGE)
        start += len(text) - len(stripped)
        text = stripped
        m = cues.article_re.match(text)
        if m and len(text) > m.end() and not (keep_capital_article and text[0].isupper()):
            start += m.end()
            text = text[m.end():]
        text = text.rstrip(EDGE)
        m = cues.possessive_re.search(text)
        if m and len(text) > 3 and m.group() != "'":
            text = text[: m.start()]
        elif text.endswith(("'", "’")):
            text = text[:-1]
        text = text.rstrip(EDGE)
        if (text, start) == before:
            break
    if _ABBREVIATED_END_RE.search(text) and full.startswith(".", start - start0 + len(text)):
        text += "."  # "U.S.", "Marcin S.", "Arthur Rankin Jr.": the full stop belongs to the abbreviation
    return text, start, start + len(text)


_UPPER = "A-ZÀ-ÞĄĆĘŁŃŚŹŻ"
# a name ending in an initial ("U.S", "F. R. C", "Susanne R": not a lone letter) or in a
# suffix abbreviation of names: the full stop after it is the abbreviation's, not the sentence's
_ABBREVIATED_END_RE = re.compile(rf"(?:^(?:[{_UPPER}]\.\s?)+|\s(?:[{_UPPER}]\.\s?)*)[{_UPPER}]$|\s(?:Jr|Sr|Bros)$")
_TRAILING_NUMBER_RE = re.compile(r"(?:\s+[\d][\d.,:/-]*)+$")


def strip_trailing_numbers(text: str, start: int) -> tuple[str, int, int]:
    """"Somerset 83", "P. Johnson 84": a score or count the model ran into; people and places
    do not end in numbers (organisations may: "France 3")."""
    m = _TRAILING_NUMBER_RE.search(text)
    if m and m.start() > 0:
        text = text[:m.start()]
    return text, start, start + len(text)


def is_junk(text: str, cues: Cues | None = None) -> bool:
    """Obvious non-names: single characters, numbers, lower-case words (`cues`: the
    organisation heads that may open a name in lower case; default French and English)."""
    t = text.strip()
    letters = [c for c in t if c.isalpha()]
    if len(letters) < 2:
        return True
    if not any(c.isupper() for c in t):
        return True  # "intelligence artificielle", "ceo"
    if t[0].islower():
        # "ministre de l'Economie" is a role, "ministère de la Culture" an organisation;
        # "eBay"-like names are rare and the knowledge base links them before this test
        return " " not in t or t.split()[0].lower() not in (cues or cues_for("fr")).org_heads
    return False


def strip_titles(text: str, start: int, cues: Cues) -> tuple[str, int, int]:
    """A person's name without the titles before it ("général de Gaulle" -> "de Gaulle",
    "MM. Colondre" -> "Colondre"); returns (text, start, end). A lone title is kept ("Prince")."""
    while True:
        m = re.match(r"([^\W\d_]+)\.?\s+", text)
        if not m or m.group(1).lower() not in cues.titles or m.end() >= len(text):
            return text, start, start + len(text)
        start += m.end()
        text = text[m.end():]


def is_role(word: str, cues: Cues) -> bool:
    """A job said before a name: one of the language's role heads, or a compound ending in one
    ("Bundestrainer", "Vorstandschef", "SAP-Chef"); a head under five letters needs four more
    letters before it, so that a short word merely ending like it does not count."""
    w = word.lower()
    return any(w == h or w.endswith(h) and (len(h) >= 5 or len(w) >= len(h) + 4) for h in cues.role_heads)


def strip_roles(text: str, start: int, cues: Cues) -> tuple[str, int, int]:
    """A person's name without the jobs said before it ("Bundestrainer Julian Nagelsmann",
    "CEO Rick Dudley"); unlike titles these leave the mention too, as news gold leaves them out.
    Returns (text, start, end); a name made of roles only is kept."""
    while True:
        m = re.match(r"([^\W\d_][\w-]*)\s+(?=[A-ZÀ-ÞĄĆĘŁŃŚŹŻ])", text)
        if not m or not is_role(m.group(1), cues):
            return text, start, start + len(text)
        start += m.end()
        text = text[m.end():]


def free_word(tok, cues: Cues) -> bool:  # tok: a spaCy Token
    """A capitalised word outside any entity that may belong to a neighbouring name."""
    return (tok.is_alpha and len(tok) > 1 and (tok.is_title or tok.is_upper) and not tok.ent_type
            and not tok.is_stop and tok.lower_ not in cues.titles)


def in_capitals(sent: Span) -> bool:
    """A line in capitals ("LUCHA CONTRA INCENDIOS Mérida", "PP ESTUDIA YA PROYECTO LEY"):
    every word there looks like an acronym or a name, so no name grows over its neighbours."""
    alpha = [t for t in sent if t.is_alpha and len(t) > 1]
    return bool(alpha) and sum(t.is_upper for t in alpha) >= 0.6 * len(alpha)


def extend_left(doc: Doc, ent: Span, cues: Cues) -> int:
    """"SME" + "AI Accelerator": capitalised words glued before a model entity
    belong to it (the model often drops an acronym in front)."""
    start = ent.start
    if in_capitals(ent.sent):
        return start
    while start > ent.sent.start and start > ent.start - 2:
        tok = doc[start - 1]
        if not free_word(tok, cues) or tok.is_sent_start or "\n" in tok.whitespace_ or not tok.is_upper:
            break
        start -= 1
    return start


def unconfirmed_headline_name(c: Cand, doc: Doc) -> bool:
    """In a Title Case Headline the model cannot tell names from capitalised
    words ("Opens First European Office"): keep a name there only if the
    article repeats it elsewhere."""
    span = doc.char_span(c.start, c.end, alignment_mode="expand")
    if span is None or not headline(span.sent):
        return False
    sent = span.sent
    rest = doc.text[:sent.start_char] + "\n" + doc.text[sent.end_char:]
    return c.text not in rest


def headline(sent: Span) -> bool:
    """Title Case Headline: capitals there do not mark names. A line of its own,
    no final full stop, and most content words capitalised (French and German
    headlines are in sentence case and never match)."""
    text = sent.text.strip()
    if not text or text[-1] in ".!?»\"”:;,":
        return False
    if any(ch in text for ch in "();") or text.count(",") >= 2 or sum(t.like_num for t in sent) >= 2:
        # brackets, semicolons, several commas or figures: a results table or a list of names
        # ("Sussex 363 (W. Athey 111, V. Drakes 52; ..."), whose capitals do mark names
        return False
    words = [t for t in sent if t.is_alpha and not t.is_stop and len(t) > 2]
    if len(words) < 4 or sum(t.is_title or t.is_upper for t in words) / len(words) < 0.75:
        return False
    # a lower-case content word between the names ("Tim Henman (Britain) beat Doug Flach"):
    # a results line or a sentence of names, not a headline, whose every content word is capitalised
    return not any(t.is_lower and not t.ent_type and len(t) > 3 for t in words)


def extend_name(doc: Doc, ent: Span, cues: Cues) -> int:
    """A known organisation followed by capitalised words names something else
    ("OpenAI Academy"): the ruler's match blocks the model, so extend it here.
    Headlines in title case and lines in capitals are left alone."""
    sent = ent.sent
    if headline(sent) or in_capitals(sent) or not doc[ent.end - 1].text[:1].isupper():
        # a name ending in a lower-case word ("Académie française") is complete: a capital
        # after it opens something else (an OCR line without its full stop)
        return ent.end
    end = ent.end
    while end < sent.end and end - ent.end < 3:
        tok = doc[end]
        if doc[end - 1].whitespace_ != " " or tok.is_sent_start:
            break
        if tok.like_num and end > ent.end and len(tok) <= 4:
            end += 1  # "EU Economic Blueprint 2.0"
            break
        if not free_word(tok, cues) or tok.text in cues.acronym_stop:
            break
        end += 1
    return end


def common_words(doc: Doc) -> frozenset[str]:
    """Frequent lower-case words of the language, read from the model's static
    vectors (rows are sorted by frequency: the first key of each row is a
    top-20k word). Empty for models without vectors."""
    vocab = doc.vocab
    key = id(vocab)
    if key not in _COMMON:
        heads: dict[int, int] = {}
        vectors = vocab.vectors
        if vectors.shape[0] and vectors.mode == "default":
            for k, row in vectors.key2row.items():
                heads.setdefault(row, k)
        words = set()
        for k in heads.values():
            try:
                w = vocab.strings[k]
            except KeyError:
                continue
            if w.islower() and w.isalpha():
                words.add(w)
        _COMMON[key] = frozenset(words)
        log.debug("common-word lexicon: %d words", len(words))
    return _COMMON[key]


_COMMON: dict[int, frozenset[str]] = {}  # per vocab: one lexicon per loaded model


def is_common_phrase(c: Cand, doc: Doc, common: frozenset[str], cues: Cues) -> bool:
    """Capitalised by position, not because it is a name: "Sécurité" opening a
    list item, "Rédactrice web" opening a line, "l'Intelligence artificielle"."""
    words = re.findall(r"[^\W\d_]+", c.text)
    if not words or (words[0].lower() in cues.org_heads and len(words) > 1):
        return False  # "Agence nationale de la recherche"; a lone "Société" is a section title
    if any(w[0].isupper() for w in words[1:]):
        return False  # a capital inside: "Olympe Legal", "Sarah Friar"
    span = doc.char_span(c.start, c.end, alignment_mode="expand")
    at_start = span is not None and line_initial(span[0])
    lower = [w.lower() for w in words]
    if at_start and len(words) > 1:
        return True
    # a lone common word the model called a name ("de l'Innovation"); places are left
    # alone ("Tours", "Nice") and so are words with a cue ("la startup Pigment")
    if not all(w in common for w in lower):
        return False
    if at_start or len(words) > 1:
        return True
    # mid-sentence, a lone frequent word the model calls a name is a capitalised noun
    # ("chargé de la Technologie"); places keep their benefit of the doubt ("Tours", "Nice")
    return c.label != "LOC"


def line_initial(tok) -> bool:  # tok: a spaCy Token
    """First word of a sentence or line, bullets and emoji aside."""
    doc = tok.doc
    i = tok.i
    while True:
        if i == 0 or doc[i].is_sent_start or "\n" in doc[i - 1].whitespace_ or "\n" in doc[i - 1].text:
            return True
        prev = doc[i - 1]
        if prev.is_alpha or prev.is_digit or prev.text in ",;(":
            return False
        i -= 1


def lone_first_word(c: Cand, doc: Doc, cands: list[Cand]) -> bool:
    """A single capitalised word opening a sentence, seen once, that nothing
    links to a full name ("Automatise tes tâches"): too weak to keep as a person."""
    if c.label != "PER" or " " in c.text or c.kb_id or c.canonical or c.surface_start is not None:
        return False  # a title ("M. Colondre") says person as surely as a full name
    span = doc.char_span(c.start, c.end, alignment_mode="expand")
    if span is None or not line_initial(span[0]):
        return False
    return sum(1 for o in cands if normalise(o.text) == normalise(c.text)) == 1


def strip_sentence_initial(c: Cand, doc: Doc, common: frozenset[str], cues: Cues) -> None:
    """"Baptisé SME AI Accelerator": a common word opening the sentence was
    absorbed into the name because of its capital."""
    span = doc.char_span(c.start, c.end, alignment_mode="expand")
    if span is None or len(span) < 2 or not span[0].is_sent_start or c.label == "PER":
        return  # first names are often common words too ("Jean", "Pierre", "Rose")
    first = span[0]
    if first.lower_ in common and first.lower_ not in cues.org_heads and (span[1].is_title or span[1].is_upper):
        cut = span[1].idx - c.start
        c.text, c.start = c.text[cut:], c.start + cut


def legal_form_names(cands: list[Cand], text: str, cues: Cues) -> list[Cand]:
    """"Fernhill Analytics Ltd": capitalised words ending in a legal form name one company. The
    match is added where nothing stands, and replaces unlinked names lying inside it (a model
    that kept only "Analytics Ltd"); a linked name or one reaching outside it is left alone."""
    for m in cues.legal_form_re.finditer(text):
        start, end = m.start(1), m.end(1)
        hit = [c for c in cands if c.start < end and start < c.end]
        if all(start <= c.start and c.end <= end and c.kb_id is None for c in hit):
            cands = [c for c in cands if c not in hit] + [Cand(start, end, m.group(1), "ORG", None, cue="ORG")]
    return cands
