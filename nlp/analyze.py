"""One document in, one `Analysis` out: language, entities, dates and amounts.

Models are loaded once per process and documents go through `nlp.pipe` in batches, grouped
by language, so analysing a thousand articles costs one model load.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from nlp.language import ANALYSED, detect
from nlp.types import Analysis

log = logging.getLogger(__name__)


@dataclass
class Document:
    text: str
    title: str | None = None
    published: str | None = None  # ISO date; anchors relative dates
    author: str | None = None
    lang: str | None = None  # forced language; detected when None
    lang_hint: str | None = None  # used only when detection is unsure


def _anchor(published: str | None) -> date | None:
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


class Analyzer:
    """Holds the knowledge base and the per-language pipelines for a batch of documents."""

    def __init__(self, kb=None, *, size: str = "md", n_process: int = 1, batch_size: int = 32):
        from nlp.kb import default_kb

        self.kb = kb if kb is not None else default_kb()
        self.size = size
        self.n_process = n_process
        self.batch_size = batch_size

    def analyze(self, doc: Document) -> Analysis:
        return self.analyze_many([doc])[0]

    def analyze_many(self, docs: list[Document]) -> list[Analysis]:
        from nlp.amounts import find_amounts
        from nlp.dates import find_dates
        from nlp.entities import entities_from_doc
        from nlp.models import spacy_pipeline

        results: list[Analysis | None] = [None] * len(docs)
        by_lang: dict[str, list[int]] = defaultdict(list)
        for i, d in enumerate(docs):
            lang = d.lang or detect(d.text, hint=d.lang_hint)
            base = Analysis(lang=lang, title=d.title, published=d.published, author=d.author, text=d.text)
            results[i] = base
            if not d.text.strip():
                base.skipped = "empty text"
            elif lang not in ANALYSED:
                base.skipped = f"language {lang or 'unknown'} is not analysed (supported: {', '.join(ANALYSED)})"
            else:
                by_lang[lang].append(i)

        for lang, idx in by_lang.items():
            nlp = spacy_pipeline(lang, kb=self.kb, size=self.size)
            texts = [docs[i].text for i in idx]
            spacy_docs = nlp.pipe(texts, batch_size=self.batch_size, n_process=self.n_process)
            for i, sdoc in zip(idx, spacy_docs):
                res = results[i]
                anchor = _anchor(docs[i].published)
                res.entities = entities_from_doc(sdoc, self.kb)
                res.dates = find_dates(res.text, lang, anchor)
                res.amounts = find_amounts(res.text, lang, anchor)
                res.sentence_starts = [s.start_char for s in sdoc.sents] if sdoc.has_annotation("SENT_START") else [0]
        return results  # type: ignore[return-value]
