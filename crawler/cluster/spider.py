"""The spider of one cluster crawl job: today's `sources` spider on one source, sharing URL claims.

What changes from a one-machine crawl, and only that:
- the source and its feed validators come from the job, not from a file and the database;
- "already stored?" asks Redis (the writer's set of stored URL keys) instead of SQLite, and an
  URL not stored is *claimed* for this job (a key with a lease), so two workers crawling
  sources whose feeds overlap fetch it once. A job taken over from a dead worker keeps the
  claims of that job: the claim's value is the job's id, not the worker's.
- at the end, the source's health and new validators go to the articles stream after the
  articles (the writer saves them), instead of into the database.
"""
from __future__ import annotations

import json
from dataclasses import asdict

from crawler.cluster import Keys
from crawler.spiders.sources import SourcesSpider
from crawler.urls import url_key

# One round trip per URL: 2 when stored already; else take the claim when it is free, or renew
# it when this very job already holds it (1); 0 when another job holds it.
CLAIM = """
if redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 1 then return 2 end
local held = redis.call('GET', KEYS[1])
if not held then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
elseif held == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
# Give a claim back (a failed fetch) only when it is ours.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class ClusterSpider(SourcesSpider):
    name = "cluster"

    def __init__(self, job: str = "", job_id: str = "", redis_url: str = "", prefix: str = "veille",
                 claim_ms: str = "900000", **kw):
        super().__init__(**kw)
        from crawler.cluster import connect
        from crawler.cluster.seed import job_source

        self.keys = Keys(prefix)
        self.job_id = job_id
        self.claim_ms = int(claim_ms)
        self.redis = connect(redis_url)
        self.job_source, self.job_validators = job_source({k.encode(): v.encode() for k, v in json.loads(job).items()})
        self._claim = self.redis.register_script(CLAIM)
        self._release = self.redis.register_script(RELEASE)

    def _sources(self):
        return [self.job_source]

    def _entry_request(self, url, callback, source, **meta):
        # the parent loads validators from the database it no longer has: use the job's
        if not self._validators and self.job_validators:
            self._validators = dict(self.job_validators)
        return super()._entry_request(url, callback, source, **meta)

    def _is_known(self, url: str) -> bool:
        key = url_key(url)
        got = self._claim(keys=[self.keys.claim(key), self.keys.stored], args=[self.job_id, self.claim_ms, key])
        if got == 1:
            return False
        if got == 0:
            self.crawler.stats.inc_value("veille/cluster_claimed_elsewhere")
        return True

    def on_error(self, failure):
        super().on_error(failure)
        request = failure.request
        if request.meta.get("article"):  # let the next crawl of any source try it again
            self._release(keys=[self.keys.claim(url_key(request.url))], args=[self.job_id])

    def closed(self, reason):
        run = self.health.get(self.job_source.name)
        report = {
            "kind": "source", "job": self.job_id, "spider": self.name, "started_at": self._started_at,
            "reason": reason, "health": asdict(run) if run else None,
            # as on one machine: validators only after a crawl that went to its end
            "validators": {u: list(v) for u, v in self._new_validators.items() if u not in self._entry_failed}
            if reason == "finished" else {},
            "stats": {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                      for k, v in self.crawler.stats.get_stats().items()},
        }
        self.redis.xadd(self.keys.articles, {"kind": "source", "data": json.dumps(report, default=str)})
