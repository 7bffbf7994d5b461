"""Per-host politeness across the cluster: at most CONCURRENT_REQUESTS_PER_DOMAIN requests in
flight to one host, whichever workers send them.

Scrapy enforces that limit inside one process. Two sources on one host (or a feed linking to
another outlet) can be crawled by two workers at once, and the limit would multiply by the
number of processes; so each request first takes one of the host's slots in Redis (a sorted
set of holders scored by lease expiry) and gives it back with its response. The host is the
URL's host:port, Scrapy's per-domain key plus the port (the same thing on the web, distinct
sites on loopback).

A crawl process that dies (its worker was killed, or the machine) cannot give its slots back.
So a slot's lease is short (VEILLE_CLUSTER_SLOT_LEASE, 10 s) and the process renews the slots it
holds every quarter of it while their requests are in flight: a dead holder's slots are free
again within one lease, not a download timeout later. Before, with a lease of DOWNLOAD_TIMEOUT
+ 30 s, the workers that took over a killed worker's jobs waited a minute for its hosts.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured

ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
"""
# renew one of our slots if it is still there; one whose lease ran out (its process stalled past
# it) may have gone to another holder, so it is not taken back: 0
RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""
META = "veille_host_slot"
log = logging.getLogger(__name__)
SLOT_LEASE = 10.0  # seconds; VEILLE_CLUSTER_SLOT_LEASE overrides it


class HostSlotsMiddleware:
    """Downloader middleware (next to the downloader, so it sees every raw response and error)."""

    def __init__(self, crawler, url: str, prefix: str):
        from crawler.cluster import connect

        self.crawler = crawler
        self.redis = connect(url)
        self.prefix = prefix
        s = crawler.settings
        self.limit = s.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
        self.lease_ms = int(s.getfloat("VEILLE_CLUSTER_SLOT_LEASE", SLOT_LEASE) * 1000)
        self._acquire = self.redis.register_script(ACQUIRE)
        self._renew_script = self.redis.register_script(RENEW)
        self.held: dict[str, str] = {}  # token -> host key, the slots our requests hold now
        self._renewal = None
        crawler.signals.connect(self._start_renewal, signal=signals.spider_opened)
        crawler.signals.connect(self._stop_renewal, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("VEILLE_CLUSTER_REDIS")
        if not url:
            raise NotConfigured
        return cls(crawler, url, crawler.settings.get("VEILLE_CLUSTER_PREFIX") or "veille")

    def _start_renewal(self, spider=None) -> None:
        from twisted.internet import task

        self._renewal = task.LoopingCall(self.renew)
        self._renewal.start(self.lease_ms / 4000, now=False)

    def _stop_renewal(self, spider=None) -> None:
        if self._renewal is not None and self._renewal.running:
            self._renewal.stop()

    def renew(self) -> None:
        """Push back the lease of every slot held now (each quarter lease while crawling), one
        script call per slot in one round trip (each touches one key, as Redis Cluster wants)."""
        from redis.exceptions import RedisError

        held = list(self.held.items())
        if not held:
            return
        pipe = self.redis.pipeline(transaction=False)
        for token, key in held:
            self._renew_script(keys=[key], args=[self.lease_ms, token], client=pipe)
        try:
            renewed = pipe.execute()
        except RedisError as exc:  # the next tick tries again; the loop must not die of one error
            log.warning("host slots not renewed: %s", exc)
            return
        for (token, _key), ok in zip(held, renewed, strict=True):
            if not ok:
                self.held.pop(token, None)
                self.crawler.stats.inc_value("veille/cluster_slots_lost")

    def _key(self, url: str) -> str:
        return f"{self.prefix}:host:{urlsplit(url).netloc.lower()}"

    async def process_request(self, request, spider=None):
        key, token = self._key(request.url), uuid.uuid4().hex
        wait = 0.02
        while not self._acquire(keys=[key], args=[token, self.limit, self.lease_ms]):
            self.crawler.stats.inc_value("veille/cluster_host_waits")
            await asyncio.sleep(wait)
            wait = min(wait * 2, 0.5)
        request.meta[META] = (key, token)
        self.held[token] = key
        return None

    def _release(self, request) -> None:
        held = request.meta.pop(META, None)
        if held:
            self.held.pop(held[1], None)
            self.redis.zrem(*held)

    def process_response(self, request, response, spider=None):
        self._release(request)
        return response

    def process_exception(self, request, exception, spider=None):
        self._release(request)
        return None
