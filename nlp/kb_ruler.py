"""The knowledge base's phrase ruler: known names labelled and linked in a Doc.

It matches as spaCy's `entity_ruler` with phrase patterns on ORTH does: every occurrence of a
pattern's token sequence is a match; the longest matches go first, then the earliest; a match
that touches one already taken is dropped. A model entity that overlaps a match is replaced by
it (`overwrite_ents`), except one that strictly contains a match with more name words around
it: that one names something larger than the known name (a club named after its city, a bank
after its country: "Real Madrid", "Bank of Canada") and is kept whole, unlinked, while the
match inside it is dropped. It differs from entity_ruler in how it is built. entity_ruler tokenises its patterns in
every process that builds it: about 10,400 per language, 0.6 s of CPU each time a language is
loaded, 5 s for the eight in each test worker, enrichment worker or `veille analyze`. Here the
patterns' token ids are kept in veille's cache directory (`nlp.caches`), keyed by the spaCy
version, the tokenizer's own bytes and the patterns, so only the first process on a machine
tokenises them; matching looks token-id sequences up in a dict.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc, Span

FACTORY = "veille_kb_ruler"


class KbRuler:
    """A pipeline component; `set_patterns` gives it the knowledge base's phrase patterns
    (dicts with "label", "pattern" and "id", as `KnowledgeBase.ruler_patterns` makes them)."""

    def __init__(self, nlp: Language, name: str = FACTORY):
        self.name = name
        self._nlp = nlp
        self._phrases: dict[tuple[int, ...], tuple[str, str]] = {}
        self._longest: dict[int, int] = {}  # first token id -> most tokens a phrase has from there

    def set_patterns(self, patterns: Sequence[dict]) -> None:
        phrases: dict[tuple[int, ...], tuple[str, str]] = {}
        longest: dict[int, int] = {}
        for pattern, orths in zip(patterns, self._token_ids([p["pattern"] for p in patterns]), strict=True):
            if not orths:
                continue
            # the first pattern for a token sequence keeps it (the knowledge base makes none twice)
            phrases.setdefault(orths, (pattern["label"], pattern.get("id") or ""))
            longest[orths[0]] = max(longest.get(orths[0], 0), len(orths))
        self._phrases, self._longest = phrases, longest

    def _token_ids(self, texts: list[str]) -> list[tuple[int, ...]]:
        import spacy

        from nlp.caches import cache_file, cached_object

        tokenizer = self._nlp.tokenizer
        digest = hashlib.sha256(tokenizer.to_bytes(exclude=["vocab"]))  # its rules; the vocab is not read
        digest.update("\0".join(texts).encode())
        # one kind per language: a few files each (French md and sm, a knowledge base just edited)
        path = cache_file(f"kb-ruler-{self._nlp.lang}", f"{spacy.__version__}|{len(texts)}|{digest.hexdigest()}",
                          ".pickle")
        def tokenise() -> list[tuple[int, ...]]:
            return [tuple(t.orth for t in doc) for doc in tokenizer.pipe(texts)]

        ids = cached_object(path, tokenise, keep=4)
        if not isinstance(ids, list) or len(ids) != len(texts):  # a file that loads but is not ours
            ids = tokenise()
        return ids

    def matches(self, doc: Doc) -> list[tuple[int, int, tuple[str, str]]]:
        """Every (start, end, (label, id)), longest first, then by start."""
        orths = doc.to_array(ORTH).tolist()
        found = []
        phrases, longest = self._phrases, self._longest
        for start, orth in enumerate(orths):
            most = longest.get(orth)
            if most is None:
                continue
            for end in range(start + 1, min(len(orths), start + most) + 1):
                hit = phrases.get(tuple(orths[start:end]))
                if hit is not None:
                    found.append((start, end, hit))
        found.sort(key=lambda m: (m[0] - m[1], m[0]))
        return found

    def taken(self, doc: Doc) -> list[Span]:
        """The matches that hold, as labelled and linked spans."""
        taken: list[Span] = []
        seen: set[int] = set()
        for start, end, (label, eid) in self.matches(doc):
            # entity_ruler's test: neither end of the match is inside a longer or earlier match
            if start in seen or end - 1 in seen:
                continue
            taken.append(Span(doc, start, end, label=label, span_id=eid))
            seen.update(range(start, end))
        return taken

    def __call__(self, doc: Doc) -> Doc:
        from spacy.pipeline.span_ruler import prioritize_new_ents_filter

        model = list(doc.ents)
        taken = self.taken(doc)
        outer = [e for e in model if any(e.start <= m.start and m.end <= e.end and len(e) > len(m)
                                         and _name_words(e, m) for m in taken)]
        free = [m for m in taken if not any(e.start < m.end and m.start < e.end for e in outer)]
        inner = [e for e in model if e not in outer]
        doc.ents = sorted(outer + prioritize_new_ents_filter(inner, free), key=lambda s: s.start)
        return doc


def _name_words(entity: Span, match: Span) -> bool:
    """The words `entity` adds around `match` make a longer name: capitalised, with at most
    short linking words between them ("Santé Canada", "Stade de Reims", "Bank of Canada"),
    not a run into the sentence ("Commission européenne finance à hauteur")."""
    extra = [t for t in entity if not match.start <= t.i < match.end]
    edges = {entity.start, entity.end - 1}
    return all(t.is_title or t.is_upper or not t.is_alpha or (len(t) <= 3 and t.i not in edges) for t in extra)


def _make(nlp: Language, name: str) -> KbRuler:
    return KbRuler(nlp, name)


def register() -> None:
    if FACTORY not in Language.factories:
        Language.factory(FACTORY, func=_make)
