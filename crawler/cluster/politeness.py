"""Per-host politeness across the cluster: at most CONCURRENT_REQUESTS_PER_DOMAIN requests in
flight to one host, whichever workers send them.

Scrapy enforces that limit inside one process. Two sources on one host (or a feed linking to
another outlet) can be crawled by two workers at once, and the limit would multiply by the
number of processes; so each request first takes one of the host's slots in Redis (a sorted
set of holders scored by lease expiry) and gives it back with its response. A worker that dies
holding slots loses them when their lease ends. The host is the URL's host:port, Scrapy's
per-domain key plus the port (the same thing on the web, distinct sites on loopback).
"""
from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

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
META = "veille_host_slot"


class HostSlotsMiddleware:
    """Downloader middleware (next to the downloader, so it sees every raw response and error)."""

    def __init__(self, crawler, url: str, prefix: str):
        from crawler.cluster import connect

        self.crawler = crawler
        self.redis = connect(url)
        self.prefix = prefix
        s = crawler.settings
        self.limit = s.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
        self.lease_ms = int((s.getfloat("DOWNLOAD_TIMEOUT", 180) + 30) * 1000)
        self._acquire = self.redis.register_script(ACQUIRE)

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("VEILLE_CLUSTER_REDIS")
        if not url:
            raise NotConfigured
        return cls(crawler, url, crawler.settings.get("VEILLE_CLUSTER_PREFIX") or "veille")

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
        return None

    def _release(self, request) -> None:
        held = request.meta.pop(META, None)
        if held:
            self.redis.zrem(*held)

    def process_response(self, request, response, spider=None):
        self._release(request)
        return response

    def process_exception(self, request, exception, spider=None):
        self._release(request)
        return None
