"""The watch loop: poll the due sources, analyse what they store as it arrives, send alerts.

Each round crawls only the sources that are due, in a child process (`crawler.watch.child`);
meanwhile this process, which holds the models for its whole life (`crawler.cycle.Models`),
analyses the articles the child has stored, queues their alerts and sends them, batch by
batch, so an article's alert leaves as soon as it is analysed rather than when the crawl ends.
The steps are the cycle's own (`crawler.cycle`): `veille run` does the same, once.

SIGTERM or SIGINT stops it cleanly: the crawl child is asked to close (it stores what it has
extracted; its feeds are listed again next time since their validators are kept only by a
crawl that finished), the analysis batch under way is committed, no new step starts, and
the status file says when it stopped. Every step commits per article or per outbox row, so an
interrupted step leaves nothing half-written; a second signal stops at once.
"""
from __future__ import annotations

import logging
import os
import signal
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from crawler.cycle import (
    CycleOptions,
    Models,
    deliver_alerts,
    enrich_and_queue,
    prepare,
)
from crawler.sources import Source, SourceError, load_sources
from crawler.watch import schedule
from crawler.watch.child import CrawlChild
from crawler.watch.schedule import BriefSlot, PollResult, iso, utcnow
from crawler.watch.status import write_status
from db import watch_state
from db.store import Store
from nlp.errors import VeilleError
from nlp.models import supported

log = logging.getLogger(__name__)

IDLE_LOOK = 30.0  # seconds between two looks at the schedule (and the sources file) when idle
AFTER_ERROR = 30.0  # seconds before a round that failed on an error is tried again
GATHER = 1.0  # seconds stored articles may wait, during a crawl, for more to make a batch


@dataclass
class WatchOptions:
    cycle: CycleOptions  # the database, sources file, enrichment and alert settings of each cycle
    every: float = 900.0  # seconds, for sources without their own `every`
    max_backoff: float = 4 * 3600.0  # the longest wait after failures
    quiet_factor: float = 4.0  # a quiet source waits at most this many times its `every`
    processes: int = 1  # analysis worker processes, started once
    rounds: int = 0  # stop after this many poll rounds; 0: until a signal
    brief: BriefSlot | None = None
    write_brief: Callable[[Store, str], str] | None = None  # (store, ISO week) → path written
    status: dict = field(default_factory=dict)  # extra fields for the status file


class Watcher:
    def __init__(self, options: WatchOptions):
        self.o = options
        self.db = options.cycle.db
        self.stopping = False
        self.rounds = 0
        self.sources: list[Source] = []
        self.states: dict[str, watch_state.PollState] = {}
        self.last_round: dict = {}
        self.last_error: str | None = None
        self.child: CrawlChild | None = None
        self.started_at = iso(utcnow())
        self._brief_retry_at = 0.0
        self._pending_since: float | None = None

    # -- signals ------------------------------------------------------------------------------

    def _on_signal(self, signum, frame) -> None:
        if self.stopping:
            raise KeyboardInterrupt  # a second signal: stop now (transactions roll back)
        self.stopping = True
        log.info("%s received: finishing the current step, then stopping", signal.Signals(signum).name)

    def stop_requested(self) -> bool:
        return self.stopping

    def _sleep(self, seconds: float) -> None:
        """Wait, waking at once when a signal asks to stop."""
        end = time.monotonic() + max(seconds, 0.0)
        while not self.stopping and time.monotonic() < end:
            time.sleep(max(0.0, min(0.2, end - time.monotonic())))

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> int:
        """Watch until a signal (or `rounds` rounds); returns the exit status."""
        import os

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        prepare(self.o.cycle)
        self.pid = os.getpid()
        self.store = Store(self.db)
        try:
            self._reload_sources()
            self._write_status()
            self.models = Models(self.store, self.o.cycle.enrichment, processes=self.o.processes,
                                 langs=self._expected_languages())
            try:
                self._loop()
            finally:
                self.models.close()
        finally:
            self._write_status(stopped=True)
            self.store.close()
        log.info("stopped after %d round(s)", self.rounds)
        return 0

    def _loop(self) -> None:
        while not self.stopping:
            self._reload_sources()
            now = utcnow()
            due = [s for s in self.sources if schedule.is_due(self.states[s.name], now)]
            try:
                if due:
                    self._round(due)
                self._maybe_brief()
            except (VeilleError, sqlite3.OperationalError, OSError) as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.error("round failed: %s (trying again in %.0f s)", exc, AFTER_ERROR)
                self._write_status()
                self._sleep(AFTER_ERROR)
                continue
            if self.o.rounds and self.rounds >= self.o.rounds:
                break
            self._sleep(self._until_next())

    def _until_next(self) -> float:
        now = utcnow()
        waits = [IDLE_LOOK]
        for s in self.sources:
            due = schedule.parse_time(self.states[s.name].next_poll)
            waits.append(0.0 if due is None else (due - now).total_seconds())
        return max(min(waits), 0.0)

    def _reload_sources(self) -> None:
        """The sources file is read before each round: edits apply without a restart."""
        try:
            self.sources = load_sources(self.o.cycle.sources)
        except SourceError as exc:
            if not self.sources:
                raise
            log.error("%s: keeping the previous watch list", exc)
            return
        saved = watch_state.load_states(self.store.db)
        for s in self.sources:
            every = s.every or self.o.every
            state = self.states.get(s.name) or saved.get(s.name) or watch_state.PollState(s.name, every, every)
            self.states[s.name] = schedule.retime(state, every, max_backoff=self.o.max_backoff,
                                                  quiet_factor=self.o.quiet_factor)

    def _expected_languages(self) -> set[str]:
        """The languages whose pipelines are built at start: those the watch list declares and
        those its articles of the last 30 days were in (an outlet that also publishes in
        another language shows up there). Any other language is built on its first article,
        one to two seconds once, rather than eight pipelines at every start for every team."""
        from datetime import timedelta

        from db.reads import recent_languages

        since = (utcnow() - timedelta(days=30)).date().isoformat()
        return ({s.lang for s in self.sources} | recent_languages(self.store.db, since)) & set(supported())

    # -- one round ----------------------------------------------------------------------------

    def _round(self, due: list[Source]) -> None:
        c = self.o.cycle
        started, t0 = utcnow(), time.monotonic()
        before = watch_state.last_article_id(self.store.db)
        log_file = c.log_file or str(Path(self.db).with_suffix(".crawl.log"))
        log.info("round %d: polling %d source(s)", self.rounds + 1, len(due))
        code, stats, analysed, sent = self._crawl(due, log_file)
        crawl_seconds = round(time.monotonic() - t0, 1)
        if self.stopping:  # an interrupted poll counts for no source: they stay due
            log.info("crawl stopped (exit %s); its sources are polled again at the next start", code)
            return
        a, s = self._analyse()
        alerts = deliver_alerts(self.store, c.subscriptions, lang=c.lang, timeout=c.alert_timeout)
        self.rounds += 1
        results = self._results(due, started, before, code, log_file)
        self._settle(due, results)
        self.last_round = {
            "number": self.rounds, "started_at": iso(started), "finished_at": iso(utcnow()), "sources": len(due),
            "stored": stats.get("veille/articles_stored", 0), "pages": stats.get("response_received_count", 0),
            "not_modified": stats.get("veille/entry_points_not_modified", 0), "analysed": analysed + a,
            "analysed_during_crawl": analysed, "crawl_seconds": crawl_seconds,
            "alerts_sent": sent + s + alerts.sent, "alerts_failed": alerts.failed, "crawl_exit": code,
            "seconds": round(time.monotonic() - t0, 1),
            **{k: sum(r.outcome == k for r in results.values()) for k in ("new", "unchanged", "failed")}}
        self.last_error = None
        log.info("round %(number)d: %(new)d source(s) with news, %(unchanged)d unchanged, %(failed)d failed;"
                 " %(stored)d stored, %(analysed)d analysed, %(alerts_sent)d alert(s) sent in %(seconds)s s",
                 self.last_round)
        self._write_status()

    def _crawl_settings(self) -> dict:
        """The crawl child's Scrapy settings. Its extraction gets only the cores the analysis
        processes leave free (none on 2 cores with 2 analysis processes: one extraction thread),
        unless VEILLE_EXTRACT_PROCESSES is set: both stages run at once here, and an extraction
        pool on cores the analysis already fills only adds process starts and page copies
        (measured: 15-21 CPU-seconds for the 60-site crawl with the pool, 14 with the thread)."""
        free = max(0, (os.cpu_count() or 1) - self.o.processes)
        return {"VEILLE_EXTRACT_PROCESSES": str(free), **self.o.cycle.settings}

    def _crawl(self, due: list[Source], log_file: str) -> tuple[int, dict, int, int]:
        """Run the round's crawl, analysing and alerting on what it stores meanwhile."""
        c = self.o.cycle
        self.child = child = CrawlChild(self.db, due, spider=c.spider, settings=self._crawl_settings(),
                                        since=c.since, log_file=log_file)
        analysed = sent = 0
        try:
            while (code := child.poll()) is None:
                if self.stopping or child.timed_out(c.crawl_timeout):
                    child.stop()
                a, s = self._analyse(gather=True)
                analysed, sent = analysed + a, sent + s
                if not a:
                    time.sleep(0.3)
        except BaseException:  # an error here or a second signal: the crawl must not outlive its round
            child.proc.kill()
            child.result()
            raise
        finally:
            self.child = None
        return code, child.result(), analysed, sent

    def _analyse(self, gather: bool = False) -> tuple[int, int]:
        """Analyse what is stored and not yet analysed, queue its alerts and send them now.

        With `gather` (while a crawl stores), a few articles wait up to GATHER seconds for a
        full batch: each pass has a fixed cost (topic scoring, entity votes, matching), which
        one article at a time would pay hundreds of times in a big round.
        """
        pending = 0 if self.stopping else self.store.count_pending()
        if not pending:
            self._pending_since = None
            return 0, 0
        if gather and pending < self.o.cycle.enrichment.batch_size:
            self._pending_since = self._pending_since or time.monotonic()
            if time.monotonic() - self._pending_since < GATHER:
                return 0, 0
        self._pending_since = None
        c = self.o.cycle
        report, queued = enrich_and_queue(self.store, c.enrichment, c.subscriptions, models=self.models,
                                          stop=self.stop_requested)
        sent = 0
        if queued.queued and not self.stopping:
            sent = deliver_alerts(self.store, c.subscriptions, lang=c.lang, timeout=c.alert_timeout).sent
        return report.analysed, sent

    def _results(self, due: list[Source], started: datetime, before: int, code: int,
                 log_file: str) -> dict[str, PollResult]:
        """Each due source's outcome, from what the crawl stored and its `source_health` rows."""
        new = watch_state.articles_since(self.store.db, before)
        health = watch_state.source_health(self.store.db, [s.name for s in due])
        since = started.isoformat(timespec="seconds")
        out = {}
        for s in due:
            h = health.get(s.name)
            if code != 0 or h is None or (h["last_run"] or "") < since:
                out[s.name] = PollResult("failed", error=f"crawl failed (exit {code}); see {log_file}")
            elif h["entry_points"] and not (h["entry_points_ok"] or h["not_modified"]):
                out[s.name] = PollResult("failed", errors=h["errors"], error=h["last_error"])
            else:
                n = new.get(s.name, 0)
                out[s.name] = PollResult("new" if n else "unchanged", new_articles=n, errors=h["errors"],
                                         error=h["last_error"] if h["errors"] else None)
        return out

    def _settle(self, due: list[Source], results: dict[str, PollResult]) -> None:
        now = utcnow()
        for s in due:
            schedule.after_poll(self.states[s.name], results[s.name], now, max_backoff=self.o.max_backoff,
                                quiet_factor=self.o.quiet_factor)
        watch_state.save_states(self.store.db, [self.states[s.name] for s in due])

    # -- the weekly brief -----------------------------------------------------------------------

    def _maybe_brief(self) -> None:
        """Write the last complete week's brief once its slot has passed, once per week."""
        if self.o.brief is None or self.o.write_brief is None or self.stopping:
            return
        slot_time = self.o.brief.last_before(datetime.now().astimezone())
        week = schedule.brief_week(slot_time)
        if watch_state.brief_written(self.store.db, week) or time.monotonic() < self._brief_retry_at:
            return
        try:
            path = self.o.write_brief(self.store, week)
        except (VeilleError, ValueError, OSError) as exc:
            self._brief_retry_at = time.monotonic() + 3600  # not every loop: once an hour
            log.error("brief of %s not written: %s (next try in an hour)", week, exc)
            return
        watch_state.record_brief(self.store.db, week, path, iso(utcnow()))
        log.info("brief of %s written to %s", week, path)
        self._write_status()

    # -- status -------------------------------------------------------------------------------

    def _write_status(self, stopped: bool = False) -> None:
        brief = None
        if self.o.brief is not None:
            row = self.store.db.execute("SELECT week, path FROM watch_briefs ORDER BY week DESC LIMIT 1").fetchone()
            brief = {"last_week": row[0] if row else None, "last_path": row[1] if row else None,
                     "next_at": self.o.brief.next_after(datetime.now().astimezone()).isoformat()}
        write_status(self.db, {
            "pid": getattr(self, "pid", None), "db": self.db, "sources_file": self.o.cycle.sources,
            "started_at": self.started_at, "stopped_at": iso(utcnow()) if stopped else None,
            "rounds": self.rounds, "last_round": self.last_round, "last_error": self.last_error, "brief": brief,
            "sources": [asdict(self.states[s.name]) for s in self.sources if s.name in self.states],
            **self.o.status})
