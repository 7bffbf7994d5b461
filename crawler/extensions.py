"""Crawl extensions: a progress file the `veille crawl` parent process reads to show live progress.

The crawl runs in a child process (Twisted's reactor cannot restart), so the parent cannot see
Scrapy's stats; the child writes the counters that matter to a small JSON file every second.
"""
from __future__ import annotations

import json
import os

from scrapy import signals
from scrapy.exceptions import NotConfigured

PROGRESS_KEYS = {
    "sources": "veille/sources",
    "pages": "response_received_count",
    "articles": "veille/articles_stored",
    "duplicates": "veille/articles_duplicates",
    "known": "veille/articles_known",
    "errors": "veille/errors",
    "queued": "scheduler/enqueued",
}


class ProgressFile:
    """Writes {sources, pages, articles, errors, ...} to VEILLE_PROGRESS every VEILLE_PROGRESS_INTERVAL s."""

    def __init__(self, crawler, path: str, interval: float):
        self.crawler = crawler
        self.path = path
        self.interval = interval
        self.task = None

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("VEILLE_PROGRESS")
        if not path:
            raise NotConfigured
        ext = cls(crawler, path, crawler.settings.getfloat("VEILLE_PROGRESS_INTERVAL", 1.0))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

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
