"""Downloader middlewares: a loopback guard for tests and the demo, and non-HTML skipping."""
from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlparse

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
