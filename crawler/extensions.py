"""Crawl extensions: a progress file the `veille crawl` parent process reads to show live progress,
and the recorder that writes the run and each source's health to the database.

The crawl runs in a child process (Twisted's reactor cannot restart), so the parent cannot see
Scrapy's stats; the child writes the counters that matter to a small JSON file every second.
"""
from __future__ import annotations

import json
import os
from datetime import UTC

from scrapy import signals
from scrapy.exceptions import NotConfigured

# Sent by the spiders for each thing that happens to a source: source (its name), counter (a
# `db.health.SourceRun` field, or "error" with `reason`), amount (added to the counter).
source_counted = object()

PROGRESS_KEYS = {
    "sources": "veille/sources",
    "pages": "response_received_count",
    "articles": "veille/articles_stored",
    "duplicates": "veille/articles_duplicates",
    "known": "veille/articles_known",
    "errors": "veille/errors",
    "queued": "scheduler/enqueued",
}


def _periodic_extension(cls, crawler, setting: str, interval_setting: str, default_interval: float):
    """Build `cls(crawler, <setting's value>, <interval>)` with its spider_opened/closed handlers
    connected; NotConfigured (Scrapy skips the extension) when `setting` is unset."""
    value = crawler.settings.get(setting)
    if not value:
        raise NotConfigured
    ext = cls(crawler, value, crawler.settings.getfloat(interval_setting, default_interval))
    crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
    crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
    return ext


class ProgressFile:
    """Writes {sources, pages, articles, errors, ...} to VEILLE_PROGRESS every VEILLE_PROGRESS_INTERVAL s."""

    def __init__(self, crawler, path: str, interval: float):
        self.crawler = crawler
        self.path = path
        self.interval = interval
        self.task = None

    @classmethod
    def from_crawler(cls, crawler):
        return _periodic_extension(cls, crawler, "VEILLE_PROGRESS", "VEILLE_PROGRESS_INTERVAL", 1.0)

    def spider_opened(self, spider):
        from twisted.internet import task

        self.task = task.LoopingCall(self.write)
        self.task.start(self.interval, now=True)

    def spider_closed(self, spider, reason):
        if self.task is not None and self.task.running:
            self.task.stop()
        self.write(done=True)

    def write(self, done: bool = False) -> None:
        stats = self.crawler.stats.get_stats()
        data = {k: stats.get(v, 0) for k, v in PROGRESS_KEYS.items()}
        data["done"] = done
        tmp = f"{self.path}.tmp"
        with open(tmp, "w") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.path)  # the reader never sees half a file


class HealthRecorder:
    """Writes the crawl's `crawl_runs` row and each source's health through `db.health`.

    Counts each source's events from the spiders' `source_counted` signal, and download delays
    from Scrapy's response_received. On spider_opened: runs left `running` by a dead process
    are marked `killed` (their last snapshot counted), and this run's row is written as
    `running`. Every VEILLE_HEALTH_INTERVAL seconds the row gets the current stats and
    per-source counters, so a crawl killed with SIGKILL still leaves its record. On
    spider_closed: health, feed validators, finish reason.
    """

    def __init__(self, crawler, db_path: str, interval: float):
        self.crawler = crawler
        self.db_path = db_path
        self.interval = interval
        self.store = None
        self.run_id: int | None = None
        self.task = None
        self.runs: dict = {}  # source name -> db.health.SourceRun

    @classmethod
    def from_crawler(cls, crawler):
        ext = _periodic_extension(cls, crawler, "VEILLE_DB", "VEILLE_HEALTH_INTERVAL", 5.0)
        crawler.signals.connect(ext.count, signal=source_counted)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        return ext

    def _run(self, source: str):
        from db.health import SourceRun

        run = self.runs.get(source)
        if run is None:
            run = self.runs[source] = SourceRun(source)
        return run

    def count(self, source: str, counter: str, amount: int = 1, reason: str | None = None) -> None:
        run = self._run(source)
        if counter == "error":
            run.error(reason or "error")
        else:
            setattr(run, counter, getattr(run, counter) + amount)

    def response_received(self, response, request, spider=None) -> None:
        source = request.meta.get("source")
        latency = request.meta.get("download_latency")
        if source is not None and latency is not None:  # robots.txt and other Scrapy requests carry no source
            self._run(source.name).delays.append(float(latency))

    def spider_opened(self, spider):
        import logging

        from twisted.internet import task

        from db.health import settle_dead_runs, start_run
        from db.store import Store

        self.store = Store(self.db_path)
        killed = settle_dead_runs(self.store)
        if killed:
            logging.getLogger(__name__).warning("%d earlier crawl(s) died before finishing: recorded as killed",
                                                len(killed))
        started = getattr(spider, "started_at", None) or _now()
        self.run_id = start_run(self.store, spider.name, started)
        self.task = task.LoopingCall(self.snapshot, spider)
        self.task.start(self.interval, now=False)

    def snapshot(self, spider) -> None:
        from db.health import update_run

        update_run(self.store, self.run_id, self.crawler.stats.get_stats(), self.runs)

    def spider_closed(self, spider, reason):
        from db.health import finish_run, save_health, save_validators

        if self.task is not None and self.task.running:
            self.task.stop()
        with self.store:  # opened in spider_opened; closed here whatever the writes do
            save_health(self.store, self.runs)
            keep = spider.validators_to_save(reason) if hasattr(spider, "validators_to_save") else {}
            if keep:
                save_validators(self.store, keep)
            finish_run(self.store, self.run_id, reason, self.crawler.stats.get_stats())


def _now() -> str:
    from datetime import datetime

    return datetime.now(UTC).isoformat(timespec="seconds")
