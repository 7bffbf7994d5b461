"""Downloader middlewares: refusal of private destinations, a loopback guard for tests and the demo,
non-HTML skipping, retry backoff."""
from __future__ import annotations

import ipaddress
import logging
import socket
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


# IPv6 forms that carry an IPv4 address inside: the IPv4 address is where the packets end up.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPAT = ipaddress.ip_network("::/96")


def is_private_address(address: str) -> bool:
    """True for loopback, private, link-local, unique-local, shared, reserved or multicast addresses.

    IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible, 6to4 and NAT64 IPv6 addresses are judged by
    the IPv4 address they embed; anything unparsable counts as private (refused).
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and (ip in _NAT64 or (ip in _COMPAT and int(ip) > 1)):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_private_address(str(embedded))
    return not ip.is_global or ip.is_multicast


class RefusedDestination(IgnoreRequest):
    """A request to a private address that no declared URL of the source names."""


class PrivateDestinationMiddleware:
    """Refuses requests (and redirect hops) to private addresses, unless the source declared them.

    A feed entry or a redirect can point anywhere, including the machine's own services
    (127.0.0.1:8001, a cloud metadata address, the intranet): fetching and storing those would
    carry internal data out through briefs and alerts. The host is resolved and every address
    checked before the request goes out; the address the response actually came from is checked
    again (a name may resolve differently the second time). A private host:port that the
    source's own homepage, feeds, sitemaps or follow pages name is allowed: a team that lists
    an intranet site means it. Redirects are new requests and come through here again.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.verdicts: dict[tuple[str, int], str | None] = {}  # (host, port) -> a private address, or None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _declared(self, request) -> frozenset:
        source = request.meta.get("source")
        if source is not None:
            return source.declared_hosts
        # Scrapy's own requests (robots.txt) carry no source: any source's declared hosts will do
        return getattr(self.crawler.spider, "declared_hosts", frozenset())

    async def _private_address(self, host: str, port: int) -> str | None:
        """The first private address `host` resolves to, or None when all are public."""
        key = (host, port)
        if key not in self.verdicts:
            try:
                ipaddress.ip_address(host.strip("[]"))
                addresses = [host.strip("[]")]
            except ValueError:
                import asyncio

                try:
                    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
                except (socket.gaierror, UnicodeError):
                    infos = []  # unresolvable: the download fails on its own, with Scrapy's DNS error
                addresses = [info[4][0] for info in infos]
            self.verdicts[key] = next((a for a in addresses if is_private_address(a)), None)
        return self.verdicts[key]

    def _refuse(self, request, host: str, address: str):
        self.crawler.stats.inc_value("veille/refused_private")
        return RefusedDestination(f"refused private address {address} of {host} (not declared by the source)")

    async def process_request(self, request):
        from crawler.sources import host_port

        host, port = host_port(request.url)
        if (host, port) in self._declared(request):
            return
        address = await self._private_address(host, port)
        if address is not None:
            raise self._refuse(request, host, address)

    def process_response(self, request, response):
        from crawler.sources import host_port

        peer = getattr(response, "ip_address", None)
        host, port = host_port(request.url)
        if peer is not None and is_private_address(str(peer)) and (host, port) not in self._declared(request):
            raise self._refuse(request, host, str(peer))
        return response


class AlreadyStored(IgnoreRequest):
    """An article request for a URL the database already holds."""


class KnownUrlMiddleware:
    """Stops article requests (meta `skip_known`) whose URL key is already stored.

    Seeded once from `db.urls.known_url_keys`: runs are incremental, and a killed crawl started
    again resumes where it stopped. Redirect hops come through here again, so a link that
    redirects to a stored article is not fetched twice either.
    """

    def __init__(self, crawler, keys: set[str]):
        self.crawler = crawler
        self.keys = keys

    @classmethod
    def from_crawler(cls, crawler):
        from db.urls import known_url_keys

        return cls(crawler, known_url_keys(crawler.settings.get("VEILLE_DB")))

    def process_request(self, request):
        from crawler.urls import url_key

        if request.meta.get("skip_known") and url_key(request.url) in self.keys:
            self.crawler.stats.inc_value("veille/articles_known")
            raise AlreadyStored(f"already stored: {request.url}")


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
