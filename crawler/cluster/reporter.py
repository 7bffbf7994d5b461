"""The cluster's `HealthRecorder`: a job's source health goes to the writer, not into a database.

`crawler.extensions.HealthRecorder` counts each source's events (the `source_counted` signal)
and download delays, and writes them through `db.health`; a crawl worker has no database. This
variant counts the same way and, when the job's crawl ends, adds one `source` message to the
articles stream: the health, the feed validators the run may keep, the run's stats. It goes
after the articles (item pipelines close before spider_closed), and the writer saves it.
"""
from __future__ import annotations

import json
from dataclasses import asdict

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.extensions import HealthRecorder, source_counted


class ClusterHealthReporter(HealthRecorder):
    def __init__(self, crawler, redis_url: str, prefix: str):
        super().__init__(crawler, db_path="", interval=0.0)
        from crawler.cluster import Keys, connect

        self.redis = connect(redis_url)
        self.stream = Keys(prefix).articles

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("VEILLE_CLUSTER_REDIS")
        if not url:
            raise NotConfigured("VEILLE_CLUSTER_REDIS is not set: not a cluster crawl")
        ext = cls(crawler, url, crawler.settings.get("VEILLE_CLUSTER_PREFIX") or "veille")
        # no crawl_runs row while it runs (that is the writer's, from this report): counting only
        crawler.signals.connect(ext.count, signal=source_counted)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def report(self, spider, reason: str) -> dict:
        """The `source` message of a finished job (see `crawler.cluster.writer.Writer._source_reports`)."""
        run = self.runs.get(spider.job_source.name)
        return {
            "kind": "source", "job": spider.job_id, "spider": spider.name, "started_at": spider.started_at,
            "reason": reason, "health": asdict(run) if run else None,
            # as on one machine: validators only after a crawl that went to its end
            "validators": {u: list(v) for u, v in spider.validators_to_save(reason).items()},
            "stats": {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                      for k, v in self.crawler.stats.get_stats().items()},
        }

    def spider_closed(self, spider, reason):
        self.redis.xadd(self.stream, {"kind": "source", "data": json.dumps(self.report(spider, reason), default=str)})
