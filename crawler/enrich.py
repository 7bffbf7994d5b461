"""Enrichment: analyse stored articles in batches and save the results (outside the reactor).

Per batch: the analyzer (NER, linking, dates, amounts; in worker processes when asked), then
the article embeddings (cached by content hash) and the watch-topic scores. After the last
batch the entity base grows and settles: unknown entities named by several sources become
canonical, and each touched entity gets the label voted by all its mentions in the database.

Settling is resumable: each analysis marks its article in `pending_settle` in its own
transaction, and the marks are cleared only once the votes and promotions ran, so a run killed
after its last commit leaves them for the next `veille enrich`, which settles them first.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from db.store import Store
from nlp.analyze import Analyzer, Document

log = logging.getLogger(__name__)


@dataclass
class EnrichReport:
    analysed: int = 0
    on_topic: int = 0
    promoted: list[dict] = field(default_factory=list)
    relabelled: int = 0


def topic_stage(store: Store, topics=None, embedding: str | None = "use"):
    """The `nlp.topics.TopicScorer` for `store`: `topics` (default: the watch topics) scored with
    the `embedding` backend ("use", "st:...") through the database's embedding cache; keywords
    only when `embedding` is None."""
    from nlp.topics import TopicScorer

    embed = None
    if embedding:
        from nlp.embed import embed_cached, get_encoder

        encoder = get_encoder(embedding)

        def embed(texts):
            return embed_cached(store.db, encoder, list(texts))

    return TopicScorer(topics, embed=embed)


def enrich(store: Store, analyzer: Analyzer | None = None, *, batch: int = 64, redo: bool = False,
           progress: Callable[[int], None] | None = None, topics=None,
           kb_path: str | None = None, min_sources: int | None = 3, report: EnrichReport | None = None,
           stop: Callable[[], bool] | None = None) -> int:
    """Analyse every pending article (all with `redo`); returns how many were analysed.

    Each article's analysis and topic scores are committed in one transaction, which also flips
    it to "enriched": an interrupted run resumes where it stopped and never stores anything twice.

    `topics` is an `nlp.topics.TopicScorer` (see `topic_stage`); None: no topic scores.
    `kb_path` is the user's knowledge-base file: with it, entities named by `min_sources`
    distinct sources are promoted to canonical entries there (None: no promotion).
    `stop()` is asked before each batch: True ends the run there, every finished batch kept.
    """
    analyzer = analyzer or Analyzer()
    report = report if report is not None else EnrichReport()
    last_id = 0
    while not (stop and stop()):
        rows = store.pending(limit=batch, redo=redo, after=last_id)
        if not rows:
            break
        _analyse_batch(store, analyzer, rows, topics, report)
        report.analysed += len(rows)
        last_id = rows[-1]["id"]
        if progress:
            progress(len(rows))
    settle(store, analyzer.kb, kb_path, min_sources, report)
    return report.analysed


def _analyse_batch(store: Store, analyzer: Analyzer, rows: list[dict], topics, report: EnrichReport) -> None:
    """Analyse and score one batch; each article committed with its analysis, in its own transaction."""
    docs = [Document(text=r["text"], title=r["title"], published=r["published"], lang_hint=r["lang"]) for r in rows]
    analyses = analyzer.analyze_many(docs)
    scored = {}
    if topics is not None:
        keep = [i for i, a in enumerate(analyses) if not a.skipped]
        results = topics.score([rows[i]["title"] for i in keep], [rows[i]["text"] for i in keep],
                               langs=[analyses[i].lang for i in keep])
        scored = dict(zip(keep, results))
    for i, (row, analysis) in enumerate(zip(rows, analyses)):
        store.save_analysis(row["id"], analysis, analysis.sentence_of, topics=scored.get(i))
        report.on_topic += bool(scored.get(i) and scored[i].on_topic)


def settle(store: Store, kb, kb_path: str | None, min_sources: int | None, report: EnrichReport) -> None:
    """Votes and promotions for every analysed article not settled yet (this run's, and those a
    killed run left), then their marks cleared."""
    articles = store.unsettled()
    if not articles:
        return
    touched: set[int] = set()
    for i in range(0, len(articles), 500):
        touched |= _entity_ids(store, articles[i:i + 500])
    _settle_entities(store, kb, touched, kb_path, min_sources, report)
    store.settled(articles)


def _entity_ids(store: Store, article_ids: list[int]) -> set[int]:
    marks = ",".join("?" * len(article_ids))
    return {r[0] for r in store.db.execute(
        f"SELECT DISTINCT entity_id FROM mentions WHERE article_id IN ({marks})", article_ids)}


def _settle_entities(store: Store, kb, touched: set[int], kb_path: str | None, min_sources: int | None,
                     report: EnrichReport) -> None:
    from db.entity_edits import promote, vote_labels

    # votes first: a promoted entity's knowledge-base type is its stored label, and from then on
    # that type outvotes the mentions, so the label must be the voted one by then
    report.relabelled = vote_labels(store.db, kb, sorted(touched))
    if kb_path and min_sources:
        report.promoted = promote(store.db, kb, kb_path, min_sources, entity_ids=sorted(touched))
    if report.promoted or report.relabelled:
        log.info("entities: %d promoted, %d relabelled by votes", len(report.promoted), report.relabelled)


AUTO_MIN_ARTICLES = 200  # below this, starting workers (a model load each) costs more than it saves


def worker_count(setting, pending: int) -> int:
    """Processes for enrichment from the `processes` setting ("auto" or a number) and the work waiting."""
    if setting in (None, "auto"):
        import os

        return min(os.cpu_count() or 1, 4) if pending >= AUTO_MIN_ARTICLES else 1
    try:
        n = int(setting)
    except (TypeError, ValueError):
        raise ValueError(f"processes must be 'auto' or a whole number, got {setting!r}") from None
    if n < 1:
        raise ValueError(f"processes must be at least 1, got {n}")
    return n


def run_enrichment(store: Store, *, model_size: str, batch_size: int, processes, embedding: str | None,
                   topics=None, redo: bool = False, progress: Callable[[int], None] | None = None,
                   analyzer: Analyzer | None = None, scorer=None,
                   stop: Callable[[], bool] | None = None) -> EnrichReport:
    """Enrichment as the CLI runs it: the database's knowledge base (packaged plus user edits),
    `topics` (parsed `nlp.topics.Topic`s; None: the defaults) scored with the `embedding` backend,
    `processes` worker processes ("auto" or a number, see `worker_count`).

    A long-running caller (`veille watch`) passes the `analyzer` and topic `scorer` it keeps
    loaded: they are used as they are and left open, so no model loads again.
    """
    from db.entity_edits import load_kb, replay_edits, user_kb_path

    replay_edits(store.db, store.path)  # an edit killed between its log line and its rows
    if analyzer is not None:
        report = EnrichReport()
        enrich(store, analyzer, batch=max(batch_size, 8 * analyzer.n_process), redo=redo, progress=progress,
               topics=scorer if scorer is not None else topic_stage(store, topics, embedding),
               kb_path=str(user_kb_path(store.path)), report=report, stop=stop)
        return report
    kb = load_kb(store.path)
    pending = store.db["articles"].count if redo else store.count_pending()
    n = worker_count(processes, pending)
    report = EnrichReport()
    with Analyzer(kb, size=model_size, n_process=n, batch_size=batch_size) as analyzer:
        scorer = topic_stage(store, topics, embedding)
        enrich(store, analyzer, batch=max(batch_size, 8 * n), redo=redo, progress=progress,
               topics=scorer, kb_path=str(user_kb_path(store.path)), report=report, stop=stop)
    return report
