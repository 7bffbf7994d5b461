"""Named entities of a document, typed with our labels and linked to the KB.

`entities_from_doc` runs five steps on one spaCy doc, one function each:
1. `_candidates`: the ruler's knowledge-base matches and the model's entities, mapped to
   PER / ORG / LOC / PROG / MISC (dates and amounts are another module's job, nationalities
   are not actors); where the language data asks for it (languages whose model does not find
   them), company names ending in a legal form (GmbH, S.p.A., sp. z o.o.) are added by rule;
2. `_clean`: leading articles, possessive 's, titles and edge punctuation removed; junk
   (single characters, numbers, lower-case words, capitalised common words) dropped;
3. `_link`: exact normalised alias, then acronym/expansion pairs defined in the document,
   then a person's short name used earlier or later in full ("Friar" -> "Sarah Friar"), then
   a known surname, then a conservative fuzzy match (rapidfuzz ratio >= 92);
4. `_type_by_cues`: the knowledge-base type wins; otherwise the ordered cue rules of
   `nlp.entity_cues.CUE_RULES` ("la startup X", "X GmbH", "le programme X", "près de X")
   correct the model; a ministry noun and its portfolio ("ministère de la Culture",
   "Ministerium für Bildung") make one organisation (`_ministries`);
5. `_vote`: one label per canonical in the document, by `vote_types`;
6. `add_repeats` (`nlp.entity_repeats`): the untagged repeats of a name found, a person's
   surname alone too, become mentions of it.
The words behind the cues are data: the `[entities]` section of each language file.
"""
from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from nlp.acronyms import acronym_pairs
from nlp.entity_cues import CueContext, Cues, apply_cue_rules, cues_for, ends_with_cue
from nlp.entity_repeats import add_repeats
from nlp.entity_shape import (
    Cand,
    clean_mention,
    common_words,
    extend_left,
    extend_name,
    free_word,
    headline,
    in_capitals,
    is_common_phrase,
    is_junk,
    legal_form_names,
    line_initial,
    lone_first_word,
    strip_roles,
    strip_sentence_initial,
    strip_titles,
    strip_trailing_numbers,
    unconfirmed_headline_name,
)
from nlp.kb import KnowledgeBase, is_acronym, normalise
from nlp.types import EntityMention

if TYPE_CHECKING:
    from spacy.tokens import Doc

__all__ = ["LABEL_MAP", "clean_mention", "entities_from_doc", "extract_entities", "is_junk", "map_label",
           "strip_titles", "vote_types"]

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
# tie-break when votes are equal: the label that is most often right for names
_LABEL_PRIORITY = {"ORG": 0, "PER": 1, "LOC": 2, "PROG": 3, "MISC": 4}
_DOMAIN_RE = re.compile(r"(?:@|https?://(?:www\.)?|www\.)([a-z0-9][a-z0-9-]{1,62})\.[a-z]{2,}", re.IGNORECASE)
_WEB_SUFFIX_RE = re.compile(r"\.(?:com|fr|io|ai|eu|co|net|org|de|uk)$", re.IGNORECASE)


def map_label(label: str) -> str | None:
    """Model label -> ours (None: not kept)."""
    return LABEL_MAP.get(label, "MISC")


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



def _org_cue(text: str, before: str, domains: set[str], cues: Cues, strong_only: bool = False,
             label: str | None = None, shouting: bool = False) -> bool:
    """Does the shape or context of a name say organisation? Strong cues (a legal
    suffix, a company noun before it, its own domain name) may even overrule
    the model's LOC; an all-caps acronym only overrules PER and MISC. Weak cues
    ("chez": "chez OpenAI" but also "chez Paul Morand") never overrule a
    several-word PER."""
    words = text.split()
    if len(words) > 1 and words[-1].lower() in cues.org_suffixes:
        return True
    if normalise(text).replace(" ", "") in domains:
        return True
    before_cues = cues.org_before_strong if label == "PER" and len(words) > 1 else cues.org_before
    if ends_with_cue(before, before_cues) or cues.org_list_re.search(before):
        return True
    # in a line in capitals ("HENKE TAKES LEAD") every word looks like an acronym
    return not strong_only and not shouting and is_acronym(text) and text not in cues.acronym_stop \
        and 2 <= len(text) <= 6 and text.isalpha()


# ------------------------------------------------------------------ step 1: candidates
def _candidates(doc: Doc, text: str, cues: Cues) -> list[Cand]:
    """The ruler's and the model's entities, with names the ruler or the model cut short mended."""
    ents = list(doc.ents)
    cands: list[Cand] = []
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
                    and doc[ent.end - 1].whitespace_ == " " and not headline(ent.sent)):
                # "EU" + "Economic Blueprint 2.0": the ruler's match cut the model's name in two
                end_tok, label, kb_id = nxt.end, map_label(nxt.label_), None
                i += 1
            elif label == "ORG":
                end_tok = extend_name(doc, ent, cues)
                if end_tok != ent.end:
                    kb_id = None  # "OpenAI Academy" is not OpenAI
        elif not kb_id:
            start_tok = extend_left(doc, ent, cues)
            # the model sometimes runs over a full stop ("sur X. Le ministre"): keep the last sentence's part
            for j in range(end_tok - 1, start_tok, -1):
                if doc[j].is_sent_start:
                    start_tok = j
                    break
        span = doc[start_tok:end_tok]
        cands.append(Cand(span.start_char, span.end_char, span.text, label, kb_id))
    if cues.legal_form_rule:
        cands = legal_form_names(cands, text, cues)
    cands = _ministries(cands, text, cues)
    return sorted(cands + _cued_names(doc, cands, text, cues), key=lambda c: c.start)


def _cued_names(doc: Doc, cands: list[Cand], text: str, cues: Cues) -> list[Cand]:
    """"le parti Kadima", "the broadcaster Channel Nine": capitalised words the model left
    unlabelled right after a strong organisation cue. Not in capitals-only lines (headlines),
    not at the start of a line."""
    taken = [(c.start, c.end) for c in cands]
    out: list[Cand] = []
    i = 0
    while i < len(doc):
        tok = doc[i]
        i += 1
        if tok.ent_type or not free_word(tok, cues) or line_initial(tok) or tok.text in cues.acronym_stop:
            continue
        if not ends_with_cue(_preceding(text, tok.idx), cues.org_before_strong) or in_capitals(tok.sent):
            continue
        end = tok.i + 1
        while (end < len(doc) and end - tok.i < 3 and doc[end - 1].whitespace_ == " " and not doc[end].is_sent_start
               and free_word(doc[end], cues)):
            end += 1
        span = doc[tok.i:end]
        if not any(s < span.end_char and span.start_char < e for s, e in taken):
            out.append(Cand(span.start_char, span.end_char, span.text, "ORG", None, cue="ORG"))
        i = end
    return out


def _ministries(cands: list[Cand], text: str, cues: Cues) -> list[Cand]:
    """"ministère de la Transition écologique": the model often tags only the portfolio ("Transition
    écologique", MISC) or nothing; the ministry noun and its portfolio make one organisation. A
    knowledge-base match inside, or a name running across the edge, wins."""
    for m in cues.ministry_re.finditer(text):
        s, e = m.span()
        inside = [c for c in cands if c.start < e and s < c.end]
        if any(c.kb_id or c.start < s or c.end > e for c in inside):
            continue
        cands = [c for c in cands if c not in inside]
        cands.append(Cand(s, e, m.group(), "ORG", None, cue="ORG"))
    return cands


# ------------------------------------------------------------------ step 2: cleaning
def _clean(cands: list[Cand], doc: Doc, text: str, kb: KnowledgeBase, cues: Cues, domains: set[str]) -> list[Cand]:
    """Mentions trimmed to the name (titles kept apart), non-names dropped. `text` is
    `doc.text`, passed along because spaCy rebuilds that string on every access."""
    common = common_words(doc)
    kept: list[Cand] = []
    for c in cands:
        if c.kb_id is None:
            strip_sentence_initial(c, doc, common, cues)
        first = doc.char_span(c.start, c.end, alignment_mode="expand")
        keep = kb.lookup(c.text) is not None or (first is not None and not line_initial(first[0]))
        c.text, c.start, c.end = clean_mention(c.text, c.start, keep_capital_article=keep, cues=cues)
        if cues.legal_form_rule and c.text and text.startswith(".", c.end) \
                and f"{c.text.split()[-1]}.".lower() in cues.org_suffixes:
            c.text, c.end = c.text + ".", c.end + 1  # "S.A." keeps the full stop cleaning took for punctuation
        if c.label in ("PER", "LOC") and c.kb_id is None:
            c.text, c.start, c.end = strip_trailing_numbers(c.text, c.start)
        if c.label == "PER" and c.kb_id is None:
            c.text, c.start, c.end = strip_roles(c.text, c.start, cues)
            # the name without "M." or "général" is what links; the mention keeps its title
            surface_start = c.start
            c.text, c.start, c.end = strip_titles(c.text, c.start, cues)
            if c.start != surface_start:
                c.surface_start = surface_start
        if c.text and (c.kb_id is not None or kb.lookup(c.text) is not None or not _not_a_name(c, doc, text, cues,
                                                                                               common, domains)):
            kept.append(c)
    return kept


def _not_a_name(c: Cand, doc: Doc, text: str, cues: Cues, common: frozenset[str], domains: set[str]) -> bool:
    """Junk (a place headed by a lower-case noun aside: "mer de Béring"), a stop acronym, a
    nationality plus a generic word, an unconfirmed name in a title-case headline, or a
    capitalised common phrase without a cue."""
    if is_junk(c.text, cues) and not (c.label == "PER" and cues.particle_name_re.fullmatch(c.text)
                                      or c.label == "LOC" and cues.place_head_re.match(c.text)):
        return True
    if c.text in cues.acronym_stop or cues.generic_re.fullmatch(c.text) or unconfirmed_headline_name(c, doc):
        return True
    return is_common_phrase(c, doc, common, cues) and not _org_cue(c.text, _preceding(text, c.start), domains,
                                                                   cues)


# ------------------------------------------------------------------ step 3: linking
def _link(cands: list[Cand], kb: KnowledgeBase, text: str) -> None:
    """Link to the knowledge base: alias, in-document acronym pair, short name, domain, fuzzy."""
    pair_map: dict[str, str] = {}
    for acro, expansion in acronym_pairs(text):
        pair_map[acro] = expansion
        pair_map[normalise(expansion)] = acro
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


# ------------------------------------------------------------------ step 4: cue rules
def _type_by_cues(cands: list[Cand], doc: Doc, text: str, cues: Cues, domains: set[str]) -> list[Cand]:
    """The cue rules, in order, on every name the knowledge base does not know; then, where the
    language's data file asks for it, drop a lone sentence-initial "person" nothing supports."""
    starts = {c.start: c for c in cands}
    prev: Cand | None = None
    for c in cands:
        if c.kb_id is None:
            before = _preceding(text, c.start)
            span = doc.char_span(c.start, c.end, alignment_mode="expand")
            loud = span is not None and c.text.isupper() and in_capitals(span.sent)
            m = cues.place_after_re.match(text, c.end)
            after_cand = starts.get(m.end()) if m else None
            ctx = CueContext(
                label=c.label, text=c.text, words=1 if " " not in c.text else 2, before=before,
                after=text[c.end:c.end + 60],
                org_shaped=lambda strong, c=c, before=before, loud=loud: _org_cue(c.text, before, domains, cues, strong, c.label,
                                                                       loud),
                next_is_place=after_cand is not None and after_cand.label == "LOC",
                prev_org_cued=(prev is not None and prev.label == "ORG" and bool(prev.cue or prev.kb_id)
                               and cues.enum_re.fullmatch(text[prev.end:c.start]) is not None),
                cues=cues)
            label = apply_cue_rules(ctx)
            if label is not None:
                c.label = c.cue = label
        prev = c
    return [c for c in cands if not cues.lone_first_word_rule or c.cue or not lone_first_word(c, doc, cands)]


# ------------------------------------------------------------------ step 5: one label per name
def _vote(cands: list[Cand], text: str, kb: KnowledgeBase) -> list[EntityMention]:
    """Mentions with one label per canonical: a cue seen anywhere in the document is
    stronger evidence than the model's guesses, and the knowledge base beats both."""
    for c in cands:
        if c.canonical is None:
            c.canonical = c.text
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
            m.label = cue_labels[m.canonical].most_common(1)[0][0]
        else:
            m.label = voted[m.canonical]
    return mentions


def entities_from_doc(doc: Doc, kb: KnowledgeBase | None = None, *, drop_misc: bool = False) -> list[EntityMention]:
    """Typed, cleaned and linked entity mentions of a processed doc.

    `drop_misc`: drop MISC names that neither the knowledge base nor a cue types (set for
    veille's trained pipelines, whose MISC is a grab bag; see `nlp.models`)."""
    kb = kb if kb is not None else KnowledgeBase.default()
    cues = cues_for(doc.lang_)
    text = doc.text  # built from the tokens on each access: read once
    domains = {m.group(1).lower().replace("-", "") for m in _DOMAIN_RE.finditer(text)}
    cands = _clean(_candidates(doc, text, cues), doc, text, kb, cues, domains)
    _link(cands, kb, text)
    cands = _type_by_cues(cands, doc, text, cues, domains)
    if drop_misc:
        cands = [c for c in cands if c.label != "MISC" or c.kb_id is not None]
    return add_repeats(_vote(cands, text, kb), text, cues)


def _link_domain_names(cands: list[Cand]) -> None:
    """"Booking" and "Booking.com" in one document are one organisation."""
    full = {normalise(_WEB_SUFFIX_RE.sub("", c.text)): c for c in cands if _WEB_SUFFIX_RE.search(c.text)}
    for c in cands:
        target = full.get(normalise(c.text))
        if target is not None and c is not target and c.canonical is None and c.kb_id is None:
            c.canonical = target.canonical or target.text
            c.kb_id = target.kb_id
            c.label = target.label if target.label != "MISC" else c.label


def _link_short_person_names(cands: list[Cand], kb: KnowledgeBase) -> None:
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
    from nlp.models import layers, spacy_pipeline

    kb = kb if kb is not None else KnowledgeBase.default()
    nlp = spacy_pipeline(lang, kb, size=size)
    drop = layers(nlp)["drop_misc"]
    return [entities_from_doc(doc, kb, drop_misc=drop) for doc in nlp.pipe(texts, batch_size=batch_size,
                                                                           n_process=n_process)]
