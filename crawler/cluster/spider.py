"""The spider of one cluster crawl job: today's `sources` spider on one source, sharing URL claims.

What changes from a one-machine crawl, and only that:
- the source and its feed validators come from the job, not from a file and the database;
- "already stored?" is `crawler.cluster.claims.ClusterKnownUrlMiddleware` (Redis: the writer's
  set of stored URL keys, and a claim per URL) in place of `KnownUrlMiddleware` (SQLite);
  a failed article request gives its claims back here;
- the source's health and new validators go to the articles stream after the articles
  (`crawler.cluster.reporter.ClusterHealthReporter`), instead of into the database.
"""
from __future__ import annotations

import json

from crawler.cluster import Keys
from crawler.cluster.claims import Claims
from crawler.middlewares import AlreadyStored
from crawler.spiders.sources import SourcesSpider


class ClusterSpider(SourcesSpider):
    name = "cluster"

    def __init__(self, job: str = "", job_id: str = "", redis_url: str = "", prefix: str = "veille",
                 claim_ms: str = "900000", **kw):
        super().__init__(**kw)
        from crawler.cluster import connect
        from crawler.cluster.seed import job_source

        self.keys = Keys(prefix)
        self.job_id = job_id
        self.redis = connect(redis_url)
        self.claims = Claims(self.redis, self.keys, job_id, int(claim_ms))
        self.job_source, self.job_validators = job_source({k.encode(): v.encode() for k, v in json.loads(job).items()})

    def _sources(self):
        return [self.job_source]

    def _entry_request(self, url, callback, source, **meta):
        # the parent loads validators from the database it no longer has: use the job's
        if not self._validators and self.job_validators:
            self._validators = dict(self.job_validators)
        return super()._entry_request(url, callback, source, **meta)

    def on_error(self, failure):
        handed = super().on_error(failure)
        request = failure.request
        if request.meta.get("article") and not failure.check(AlreadyStored):
            # let the next crawl of any source try it again: the URL and every redirect hop before it
            for url in (*request.meta.get("redirect_urls", ()), request.url):
                self.claims.release(url)
        return handed
