"""Feed and sitemap discovery for `veille sources add URL`: what a site offers a crawler.

Looks where sites announce them: `<link rel="alternate">` in the page, `Sitemap:` lines of
robots.txt, then a few conventional paths. Every candidate is fetched and parsed before it is
kept, so a source never starts with a feed that is not one.
"""
from __future__ import annotations

import logging
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

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


def fetch(url: str, user_agent: str, timeout: float = 15) -> tuple[int, str, bytes]:
    """(status, content type, body up to MAX_BYTES) of a GET; raises DiscoveryError when unreachable."""
    req = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (http(s) checked by caller)
            return resp.status, resp.headers.get("Content-Type", ""), resp.read(MAX_BYTES)
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
    from lxml import html as lhtml

    try:
        doc = lhtml.fromstring(html)
    except (ValueError, Exception):  # lxml raises ParserError on empty or binary bodies
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
    """The feeds and news sitemaps a site offers, each checked by fetching and parsing it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DiscoveryError(f"{url!r} is not an http(s) URL")
    status, ctype, body = fetch(url, user_agent, timeout)
    if status >= 400:
        raise DiscoveryError(f"{url} answered HTTP {status}")
    root = f"{parts.scheme}://{parts.netloc}/"
    notes: list[str] = []
    if _is_feed(body):  # the user gave a feed: its site is the homepage
        found = Discovered(name=parts.netloc, homepage=root, lang=None, feeds=[url])
        status, _, home = fetch(root, user_agent, timeout)
        if status < 400:
            name, lang, _ = _page_facts(home, root)
            found.name, found.lang = name or found.name, lang
        return found
    name, lang, announced = _page_facts(body, url)
    found = Discovered(name=name or parts.netloc, homepage=url, lang=lang, notes=notes)
    candidates = announced or [urljoin(root, p) for p in COMMON_FEEDS]
    for feed in candidates:
        st, _, fbody = fetch(feed, user_agent, timeout)
        if st < 400 and _is_feed(fbody):
            found.feeds.append(feed)
        elif announced:
            notes.append(f"announced feed {feed} is not readable (HTTP {st})")
        if not announced and found.feeds:
            break  # one conventional feed is enough
    found.sitemaps = _news_sitemaps(root, user_agent, timeout, notes)
    if not found.feeds and not found.sitemaps:
        raise DiscoveryError(f"{url}: no feed or news sitemap found ({'; '.join(notes) or 'none announced'})")
    return found


def _news_sitemaps(root: str, user_agent: str, timeout: float, notes: list[str]) -> list[str]:
    """News sitemaps from robots.txt `Sitemap:` lines, else conventional paths; full sitemaps are skipped."""
    listed = []
    st, _, robots = fetch(urljoin(root, "robots.txt"), user_agent, timeout)
    if st < 400:
        for line in robots.decode("utf-8", "replace").splitlines():
            m = re.match(r"\s*sitemap\s*:\s*(\S+)", line, re.IGNORECASE)
            if m:
                listed.append(urljoin(root, m.group(1)))
    news = [u for u in listed if "news" in u.lower()]
    if listed and not news:
        notes.append(f"robots.txt lists {len(listed)} sitemap(s), none of them a news sitemap: not used")
    candidates = news or ([] if listed else [urljoin(root, p) for p in COMMON_SITEMAPS])
    out = []
    for url in candidates:
        st, _, body = fetch(url, user_agent, timeout)
        if st < 400 and _is_sitemap(body):
            out.append(url)
        elif news:
            notes.append(f"sitemap {url} is not readable (HTTP {st})")
    return out
