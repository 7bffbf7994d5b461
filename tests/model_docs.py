"""Docs whose entities are given, as if a statistical model had found them: the entity stage's
tests feed its rules exactly the model output they are about."""
from __future__ import annotations


def doc_with_ents(nlp, text: str, ents: list[tuple[str, str]]):
    """`nlp(text)` with `ents` (surface, label), in order of appearance, as its entities."""
    doc = nlp(text)
    spans, pos = [], 0
    for surface, label in ents:
        start = text.index(surface, pos)
        pos = start + len(surface)
        spans.append(doc.char_span(start, pos, label=label))
    assert all(s is not None for s in spans), "entity not aligned on tokens"
    doc.ents = spans
    return doc
