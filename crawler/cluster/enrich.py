"""`veille cluster enrich`: an enrichment worker, one consumer of the enrich stream's `enrich` group.

It loads the models once (as `veille enrich` does), takes batches of stored articles, analyses
them exactly as `crawler.enrich.enrich` would (the same Analyzer, the same topic scorer), and
sends each analysis, its topic scores and the embedding vectors it computed to the analyses
stream; the writer saves them. A batch is acknowledged once its analyses are in that stream.
A worker that dies leaves its batch pending; another takes it over after `lease` seconds.
The knowledge base is the one the writer published when it started (user edits included).
"""
from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass

from crawler.cluster import GROUPS, Keys, drop, ensure_group, heartbeat
from crawler.cluster.messages import analysis_fields

log = logging.getLogger(__name__)
GROUP = GROUPS["enrich"]


@dataclass
class EnrichWorkerReport:
    analysed: int = 0
    reclaimed: int = 0


class _Embeddings:
    """The encoder behind the topic scorer, remembering what it computed since the last message.

    `crawler.enrich.topic_stage` caches vectors in the database; a worker has none, so it keeps
    a bounded cache of its own and ships new vectors to the writer's cache table.
    """

    LIMIT = 20_000

    def __init__(self, encoder):
        self.encoder = encoder
        self.cache: dict[str, object] = {}
        self.new: dict[str, tuple[str, bytes]] = {}

    def __call__(self, texts):
        import numpy as np

        from nlp.embed import text_key

        keys = [text_key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self.cache))
        if missing:
            first = {k: texts[keys.index(k)] for k in missing}
            vecs = self.encoder.encode([first[k] for k in missing])
            if len(self.cache) > self.LIMIT:
                self.cache.clear()
            for k, v in zip(missing, vecs):
                self.cache[k] = v
                self.new[k] = (self.encoder.name, v.tobytes())
        if not keys:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.vstack([self.cache[k] for k in keys])

    def take(self) -> dict[str, tuple[str, bytes]]:
        new, self.new = self.new, {}
        return new


def _load_kb(client, keys: Keys):
    from nlp.kb import KnowledgeBase

    published = client.get(keys.kb)
    if not published:
        return KnowledgeBase.load()
    with tempfile.NamedTemporaryFile("wb", suffix=".kb.jsonl") as fh:
        fh.write(published)
        fh.flush()
        return KnowledgeBase.load(fh.name)


class EnrichWorker:
    def __init__(self, client, keys: Keys, name: str, *, model_size: str = "md", batch: int = 64,
                 embedding: str | None = "use", topics=None, lease: float = 600.0):
        self.r, self.keys, self.name = client, keys, name
        self.model_size, self.batch, self.embedding, self.topics = model_size, batch, embedding, topics
        self.lease = lease
        self.report = EnrichWorkerReport()

    def run(self, *, until_empty: bool = False, max_seconds: float | None = None) -> EnrichWorkerReport:
        from nlp.analyze import Analyzer
        from nlp.topics import TopicScorer

        ensure_group(self.r, self.keys.enrich, GROUP)
        deadline = time.monotonic() + max_seconds if max_seconds else None
        embed = None
        if self.embedding:
            from nlp.embed import get_encoder

            embed = _Embeddings(get_encoder(self.embedding))
        with Analyzer(_load_kb(self.r, self.keys), size=self.model_size, n_process=1,
                      batch_size=self.batch) as analyzer:
            scorer = TopicScorer(self.topics, embed=embed)
            while True:
                heartbeat(self.r, self.keys, "enrich", self.name, self.lease)
                entries = self._take()
                if entries:
                    self._analyse(analyzer, scorer, embed, entries)
                elif until_empty and self.r.xlen(self.keys.enrich) == 0:
                    return self.report
                if deadline and time.monotonic() > deadline:
                    return self.report

    def _take(self) -> list:
        _next, claimed, *_ = self.r.xautoclaim(self.keys.enrich, GROUP, self.name, int(self.lease * 1000),
                                               start_id="0-0", count=self.batch)
        entries = [(i, f) for i, f in claimed if f]
        self.report.reclaimed += len(entries)
        if not entries:
            got = self.r.xreadgroup(GROUP, self.name, {self.keys.enrich: ">"}, count=self.batch, block=1000)
            entries = [(i, f) for _s, es in got or [] for i, f in es if f]
        return entries

    def _analyse(self, analyzer, scorer, embed, entries: list) -> None:
        from nlp.analyze import Document

        rows = [json.loads(f[b"data"]) for _, f in entries]
        docs = [Document(text=r["text"], title=r["title"], published=r["published"], lang_hint=r["lang"])
                for r in rows]
        analyses = analyzer.analyze_many(docs)
        keep = [i for i, a in enumerate(analyses) if not a.skipped]
        scored = dict(zip(keep, scorer.score([rows[i]["title"] for i in keep], [rows[i]["text"] for i in keep])))
        pipe = self.r.pipeline(transaction=True)
        for i, (row, analysis) in enumerate(zip(rows, analyses)):
            vectors = embed.take() if embed is not None else {}
            pipe.xadd(self.keys.analyses, analysis_fields(row["id"], analysis, scored.get(i), vectors))
        pipe.execute()
        drop(self.r, self.keys.enrich, GROUP, [i for i, _ in entries])
        self.report.analysed += len(rows)
