"""URL claims in Redis: the cluster's "already stored?" check, in place of `KnownUrlMiddleware`.

On one machine `crawler.middlewares.KnownUrlMiddleware` stops article requests whose URL key the
SQLite file holds. A crawl worker has no database: it asks the writer's set of stored URL keys
in Redis instead, and an URL not stored is *claimed* for this job (a key with a lease), so two
workers crawling sources whose feeds overlap fetch it once. A job taken over from a dead worker
keeps the claims of that job: the claim's value is the job's id, not the worker's.
"""
from __future__ import annotations

from crawler.cluster import Keys, connect
from crawler.middlewares import AlreadyStored
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


class ClaimedElsewhere(AlreadyStored):
    """An article request for a URL another job has claimed: that job fetches it."""


class Claims:
    """Claim and release article URLs for one job (`job_id`), each claim held `claim_ms` at most."""

    def __init__(self, client, keys: Keys, job_id: str, claim_ms: int):
        self.keys, self.job_id, self.claim_ms = keys, job_id, claim_ms
        self._claim = client.register_script(CLAIM)
        self._release = client.register_script(RELEASE)

    def claim(self, url: str) -> int:
        """2: stored already; 1: this job's to fetch; 0: another job's."""
        key = url_key(url)
        return int(self._claim(keys=[self.keys.claim(key), self.keys.stored], args=[self.job_id, self.claim_ms, key]))

    def release(self, url: str) -> None:
        self._release(keys=[self.keys.claim(url_key(url))], args=[self.job_id])


class ClusterKnownUrlMiddleware:
    """`KnownUrlMiddleware` for a cluster job: article requests (meta `skip_known`) go out only
    with this job's claim on their URL.

    It sits after `PrivateDestinationMiddleware` (see `crawler.cluster.job`), not where
    `KnownUrlMiddleware` sits: a claim is only taken for a request that may go out. Redirect
    hops come through here again and are claimed as well. The spider gives the claims
    of a failed request back (`ClusterSpider.on_error`), so the next crawl of any source may
    try it again.
    """

    def __init__(self, crawler, claims: Claims):
        self.crawler = crawler
        self.claims = claims

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        s = crawler.settings
        url, job_id = s.get("VEILLE_CLUSTER_REDIS"), s.get("VEILLE_CLUSTER_JOB_ID")
        if not url or not job_id:
            raise NotConfigured("not a cluster crawl job")
        claims = Claims(connect(url), Keys(s.get("VEILLE_CLUSTER_PREFIX") or "veille"), job_id,
                        s.getint("VEILLE_CLUSTER_CLAIM_MS", 900_000))
        return cls(crawler, claims)

    def process_request(self, request):
        if not request.meta.get("skip_known"):
            return
        got = self.claims.claim(request.url)
        if got == 2:
            self.crawler.stats.inc_value("veille/articles_known")
            raise AlreadyStored(f"already stored: {request.url}")
        if got == 0:
            self.crawler.stats.inc_value("veille/cluster_claimed_elsewhere")
            raise ClaimedElsewhere(f"claimed by another job: {request.url}")
