"""Enrichment: analyse stored articles in batches and save the results (outside the reactor)."""
from __future__ import annotations

import logging
from collections.abc import Callable

from db.store import Store
from nlp.analyze import Analyzer, Document

log = logging.getLogger(__name__)


def enrich(store: Store, analyzer: Analyzer | None = None, *, batch: int = 64, redo: bool = False,
           progress: Callable[[int], None] | None = None) -> int:
    """Analyse every pending article (all with `redo`); returns how many were analysed.

    Each article's analysis is committed on its own, so an interrupted run resumes where it
    stopped and never stores an analysis twice.
    """
    analyzer = analyzer or Analyzer()
    done = 0
    last_id = 0
    while True:
        rows = [r for r in store.pending(limit=batch, redo=redo, after=last_id)]
        if not rows:
            break
        docs = [Document(text=r["text"], title=r["title"], published=r["published"], lang_hint=r["lang"]) for r in rows]
        for row, analysis in zip(rows, analyzer.analyze_many(docs)):
            store.save_analysis(row["id"], analysis, analysis.sentence_of)
        done += len(rows)
        last_id = rows[-1]["id"]
        if progress:
            progress(len(rows))
    return done
