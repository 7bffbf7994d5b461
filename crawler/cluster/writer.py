"""`veille cluster store`: the one writer, the only process that opens the SQLite file.

Loop: read a batch from the articles and analyses streams (consumer group `writer`), commit
its effect, and only then acknowledge it and add the stored URL keys to Redis's set. A writer
killed between the commit and the acknowledgement finds the batch pending on restart (it
reads its own pending entries first, with id 0) and stores it again, which changes nothing:
articles are unique by URL key, an analysis replaces the previous one, and finished-source
reports (which add to running totals) are applied once thanks to a mark committed with them.
One writer at a time: a lock key with a lease, renewed while it runs.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass

from crawler.cluster import GROUPS, WRITER_BATCH, ClusterError, Keys, drop, ensure_group, heartbeat, text
from crawler.cluster.messages import new_article, read_analysis
from db.cluster_state import get_state, new_articles_after, set_state, stored_keys, stream_id
from db.store import Store

log = logging.getLogger(__name__)
GROUP = GROUPS["articles"]
CRASH_HOOK = "VEILLE_TEST_WRITER_EXIT_AFTER_COMMIT"  # tests: die between commit and acknowledgement


@dataclass
class WriterReport:
    stored: int = 0
    duplicates: int = 0
    already_stored: int = 0
    sources: int = 0
    analyses: int = 0
    queued_for_enrich: int = 0


class _Within:
    """A store whose `transaction()` is the one already open: lets helpers that open their own
    (source health, validators) write inside the writer's transaction."""

    def __init__(self, store: Store, conn):
        self.db, self.path, self._conn = store.db, store.path, conn

    def transaction(self):
        return contextlib.nullcontext(self._conn)


class Writer:
    def __init__(self, client, keys: Keys, db_path: str, *, name: str = "writer", batch: int = WRITER_BATCH,
                 lease: float = 30.0, enrich: bool = True, enrich_backlog: int = 5000, min_sources: int = 3):
        self.r, self.keys, self.db_path, self.name = client, keys, db_path, name
        self.batch, self.lease, self.enrich, self.enrich_backlog = batch, lease, enrich, enrich_backlog
        self.min_sources = min_sources
        self.token = f"{name}:{uuid.uuid4().hex[:8]}"
        self.report = WriterReport()
        self.store: Store | None = None
        self.kb = None
        self.block_ms = 1000

    # -- life cycle ---------------------------------------------------------------------------

    def run(self, *, until_empty: bool = False, max_seconds: float | None = None) -> WriterReport:
        """Write until stopped; with `until_empty`, until nothing is left to store (or being analysed)."""
        deadline = time.monotonic() + max_seconds if max_seconds else None
        # a writer that stops once the streams are empty must not sit out a long blocking read first
        self.block_ms = 100 if until_empty else 1000
        self._lock()
        self.store = Store(self.db_path)
        try:
            for key in (self.keys.articles, self.keys.analyses):
                ensure_group(self.r, key, GROUP)
                self._adopt(key)
            ensure_group(self.r, self.keys.enrich, GROUPS["enrich"])
            self._seed_stored()
            self._publish_kb()
            while self._step("0"):  # our own pending entries first: a batch we may have committed
                self._renew()
            while True:
                self._renew()
                got = self._step(">")
                self._feed_enrich()
                if not got and until_empty and not self._incoming():
                    return self.report
                if deadline and time.monotonic() > deadline:
                    return self.report
        finally:
            self.store.close()
            self._unlock()

    def _lock(self) -> None:
        waited = time.monotonic()
        while not self.r.set(self.keys.writer_lock, self.token, nx=True, px=int(self.lease * 1000)):
            if time.monotonic() - waited > 2 * self.lease:
                holder = text(self.r.get(self.keys.writer_lock) or b"?")
                raise ClusterError(f"another writer ({holder}) holds the cluster: one writer per database")
            time.sleep(0.2)  # a writer that died holds the lock until its lease ends

    def _renew(self) -> None:
        heartbeat(self.r, self.keys, "writer", self.name, self.lease)
        if self.r.get(self.keys.writer_lock) != self.token.encode():
            raise ClusterError("the writer lost its lock (stalled longer than its lease): stopping")
        self.r.pexpire(self.keys.writer_lock, int(self.lease * 1000))

    def _unlock(self) -> None:
        if self.r.get(self.keys.writer_lock) == self.token.encode():
            self.r.delete(self.keys.writer_lock)

    def _adopt(self, stream: str) -> None:
        """Take over entries pending with a writer of another name (we hold the lock: it is dead)."""
        start = "0-0"
        while True:
            start, claimed, *_ = self.r.xautoclaim(stream, GROUP, self.name, 0, start_id=start, count=1000)
            if stream_id(start) == (0, 0):
                return

    def _incoming(self) -> int:
        """Work still on its way to us (with enrichment on, the articles being analysed too)."""
        n = self.r.xlen(self.keys.articles) + self.r.xlen(self.keys.analyses)
        return n + (self.r.xlen(self.keys.enrich) if self.enrich else 0)

    def _seed_stored(self) -> None:
        """Redis's set of stored URL keys from the database: a new or flushed Redis knows what is stored."""
        after = 0
        while rows := stored_keys(self.store.db, after):
            self.r.sadd(self.keys.stored, *[k for _, k in rows])
            after = rows[-1][0]
            self._renew()  # a big database takes a while: keep the lock

    def _publish_kb(self) -> None:
        """The user's knowledge-base file, for enrich workers on other machines (read when they start)."""
        from db.entity_edits import load_kb, user_kb_path

        self.kb = load_kb(self.db_path)
        path = user_kb_path(self.db_path)
        if path.exists():
            self.r.set(self.keys.kb, path.read_bytes())

    # -- one batch ------------------------------------------------------------------------------

    def _step(self, start: str) -> int:
        got = self.r.xreadgroup(GROUP, self.name, {self.keys.articles: start, self.keys.analyses: start},
                                count=self.batch, block=None if start == "0" else self.block_ms)
        n = 0
        for stream, entries in got or []:
            gone = [i for i, f in entries if not f]  # pending, but deleted from the stream: nothing to do
            if gone:
                self.r.xack(stream, GROUP, *gone)
            entries = [(i, f) for i, f in entries if f]
            n += len(gone) + len(entries)
            if not entries:
                continue
            if text(stream) == self.keys.articles:
                self._articles(entries)
            else:
                self._analyses(entries)
        return n

    def _articles(self, entries: list) -> None:
        arts = [new_article(json.loads(f[b"data"])) for _, f in entries if f[b"kind"] == b"article"]
        reports = [(i, json.loads(f[b"data"])) for i, f in entries if f[b"kind"] == b"source"]
        for stored in self.store.add_articles(arts) if arts else []:
            if not stored.created:
                self.report.already_stored += 1
                continue
            self.report.stored += 1
            self.report.duplicates += bool(stored.duplicate_of or stored.demoted)
        validators = self._source_reports(reports)
        if os.environ.get(CRASH_HOOK) and arts:
            os._exit(3)
        pipe = self.r.pipeline(transaction=False)
        if arts:
            pipe.sadd(self.keys.stored, *[a.url_key for a in arts])
        if validators:
            pipe.hset(self.keys.validators, mapping={u: json.dumps(v) for u, v in validators.items()})
        pipe.execute()
        drop(self.r, self.keys.articles, GROUP, [i for i, _ in entries])

    def _source_reports(self, reports: list) -> dict:
        """Save the health and validators of finished sources, each report once; returns the validators."""
        from db.health import SourceRun, finish_run, save_health, save_validators, start_run

        applied = stream_id(get_state(self.store.db, "source_reports"))
        fresh = [(i, r) for i, r in reports if stream_id(i) > applied]
        if not fresh:
            return {}
        validators = {}
        with self.store.transaction() as conn:
            within = _Within(self.store, conn)
            for _, rep in fresh:
                if rep.get("health"):
                    run = SourceRun(**rep["health"])
                    save_health(within, {run.source: run})
                validators.update({u: tuple(v) for u, v in rep.get("validators", {}).items()})
                # the job's crawl_runs row, written whole: the crawl is over by the time its report arrives
                finish_run(within, start_run(within, rep["spider"], rep["started_at"]), rep["reason"], rep["stats"])
            if validators:
                save_validators(within, validators)
            set_state(conn, "source_reports", text(fresh[-1][0]))
        self.report.sources += len(fresh)
        return {u: list(v) for u, v in validators.items()}

    def _analyses(self, entries: list) -> None:
        from crawler.enrich import EnrichReport, settle
        from db.entity_edits import user_kb_path

        ids = []
        for _, fields in entries:
            article_id, analysis, topics, vectors = read_analysis(fields)
            if vectors:
                self.store.db.conn.executemany(
                    "INSERT OR REPLACE INTO embeddings (content_hash, model, vector) VALUES (?, ?, ?)",
                    [(k, m, v) for k, (m, v) in vectors.items()])
            if self.store.db.execute("SELECT 1 FROM articles WHERE id = ?", [article_id]).fetchone():
                self.store.save_analysis(article_id, analysis, analysis.sentence_of, topics=topics)
                ids.append(article_id)
        if ids:  # promotion and label votes stay here, where every source's mentions are
            # every analysis saved marks its article unsettled, in its own transaction: settling
            # (here, or after a writer killed in between, at the next batch) clears the marks
            report = EnrichReport()
            settle(self.store, self.kb, str(user_kb_path(self.db_path)), self.min_sources, report)
            if report.promoted:
                self._publish_kb()
        self.report.analyses += len(ids)
        drop(self.r, self.keys.analyses, GROUP, [i for i, _ in entries])

    def _feed_enrich(self) -> None:
        """Hand stored articles not yet analysed to the enrich stream, keeping its backlog bounded.

        The mark is committed after the XADD: a crash in between sends a few articles twice,
        and analysing twice only replaces an analysis with an equal one.
        """
        if not self.enrich:
            return
        while self.r.xlen(self.keys.enrich) < self.enrich_backlog:
            after = int(get_state(self.store.db, "enrich_fed", "0"))
            rows = new_articles_after(self.store.db, after, 200)
            if not rows:
                return
            pipe = self.r.pipeline(transaction=False)
            for row in rows:
                pipe.xadd(self.keys.enrich, {"data": json.dumps(row, ensure_ascii=False)})
            pipe.execute()
            with self.store.transaction() as conn:
                set_state(conn, "enrich_fed", str(rows[-1]["id"]))
            self.report.queued_for_enrich += len(rows)
