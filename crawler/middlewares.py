"""Downloader middlewares: a loopback guard for tests and the demo, non-HTML skipping, retry backoff."""
from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlparse

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured

log = logging.getLogger(__name__)


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LoopbackGuardMiddleware:
    """Refuses every request to a host outside 127.0.0.0/8 when VEILLE_ONLY_LOOPBACK is set."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("VEILLE_ONLY_LOOPBACK"):
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request):
        if not is_loopback(request.url):
            self.crawler.stats.inc_value("veille/refused_non_loopback")
            raise IgnoreRequest(f"refused non-loopback URL {request.url} (VEILLE_ONLY_LOOPBACK)")
        return None


class SkipNonHtmlMiddleware:
    """Drops article responses that are not HTML (PDFs, images, JSON) before extraction."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if not request.meta.get("article"):
            return response
        ctype = response.headers.get(b"Content-Type", b"text/html").split(b";")[0].strip().lower()
        if ctype and ctype not in (b"text/html", b"application/xhtml+xml", b"text/plain"):
            self.crawler.stats.inc_value("veille/skipped_non_html")
            raise IgnoreRequest(f"not HTML ({ctype.decode('latin-1')}): {request.url}")
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, waiting longer before each new try (and as long as Retry-After asks, capped).

    A site answering 429/503 is asking us to slow down; retrying at once would only add load.
    RETRY_BACKOFF_BASE (seconds, 0 turns waiting off) doubles at each try, up to RETRY_BACKOFF_MAX.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    def _wait(self, request, response=None) -> float:
        if self.base <= 0:
            return 0.0
        tries = request.meta.get("retry_times", 0)
        wait = self.base * (2**tries)
        if response is not None:
            after = response.headers.get(b"Retry-After")
            if after and after.strip().isdigit():
                wait = max(wait, float(after))
        return min(wait, self.cap)

    async def _sleep_then(self, request, result, wait: float):
        if isinstance(result, Request) and wait > 0:
            import asyncio

            self.crawler.stats.inc_value("veille/retry_backoff_seconds", int(wait))
            await asyncio.sleep(wait)
        return result

    async def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        return await self._sleep_then(request, result, self._wait(request, response))

    async def process_exception(self, request, exception, spider=None):
        result = super().process_exception(request, exception)
        return await self._sleep_then(request, result, self._wait(request))
