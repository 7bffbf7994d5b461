"""Named entities of a document, typed with our labels and linked to the KB.

Steps for one spaCy doc (see `entities_from_doc`):
1. candidates: the ruler's knowledge-base matches and the model's entities,
   mapped to PER / ORG / LOC / PROG / MISC (dates and amounts are another
   module's job, nationalities are not actors); for German, which has no
   model, company names ending in GmbH/AG/SE are added by rule;
2. cleaning: leading articles, possessive 's and edge punctuation removed,
   junk (single characters, numbers, lower-case words) dropped;
3. linking: exact normalised alias, then acronym/expansion pairs defined in
   the document, then a person's short name used earlier or later in full
   ("Friar" -> "Sarah Friar"), then a known surname, then a conservative
   fuzzy match (rapidfuzz ratio >= 92);
4. typing: the knowledge-base type wins; otherwise organisation cues
   ("la startup X", "X GmbH", "cofondateur de X", "X AI", acronyms, a domain
   name in the text) and programme cues ("le programme X") correct the model;
5. one label per canonical in the document, by `vote_types`.
"""
from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nlp.kb import KnowledgeBase, acronym_pairs, is_acronym, normalise
from nlp.types import EntityMention

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

log = logging.getLogger(__name__)

# model label -> ours; None = not an entity for us
LABEL_MAP: dict[str, str | None] = {
    "PER": "PER", "PERSON": "PER",
    "ORG": "ORG",
    "LOC": "LOC", "GPE": "LOC", "FAC": "LOC",
    "MISC": "MISC", "PRODUCT": "MISC", "EVENT": "MISC", "WORK_OF_ART": "MISC",
    "LAW": "PROG", "PROG": "PROG",
    "NORP": None, "LANGUAGE": None,
    "DATE": None, "TIME": None, "MONEY": None, "PERCENT": None,
    "QUANTITY": None, "ORDINAL": None, "CARDINAL": None,
}
NER_LANGS = ("fr", "en")  # languages with a statistical NER model; others get rules only
# tie-break when votes are equal: the label that is most often right for names
_LABEL_PRIORITY = {"ORG": 0, "PER": 1, "LOC": 2, "PROG": 3, "MISC": 4}

# ------------------------------------------------------------------ cue words
# Words just before a name that say "this is an organisation".
_ORG_BEFORE = [
    # French
    "la société", "la start-up", "la startup", "la jeune pousse", "le groupe", "l'entreprise", "la firme",
    "l'éditeur", "le géant", "la licorne", "le laboratoire", "le fonds", "la banque", "l'opérateur",
    "l'agence", "le cabinet", "l'association", "la fédération", "la fondation", "l'institut",
    "ministère", "agence", "autorité", "chez", "cofondateur de", "cofondatrice de", "co-fondateur de",
    "cofondateur d'", "cofondatrice d'", "co-fondateur d'", "fondateur de", "fondatrice de", "fondateur d'",
    "fondatrice d'", "pdg de", "pdg d'", "patron de", "patronne de", "patron d'", "patronne d'",
    "directeur général de", "directrice générale de", "directeur général d'", "directrice générale d'",
    "juridique de", "juridique d'", "financier de", "financière de", "financier d'", "financière d'",
    "technique de", "technique d'", "startups", "start-up", "startup", "startups françaises comme",
    "entreprises comme", "sociétés comme", "start-up comme",
    # English
    "the company", "the startup", "the start-up", "the firm", "the group", "the lab", "the agency",
    "startup", "start-up", "firm", "company", "ceo of", "founder of", "co-founder of", "cofounder of",
    "chief executive of", "head of", "president of", "chairman of", "investors including",
    # German
    "das unternehmen", "die firma", "das start-up", "der konzern", "die gesellschaft", "gründer von",
    "chef von", "mitgründer von",
]
_WEAK_ORG_BEFORE = {"chez"}  # shops and companies, but also people's homes and works
_ORG_BEFORE_NOT_PER = [c for c in _ORG_BEFORE if c not in _WEAK_ORG_BEFORE]
_PROG_BEFORE = [
    "le programme", "du programme", "au programme", "programme", "le plan", "du plan", "plan",
    "le dispositif", "du dispositif", "la loi", "le règlement", "la stratégie", "l'initiative",
    "le rapport", "son rapport", "dernier rapport", "rapport", "initiative", "baptisé", "baptisée",
    "the programme", "the program", "the plan", "the initiative", "the report", "report", "the act",
    "das programm", "die initiative", "der bericht", "die strategie",
]
# Last words of a name that make it an organisation.
_ORG_SUFFIX = {
    "inc", "inc.", "sas", "sa", "sarl", "ltd", "ltd.", "llc", "plc", "gmbh", "ag", "se", "kg", "corp",
    "corp.", "corporation", "ai", "labs", "lab", "technologies", "systems", "capital", "ventures",
    "partners", "group", "groupe", "holding", "holdings", "bank", "university", "université",
    "institute", "institut", "foundation", "fondation", "agency", "agence", "legal", "health",
    "e.v.", "gruppe", "bank", "software", "robotics", "analytics", "cloud", "networks", "media",
}
# Capitals that are words, not organisations ("IA", "PME", "CEO").
_ACRONYM_STOP = {
    "IA", "AI", "PME", "PMI", "ETI", "TPE", "SME", "SMEs", "CEO", "PDG", "CFO", "CTO", "COO", "DG",
    "GPU", "CPU", "TPU", "LLM", "LLMs", "API", "SAAS", "SaaS", "IT", "TV", "OK", "PIB", "GDP", "R&D",
    "RH", "HR", "B2B", "B2C", "UX", "UI", "PDF", "FAQ", "NB", "PS", "VS", "USD", "EUR", "GBP", "IPO",
    "ESG", "RSE", "KI", "IoT", "VR", "AR", "NLP", "AGI", "ASI", "IAG", "CV", "QR", "SMS", "HTML",
    "URL", "OS", "PC", "ID", "MW", "GW", "TW", "KW", "CO2", "ONG", "NGO", "UNE", "LE", "LA", "LES",
    "DE", "DES", "ET", "THE", "AND", "EN", "IN", "AU", "À", "UN",
}
# "British AI", "l'IA européenne": a nationality and a generic word, not a name
_DEMONYMS = (r"British|French|German|European|American|Chinese|Japanese|Indian|Canadian|Italian|Spanish|Dutch|"
             r"UK|US|EU|britannique|française?|européenne?|allemande?|américaine?|chinoise?|"
             r"britische[nr]?|französische[nr]?|deutsche[nr]?|europäische[nr]?|amerikanische[nr]?")
_GENERIC_RE = re.compile(rf"(?:(?:{_DEMONYMS})\s+(?:AI|IA|KI|tech|Tech|startups?|government)|"
                         rf"(?:AI|IA|KI|Tech)\s+(?:{_DEMONYMS}))", re.IGNORECASE)
_ARTICLE_RE = re.compile(
    r"^(?:(?:l|d|qu|jusqu|lorsqu|puisqu)['’]|(?:le|la|les|the|der|die|das|du|des|de|dem|den|a|an|un|une)\s+)",
    re.IGNORECASE,
)
_RUN_ON_RE = re.compile(r"^.*[.!?]\s+(?=(?:Le|La|Les|L['’]|The|A|An|Un|Une|Der|Die|Das|Ce|Cette|This)\b)", re.DOTALL)
_POSSESSIVE_RE = re.compile(r"['’]s?$")
_EDGE = " \t\n\"'«»“”„‚‹›()[]{}.,;:!?*–—-•·"
# "un programme de formation, le X", "a training scheme called X"
_PROG_NEAR_RE = re.compile(
    r"\b(?:programmes?|programs?|plan|dispositif|initiative|rapport|report|stratégie|strategy|scheme|"
    r"programm|strategie)\b(?:\s+[\w'’-]+){0,3}\s*,?\s+(?:le|la|l'|les|the|baptisée?|nommée?|intitulée?|"
    r"called|named|dubbed|namens)\s*$",
    re.IGNORECASE,
)
# products named like people: "l'application Rail Planner", "the Rail Planner app"
_PRODUCT_BEFORE_RE = re.compile(
    r"\b(?:l'application|l'appli|le chatbot|le modèle|l'assistant|le logiciel|la plateforme|"
    r"the app|the application|the chatbot|the model|the assistant|the platform|die app|das modell)\s*$",
    re.IGNORECASE,
)
_PRODUCT_AFTER_RE = re.compile(
    r"^\s+(?:app|application|appli|chatbot|assistant|software|logiciel|model|modèle|platform|plateforme)\b",
    re.IGNORECASE,
)
# "des startups (françaises) comme X", "companies such as X"
_ORG_LIST_RE = re.compile(
    r"\b(?:start-?ups?|jeunes pousses|entreprises?|sociétés?|groupes?|licornes?|éditeurs?|opérateurs?|"
    r"companies|company|firms?|startups?|groups?|unternehmen|firmen|konzerne)"
    r"(?:\s+[\w-]+){0,2}\s+(?:comme|tels? que|telles? que|such as|like|including|wie|dont)\s*$",
    re.IGNORECASE,
)
_DOMAIN_RE = re.compile(r"(?:@|https?://(?:www\.)?|www\.)([a-z0-9][a-z0-9-]{1,62})\.[a-z]{2,}", re.IGNORECASE)
_DE_COMPANY_RE = re.compile(
    r"\b((?:[A-ZÄÖÜ][\w&.\-]*\s){1,4}(?:GmbH|AG|SE|KGaA|KG|e\.\s?V\.))(?=\W|$)"
)


@dataclass(slots=True)
class _Cand:
    start: int
    end: int
    text: str
    label: str
    kb_id: str | None
    canonical: str | None = None
    cue: str | None = None  # label forced by a cue, kept through the vote
    surface_start: int | None = None  # where the mention starts when titles were cut from `text`


# ------------------------------------------------------------------ helpers
def map_label(label: str) -> str | None:
    """Model label -> ours (None: not kept)."""
    return LABEL_MAP.get(label, "MISC")


def clean_mention(text: str, start: int, keep_capital_article: bool = False) -> tuple[str, int, int]:
    """Strip articles, possessive 's and edge punctuation; returns (text, start, end).

    With `keep_capital_article`, a capitalised article is part of the name
    ("le quotidien Le Monde"): set it when the mention does not open a sentence.
    """
    m = _RUN_ON_RE.match(text)
    if m:  # "X. Le ministre": the model ran over an abbreviation's full stop into the next sentence
        start += m.end()
        text = text[m.end():]
    while True:
        before = (text, start)
        stripped = text.lstrip(_EDGE)
        start += len(text) - len(stripped)
        text = stripped
        m = _ARTICLE_RE.match(text)
        if m and len(text) > m.end() and not (keep_capital_article and text[0].isupper()):
            start += m.end()
            text = text[m.end():]
        text = text.rstrip(_EDGE)
        m = _POSSESSIVE_RE.search(text)
        if m and len(text) > 3 and m.group() != "'":
            text = text[: m.start()]
        elif text.endswith(("'", "’")):
            text = text[:-1]
        text = text.rstrip(_EDGE)
        if (text, start) == before:
            break
    return text, start, start + len(text)


def is_junk(text: str) -> bool:
    """Obvious non-names: single characters, numbers, lower-case words."""
    t = text.strip()
    letters = [c for c in t if c.isalpha()]
    if len(letters) < 2:
        return True
    if not any(c.isupper() for c in t):
        return True  # "intelligence artificielle", "ceo"
    if t[0].islower():
        # "ministre de l'Economie" is a role, "ministère de la Culture" an organisation;
        # "eBay"-like names are rare and the knowledge base links them before this test
        return " " not in t or t.split()[0].lower() not in _ORG_HEADS
    return False


def vote_types(mentions: Iterable[EntityMention], kb: KnowledgeBase | None = None) -> dict[str, str]:
    """Majority label per canonical; the knowledge-base type wins when known.

    Returns {canonical: label}. Used within a document and across the database.
    """
    votes: dict[str, Counter] = defaultdict(Counter)
    kb_types: dict[str, str] = {}
    for m in mentions:
        votes[m.canonical][m.label] += 1
        if m.kb_id and kb is not None and (e := kb.get(m.kb_id)) is not None:
            kb_types[m.canonical] = e.type
    out = {}
    for canonical, counter in votes.items():
        if canonical in kb_types:
            out[canonical] = kb_types[canonical]
        else:
            out[canonical] = max(counter.items(), key=lambda kv: (kv[1], -_LABEL_PRIORITY.get(kv[0], 9)))[0]
    return out


def _preceding(doc_text: str, start: int, width: int = 40) -> str:
    """Lower-cased, apostrophe-normalised words just before a mention."""
    s = doc_text[max(0, start - width):start].lower().replace("’", "'")
    return re.sub(r"\s+", " ", s)


def _ends_with_cue(before: str, cues: Sequence[str]) -> bool:
    b = before.rstrip()
    for cue in cues:
        if b.endswith(cue) and (len(b) == len(cue) or not b[-len(cue) - 1].isalnum()):
            return True
        if cue.endswith("'") and before.endswith(cue):  # "d'" glued to the name
            return True
    return False


def _org_cue(text: str, before: str, domains: set[str], strong_only: bool = False, label: str | None = None) -> bool:
    """Does the shape or context of a name say organisation? Strong cues (a legal
    suffix, a company noun before it, its own domain name) may even overrule
    the model's LOC; an all-caps acronym only overrules PER and MISC. "chez" is
    weak: "chez OpenAI" but also "chez Paul Morand", so it never overrules a
    several-word PER."""
    words = text.split()
    if len(words) > 1 and words[-1].lower() in _ORG_SUFFIX:
        return True
    if normalise(text).replace(" ", "") in domains:
        return True
    cues = _ORG_BEFORE_NOT_PER if label == "PER" and len(words) > 1 else _ORG_BEFORE
    if _ends_with_cue(before, cues) or _ORG_LIST_RE.search(before):
        return True
    return not strong_only and is_acronym(text) and text not in _ACRONYM_STOP and 2 <= len(text) <= 6 \
        and text.isalpha()


# ------------------------------------------------------------------ main
def _candidates(doc: Doc) -> list[_Cand]:
    text = doc.text
    ents = list(doc.ents)
    cands: list[_Cand] = []
    i = 0
    while i < len(ents):
        ent = ents[i]
        label = map_label(ent.label_)
        i += 1
        if label is None:
            continue
        kb_id = ent.ent_id_ or None
        start_tok, end_tok = ent.start, ent.end
        if kb_id and label != "PER":
            nxt = ents[i] if i < len(ents) else None
            if (nxt is not None and nxt.start == ent.end and not nxt.ent_id_ and map_label(nxt.label_) in ("ORG", "MISC")
                    and doc[ent.end - 1].whitespace_ == " " and not _headline(ent.sent)):
                # "EU" + "Economic Blueprint 2.0": the ruler's match cut the model's name in two
                end_tok, label, kb_id = nxt.end, map_label(nxt.label_), None
                i += 1
            elif label == "ORG":
                end_tok = _extend_name(doc, ent)
                if end_tok != ent.end:
                    kb_id = None  # "OpenAI Academy" is not OpenAI
        elif not kb_id:
            start_tok = _extend_left(doc, ent)
            # the model sometimes runs over a full stop ("sur X. Le ministre"): keep the last sentence's part
            for j in range(end_tok - 1, start_tok, -1):
                if doc[j].is_sent_start:
                    start_tok = j
                    break
        span = doc[start_tok:end_tok]
        cands.append(_Cand(span.start_char, span.end_char, span.text, label, kb_id))
    if doc.lang_ not in NER_LANGS:
        taken = [(c.start, c.end) for c in cands]
        for m in _DE_COMPANY_RE.finditer(text):
            if not any(s < m.end(1) and m.start(1) < e for s, e in taken):
                cands.append(_Cand(m.start(1), m.end(1), m.group(1), "ORG", None, cue="ORG"))
    return sorted(cands, key=lambda c: c.start)


# Words that introduce a person and are not part of the name.
_TITLES = {"m", "mme", "mlle", "mr", "mrs", "ms", "dr", "pr", "sir", "lord", "lady", "herr", "frau",
           "président", "présidente", "president", "ministre", "minister", "premier", "prime", "chancellor",
           "chancelier", "commissaire", "commissioner", "sénateur", "senator", "député", "maître", "me",
           "mm", "mgr", "général", "general", "maréchal", "colonel", "capitaine", "lieutenant", "amiral",
           "cardinal", "pape", "abbé", "prince", "princesse", "roi", "reine", "king", "queen", "empereur",
           "impératrice", "emperor", "comte", "comtesse", "duc", "duchesse", "baron", "baronne", "frères",
           "docteur", "professeur", "ministerpräsident", "bundeskanzler", "kanzlerin", "kanzler"}
_PARTICLE_NAME_RE = re.compile(r"(?:(?:de|du|von|van|der|den|di|da|del|della|la|le)\s+|d['’])+[A-ZÀ-Þ][\w-]+")


def strip_titles(text: str, start: int) -> tuple[str, int, int]:
    """A person's name without the titles before it ("général de Gaulle" -> "de Gaulle",
    "MM. Colondre" -> "Colondre"); returns (text, start, end). A lone title is kept ("Prince")."""
    while True:
        m = re.match(r"([^\W\d_]+)\.?\s+", text)
        if not m or m.group(1).lower() not in _TITLES or m.end() >= len(text):
            return text, start, start + len(text)
        start += m.end()
        text = text[m.end():]


def _free_word(tok) -> bool:  # noqa: ANN001 - spaCy Token
    return (tok.is_alpha and len(tok) > 1 and (tok.is_title or tok.is_upper) and not tok.ent_type
            and not tok.is_stop and tok.lower_ not in _TITLES)


def _extend_left(doc: Doc, ent: Span) -> int:
    """"SME" + "AI Accelerator": capitalised words glued before a model entity
    belong to it (the model often drops an acronym in front)."""
    start = ent.start
    while start > ent.sent.start and start > ent.start - 2:
        tok = doc[start - 1]
        if not _free_word(tok) or tok.is_sent_start or "\n" in tok.whitespace_ or not tok.is_upper:
            break
        start -= 1
    return start


def _unconfirmed_headline_name(c: _Cand, doc: Doc) -> bool:
    """In a Title Case Headline the model cannot tell names from capitalised
    words ("Opens First European Office"): keep a name there only if the
    article repeats it elsewhere."""
    span = doc.char_span(c.start, c.end, alignment_mode="expand")
    if span is None or not _headline(span.sent):
        return False
    sent = span.sent
    rest = doc.text[:sent.start_char] + "\n" + doc.text[sent.end_char:]
    return c.text not in rest


def _headline(sent: Span) -> bool:
    """Title Case Headline: capitals there do not mark names. A line of its own,
    no final full stop, and most content words capitalised (French and German
    headlines are in sentence case and never match)."""
    text = sent.text.strip()
    if not text or text[-1] in ".!?»\"”:;,":
        return False
    words = [t for t in sent if t.is_alpha and not t.is_stop and len(t) > 2]
    return len(words) >= 4 and sum(t.is_title or t.is_upper for t in words) / len(words) >= 0.75


def _extend_name(doc: Doc, ent: Span) -> int:
    """A known organisation followed by capitalised words names something else
    ("OpenAI Academy"): the ruler's match blocks the model, so extend it here.
    Headlines in title case are left alone."""
    sent = ent.sent
    if _headline(sent):
        return ent.end
    end = ent.end
    while end < sent.end and end - ent.end < 3:
        tok = doc[end]
        if doc[end - 1].whitespace_ != " " or tok.is_sent_start:
            break
        if tok.like_num and end > ent.end and len(tok) <= 4:
            end += 1  # "EU Economic Blueprint 2.0"
            break
        if not _free_word(tok) or tok.text in _ACRONYM_STOP:
            break
        end += 1
    return end


def _common_words(doc: Doc) -> frozenset[str]:
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


_COMMON: dict[int, frozenset[str]] = {}
# Nouns that head French/English/German organisation names written in sentence case
# ("Agence nationale de la recherche"): their lower-case tail is not a sign of a common phrase.
_ORG_HEADS = {
    "agence", "autorité", "commission", "conseil", "institut", "ministère", "direction", "banque", "fondation",
    "université", "école", "office", "comité", "cour", "bureau", "centre", "fédération", "syndicat",
    "association", "caisse", "haut", "haute", "délégation", "secrétariat", "observatoire", "académie",
    "chambre", "tribunal", "parlement", "assemblée", "groupe", "société", "compagnie", "mission", "service",
    "department", "ministry", "agency", "authority", "council", "institute", "university", "bank", "office",
    "ministerium", "bundesministerium", "bundesamt", "amt", "behörde", "verband", "stiftung", "institut",
}


def _is_common_phrase(c: _Cand, doc: Doc, common: frozenset[str]) -> bool:
    """Capitalised by position, not because it is a name: "Sécurité" opening a
    list item, "Rédactrice web" opening a line, "l'Intelligence artificielle"."""
    words = re.findall(r"[^\W\d_]+", c.text)
    if not words or (words[0].lower() in _ORG_HEADS and len(words) > 1):
        return False  # "Agence nationale de la recherche"; a lone "Société" is a section title
    if any(w[0].isupper() for w in words[1:]):
        return False  # a capital inside: "Olympe Legal", "Sarah Friar"
    span = doc.char_span(c.start, c.end, alignment_mode="expand")
    at_start = span is not None and _line_initial(span[0])
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


def _line_initial(tok) -> bool:  # noqa: ANN001 - spaCy Token
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


def _lone_first_word(c: _Cand, doc: Doc, cands: list[_Cand]) -> bool:
    """A single capitalised word opening a sentence, seen once, that nothing
    links to a full name ("Automatise tes tâches"): too weak to keep as a person."""
    if c.label != "PER" or " " in c.text or c.kb_id or c.canonical or c.surface_start is not None:
        return False  # a title ("M. Colondre") says person as surely as a full name
    span = doc.char_span(c.start, c.end, alignment_mode="expand")
    if span is None or not _line_initial(span[0]):
        return False
    return sum(1 for o in cands if normalise(o.text) == normalise(c.text)) == 1


def _strip_sentence_initial(c: _Cand, doc: Doc, common: frozenset[str]) -> None:
    """"Baptisé SME AI Accelerator": a common word opening the sentence was
    absorbed into the name because of its capital."""
    span = doc.char_span(c.start, c.end, alignment_mode="expand")
    if span is None or len(span) < 2 or not span[0].is_sent_start or c.label == "PER":
        return  # first names are often common words too ("Jean", "Pierre", "Rose")
    first = span[0]
    if first.lower_ in common and first.lower_ not in _ORG_HEADS and (span[1].is_title or span[1].is_upper):
        cut = span[1].idx - c.start
        c.text, c.start = c.text[cut:], c.start + cut


def entities_from_doc(doc: Doc, kb: KnowledgeBase | None = None) -> list[EntityMention]:
    """Typed, cleaned and linked entity mentions of a processed doc."""
    kb = kb if kb is not None else KnowledgeBase.default()
    text = doc.text
    pairs = acronym_pairs(text)
    pair_map: dict[str, str] = {}
    for acro, expansion in pairs:
        pair_map[acro] = expansion
        pair_map[normalise(expansion)] = acro
    domains = {m.group(1).lower().replace("-", "") for m in _DOMAIN_RE.finditer(text)}

    common = _common_words(doc)
    cands: list[_Cand] = []
    for c in _candidates(doc):
        if c.kb_id is None:
            _strip_sentence_initial(c, doc, common)
        first = doc.char_span(c.start, c.end, alignment_mode="expand")
        keep = kb.lookup(c.text) is not None or (first is not None and not _line_initial(first[0]))
        c.text, c.start, c.end = clean_mention(c.text, c.start, keep_capital_article=keep)
        if c.label == "PER" and c.kb_id is None:
            # the name without "M." or "général" is what links; the mention keeps its title
            surface_start = c.start
            c.text, c.start, c.end = strip_titles(c.text, c.start)
            if c.start != surface_start:
                c.surface_start = surface_start
        if not c.text:
            continue
        if c.kb_id is None and kb.lookup(c.text) is None and (
                (is_junk(c.text) and not (c.label == "PER" and _PARTICLE_NAME_RE.fullmatch(c.text))) or c.text in _ACRONYM_STOP or _GENERIC_RE.fullmatch(c.text)
                or _unconfirmed_headline_name(c, doc)
                or (_is_common_phrase(c, doc, common) and not _org_cue(c.text, _preceding(text, c.start), domains))):
            continue
        cands.append(c)

    # --- linking
    for c in cands:
        entry = kb.get(c.kb_id) if c.kb_id else kb.lookup(c.text)
        if entry is None:
            other = pair_map.get(c.text) or pair_map.get(normalise(c.text))
            if other:
                entry = kb.lookup(other)
                if entry is None:
                    # unknown pair: both forms share the expansion as canonical
                    c.canonical = other if c.text in pair_map else c.text
                    c.label = "ORG" if c.label in ("PER", "MISC") else c.label
        if entry is not None:
            c.kb_id, c.canonical, c.label = entry.id, entry.name, entry.type
    _link_short_person_names(cands, kb)
    _link_domain_names(cands)
    for c in cands:
        if c.kb_id is None and c.canonical is None and c.label in ("PER", "ORG", "MISC"):
            entry = kb.fuzzy(c.text)
            if entry is not None and (entry.type == c.label or c.label == "MISC"):
                c.kb_id, c.canonical, c.label = entry.id, entry.name, entry.type

    # --- cues, for what the knowledge base does not know
    starts = {c.start: c for c in cands}

    def nxt_loc(c: _Cand) -> bool:
        m = _LOC_AFTER_RE.match(text, c.end)
        after = starts.get(m.end()) if m else None
        return after is not None and after.label == "LOC"

    prev: _Cand | None = None
    for c in cands:
        if c.kb_id is None:
            before = _preceding(text, c.start)
            if (c.label in ("ORG", "PER", "MISC") and _ends_with_cue(before, _PROG_BEFORE)
                    or c.label in ("ORG", "MISC") and _PROG_NEAR_RE.search(before)) \
                    and not _ends_with_cue(before, _ORG_BEFORE):
                c.label = c.cue = "PROG"
            elif c.label in ("PER", "ORG") and _PRODUCT_BEFORE_RE.search(before) \
                    or c.label == "PER" and _PRODUCT_AFTER_RE.match(text[c.end:c.end + 20]):
                c.label = c.cue = "MISC"
            elif c.label == "PER" and " " not in c.text and (
                    _LOC_BEFORE_RE.search(before) and not text.startswith(("'s", "’s"), c.end)
                    or nxt_loc(c)):
                # "à Culham, dans l'Oxfordshire", "Culham in Oxfordshire": a one-word "person" the
                # text places somewhere, or that is itself a place, is a place
                c.label = c.cue = "LOC"
            elif (c.label in ("PER", "MISC", "ORG") and _org_cue(c.text, before, domains, label=c.label)) \
                    or (c.label == "LOC" and _org_cue(c.text, before, domains, strong_only=True)):
                c.label = c.cue = "ORG"
            elif prev is not None and prev.label == "ORG" and (prev.cue or prev.kb_id) and c.label == "MISC" \
                    and _ENUM_RE.fullmatch(text[prev.end:c.start]):
                # "des startups comme Dust, Mirakl et Pigment": the cue covers the whole list
                c.label = c.cue = "ORG"
        prev = c
    cands = [c for c in cands if c.cue or not _lone_first_word(c, doc, cands)]
    for c in cands:
        if c.canonical is None:
            c.canonical = c.text

    # --- one label per canonical in the document
    mentions = [EntityMention(c.text, c.label, c.canonical or c.text, c.start, c.end, c.kb_id)
                if c.surface_start is None or c.label != "PER" else
                EntityMention(text[c.surface_start:c.end], c.label, c.canonical or c.text, c.surface_start, c.end,
                              c.kb_id)
                for c in cands]
    cue_labels: dict[str, Counter] = defaultdict(Counter)
    for c in cands:
        if c.cue:
            cue_labels[c.canonical][c.cue] += 1
    voted = vote_types(mentions, kb)
    for m in mentions:
        if m.kb_id is None and cue_labels.get(m.canonical):
            # a cue seen anywhere in the document is stronger evidence than the model's guesses
            m.label = cue_labels[m.canonical].most_common(1)[0][0]
        else:
            m.label = voted[m.canonical]
    return mentions


# a place is "à X" / "in X" / "near X"; "X, dans l'Oxfordshire" / "X in Oxfordshire" puts X in a place
# (not French "à": "a répondu à Dupont" is a person; "à X, dans ..." is caught by what follows)
_LOC_BEFORE_RE = re.compile(r"(?:^|\s)(?:in|near|près de|aux? environs de)\s*$", re.IGNORECASE)
_LOC_AFTER_RE = re.compile(r",?\s+(?:in|near|dans|en|près de)\s+(?:l['’]|le\s+|la\s+|les\s+|the\s+)?")
_ENUM_RE = re.compile(r"\s*(?:,|,?\s+(?:et|and|und|ou|or|oder))\s+", re.IGNORECASE)
_WEB_SUFFIX_RE = re.compile(r"\.(?:com|fr|io|ai|eu|co|net|org|de|uk)$", re.IGNORECASE)


def _link_domain_names(cands: list[_Cand]) -> None:
    """"Booking" and "Booking.com" in one document are one organisation."""
    full = {normalise(_WEB_SUFFIX_RE.sub("", c.text)): c for c in cands if _WEB_SUFFIX_RE.search(c.text)}
    for c in cands:
        target = full.get(normalise(c.text))
        if target is not None and c is not target and c.canonical is None and c.kb_id is None:
            c.canonical = target.canonical or target.text
            c.kb_id = target.kb_id
            c.label = target.label if target.label != "MISC" else c.label


def _link_short_person_names(cands: list[_Cand], kb: KnowledgeBase) -> None:
    """"Julie" or "Friar" alone -> the full name used elsewhere in the document,
    else a knowledge-base person with that unique surname."""
    full: dict[str, set[str]] = defaultdict(set)  # token -> canonicals of multi-word persons
    for c in cands:
        if c.label == "PER" and len(c.text.split()) >= 2:
            name = c.canonical or c.text
            for tok in c.text.split():
                full[normalise(tok)].add(name)
    for c in cands:
        if c.canonical is not None or c.kb_id is not None or " " in c.text:
            continue
        names = full.get(normalise(c.text), set())
        if len(names) == 1:
            target = names.pop()
            c.canonical, c.label = target, "PER"
            entry = kb.lookup(target)
            if entry is not None:
                c.kb_id = entry.id
        elif c.label == "PER":
            entry = kb.lookup_surname(c.text)
            if entry is not None:
                c.kb_id, c.canonical = entry.id, entry.name


def extract_entities(texts: list[str], lang: str, kb: KnowledgeBase | None = None,
                     batch_size: int = 32, n_process: int = 1, size: str = "md") -> list[list[EntityMention]]:
    """Entity mentions for each text, through `nlp.pipe` (one pipeline per language)."""
    from nlp.models import spacy_pipeline

    kb = kb if kb is not None else KnowledgeBase.default()
    nlp = spacy_pipeline(lang, kb, size=size)
    return [entities_from_doc(doc, kb) for doc in nlp.pipe(texts, batch_size=batch_size, n_process=n_process)]
