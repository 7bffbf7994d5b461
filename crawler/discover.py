"""Feed and sitemap discovery for `veille sources add URL`: what a site offers a crawler.

Looks where sites announce them: `<link rel="alternate">` in the page, `Sitemap:` lines of
robots.txt, then a few conventional paths. Every candidate is fetched and parsed before it is
kept, so a source never starts with a feed that is not one.

The crawler's private-destination rule (`crawler.addresses`) applies here too: a page can
link anywhere, so only the host:port the user typed may be a private address; any other
request, or redirect hop, to a loopback, private or link-local address is refused.
"""
from __future__ import annotations

import http.client
import logging
import re
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from crawler.addresses import host_port, is_private_address, private_address
from crawler.feeds import FeedError, parse_feed, parse_sitemap
from nlp.errors import VeilleError

log = logging.getLogger(__name__)

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
              "application/rdf+xml", "text/xml", "application/xml")
# tried only when the page names no feed: WordPress, Drupal and common CMS defaults
COMMON_FEEDS = ("feed/", "rss.xml", "feed.xml", "atom.xml", "rss/", "index.xml")
COMMON_SITEMAPS = ("sitemap_news.xml", "news-sitemap.xml", "sitemap-news.xml")
MAX_BYTES = 4 * 1024 * 1024


class DiscoveryError(VeilleError, ValueError):
    """The URL cannot be read, or offers nothing to crawl."""


class RefusedAddress(DiscoveryError):
    """A request to a private address that is not the host:port the user gave."""


@dataclass
class Discovered:
    name: str
    homepage: str
    lang: str | None
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was tried and rejected, for the user

    def to_toml(self, kind: str = "press", country: str = "") -> str:
        """A `[[source]]` table for sources.toml."""

        def q(s: str) -> str:
            return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

        lines = [
            "[[source]]",
            f"name = {q(self.name)}",
            f"homepage = {q(self.homepage)}",
            f"lang = {q(self.lang or 'fr')}",
            f"country = {q(country)}",
            f"kind = {q(kind)}",
            "feeds = [" + ", ".join(q(u) for u in self.feeds) + "]",
            "sitemaps = [" + ", ".join(q(u) for u in self.sitemaps) + "]",
        ]
        return "\n".join(lines) + "\n"


def _refused(url: str, host: str, address: str) -> RefusedAddress:
    where = f"{host} is a private address" if host == address else f"{host} resolves to the private address {address}"
    return RefusedAddress(f"refused {url}: {where}, not the host:port given")


class _PeerChecked:
    """A connection that checks the address it reached before a byte of the request is sent.

    The name was checked before connecting (`_Guard`); it may resolve differently by now (DNS
    rebinding), so the peer is judged again. Through a proxy the peer is the proxy: not judged.
    """

    def __init__(self, *args, target: tuple[str, int], allowed: frozenset, proxied: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.target, self.allowed, self.proxied = target, allowed, proxied

    def connect(self):
        super().connect()
        if self.proxied or self.target in self.allowed:
            return
        peer = self.sock.getpeername()[0]
        if is_private_address(peer):
            self.close()
            raise _refused(f"{self.target[0]}:{self.target[1]}", self.target[0], peer)


class _CheckedHTTP(_PeerChecked, http.client.HTTPConnection):
    pass


class _CheckedHTTPS(_PeerChecked, http.client.HTTPSConnection):
    pass


class _Guard(urllib.request.BaseHandler):
    """Judges every request before it goes out: urllib sends each redirect hop through here again."""

    def __init__(self, allowed: frozenset):
        self.allowed = allowed

    def http_request(self, req):
        host, port = host_port(req.full_url)
        if (host, port) not in self.allowed:
            address = private_address(host, port)
            if address is not None:
                raise _refused(req.full_url, host, address)
        return req

    https_request = http_request

    def connection_args(self, req) -> dict:
        """What a `_PeerChecked` connection of `req` needs to judge its peer."""
        return {"target": host_port(req.full_url), "allowed": self.allowed,
                "proxied": urlsplit(req.full_url).netloc.lower() != req.host.lower()}


class _HTTP(urllib.request.HTTPHandler):
    def __init__(self, guard: _Guard):
        super().__init__()
        self.guard = guard

    def http_open(self, req):
        return self.do_open(_CheckedHTTP, req, **self.guard.connection_args(req))


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, guard: _Guard):
        super().__init__()
        self.guard, self.context = guard, ssl.create_default_context()

    def https_open(self, req):
        return self.do_open(_CheckedHTTPS, req, context=self.context, **self.guard.connection_args(req))


def opener(allowed: frozenset) -> urllib.request.OpenerDirector:
    """A urllib opener under the private-destination rule, `allowed` being (host, port) pairs."""
    guard = _Guard(frozenset(allowed))
    return urllib.request.build_opener(guard, _HTTP(guard), _HTTPS(guard))


def fetch(url: str, user_agent: str, timeout: float = 15,
          allowed: frozenset = frozenset()) -> tuple[int, str, bytes]:
    """(status, content type, body up to MAX_BYTES) of a GET; raises DiscoveryError when unreachable.

    Raises RefusedAddress for a private address (of the URL or of a redirect hop) outside `allowed`.
    """
    req = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": "*/*"})
    try:
        with opener(allowed).open(req, timeout=timeout) as resp:  # http(s) checked by the caller
            return resp.status, resp.headers.get("Content-Type", ""), resp.read(MAX_BYTES)
    except RefusedAddress:
        raise
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", "") if exc.headers else "", b""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DiscoveryError(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from None


def _is_feed(body: bytes) -> bool:
    try:
        parse_feed(body)
        return True
    except FeedError:
        return False


def _is_sitemap(body: bytes) -> bool:
    try:
        parse_sitemap(body)
        return True
    except FeedError:
        return False


def _page_facts(html: bytes, base: str) -> tuple[str | None, str | None, list[str]]:
    """(site name, language, announced feed URLs) of an HTML page."""
    from lxml import etree
    from lxml import html as lhtml

    try:
        doc = lhtml.fromstring(html)
    except (ValueError, etree.LxmlError):  # ParserError on empty or binary bodies
        return None, None, []
    name = (doc.xpath('string(//meta[@property="og:site_name"]/@content)') or "").strip()
    if not name:
        name = (doc.xpath("string(//title)") or "").strip()
        name = re.split(r"\s+[|\-–—:]\s+", name)[0].strip() if name else ""
    lang = (doc.xpath("string(/html/@lang)") or "").strip()[:2].lower() or None
    feeds = []
    for link in doc.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        ctype = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and ctype in FEED_TYPES:
            url = urljoin(base, link.get("href").strip())
            if url not in feeds:
                feeds.append(url)
    return name or None, lang, feeds


def discover(url: str, user_agent: str = "veille/0.1 (source discovery)", timeout: float = 15) -> Discovered:
    """The feeds and news sitemaps a site offers, each checked by fetching and parsing it.

    Only the host:port of `url` may be a private address (the user named it); a feed or
    sitemap elsewhere on a private address is refused and said so in `notes`.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DiscoveryError(f"{url!r} is not an http(s) URL")
    allowed = frozenset({host_port(url)})

    def get(target: str) -> tuple[int, str, bytes]:
        return fetch(target, user_agent, timeout, allowed)

    status, ctype, body = get(url)
    if status >= 400:
        raise DiscoveryError(f"{url} answered HTTP {status}")
    root = f"{parts.scheme}://{parts.netloc}/"
    notes: list[str] = []
    if _is_feed(body):  # the user gave a feed: its site is the homepage
        found = Discovered(name=parts.netloc, homepage=root, lang=None, feeds=[url])
        status, _, home = get(root)
        if status < 400:
            name, lang, _ = _page_facts(home, root)
            found.name, found.lang = name or found.name, lang
        return found
    name, lang, announced = _page_facts(body, url)
    found = Discovered(name=name or parts.netloc, homepage=url, lang=lang, notes=notes)
    candidates = announced or [urljoin(root, p) for p in COMMON_FEEDS]
    # one conventional feed is enough; every announced one is kept
    found.feeds.extend(_readable(candidates, get, _is_feed, notes, "announced feed" if announced else None,
                                 first_only=not announced))
    found.sitemaps = _news_sitemaps(root, get, notes)
    if not found.feeds and not found.sitemaps:
        raise DiscoveryError(f"{url}: no feed or news sitemap found ({'; '.join(notes) or 'none announced'})")
    return found


def _news_sitemaps(root: str, get, notes: list[str]) -> list[str]:
    """News sitemaps from robots.txt `Sitemap:` lines, else conventional paths; full sitemaps are skipped.

    `get(url)` is `fetch` under the rule of this discovery.
    """
    listed = []
    st, _, robots = get(urljoin(root, "robots.txt"))
    if st < 400:
        for line in robots.decode("utf-8", "replace").splitlines():
            m = re.match(r"\s*sitemap\s*:\s*(\S+)", line, re.IGNORECASE)
            if m:
                listed.append(urljoin(root, m.group(1)))
    news = [u for u in listed if "news" in u.lower()]
    if listed and not news:
        notes.append(f"robots.txt lists {len(listed)} sitemap(s), none of them a news sitemap: not used")
    candidates = news or ([] if listed else [urljoin(root, p) for p in COMMON_SITEMAPS])
    return _readable(candidates, get, _is_sitemap, notes, "sitemap" if news else None)


def _readable(urls: list[str], get, looks_right, notes: list[str], what: str | None,
              first_only: bool = False) -> list[str]:
    """The `urls` that answer with a body `looks_right` accepts. A refused address is noted;
    so is an unreadable URL when `what` names it (a URL the site announced, not a guess)."""
    out = []
    for url in urls:
        try:
            st, _, body = get(url)
        except RefusedAddress as exc:
            notes.append(str(exc))
            continue
        if st < 400 and looks_right(body):
            out.append(url)
            if first_only:
                break
        elif what:
            notes.append(f"{what} {url} is not readable (HTTP {st})")
    return out
