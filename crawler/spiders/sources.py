"""Spiders that follow the watch list: every feed, news sitemap and listing page of every source.

`sources` does all three kinds; `feeds` and `sitemaps` restrict it to one kind of entry point.
Article pages already stored (by URL key) are not fetched again (`KnownUrlMiddleware`), so runs
are incremental and a killed crawl started again resumes where it stopped. What happens to each
source is announced on the `source_counted` signal; `crawler.extensions.HealthRecorder` counts
it and writes the source's health.
"""
from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from urllib.parse import urljoin, urlparse

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.addresses import host_port
from crawler.extensions import source_counted
from crawler.feeds import Entry, FeedError, FeedRefused, parse_feed, parse_sitemap
from crawler.items import PageItem
from crawler.middlewares import AlreadyStored, RefusedDestination
from crawler.sources import Source, load_sources
from crawler.urls import url_key
from db.health import load_validators

log = logging.getLogger(__name__)

HTML_TYPES = (b"text/html", b"application/xhtml")
FORBIDDEN = (401, 403, 451)


class SourcesSpider(scrapy.Spider):
    name = "sources"
    entry_kinds = ("feeds", "sitemaps", "follow")
    conditional = True  # send the ETag / Last-Modified of the previous crawl with each feed request
    sample: int | None = None  # `check` fetches only this many articles per source, and stores none

    def __init__(self, sources: str | None = None, only: str | None = None, since: str | None = None, **kw):
        super().__init__(**kw)
        self.sources_path = sources
        self.only = {s.strip() for s in only.split(",")} if only else None
        self.since = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
        self.sources: list[Source] = []
        self._validators: dict[str, tuple[str | None, str | None]] = {}
        self._new_validators: dict[str, tuple[str, str | None, str | None]] = {}
        self._entry_failed: set[str] = set()  # entry points with an article that failed: refetch next time
        self._requested: set[str] = set()  # URL keys asked for in this run (feed + sitemap listing one page)
        self._sampled: dict[str, int] = {}
        self._sitemaps: set[str] = set()  # sitemap URLs asked for in this run: an index loop ends here
        self._sitemaps_per_source: dict[str, int] = {}
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.watch_languages: tuple[str, ...] = ()  # every source's language, `only` or not

    # -- set-up -------------------------------------------------------------------------------

    def _sources(self) -> list[Source]:
        path = self.sources_path or self.settings.get("VEILLE_SOURCES")
        sources = load_sources(path)
        self.watch_languages = tuple(sorted({s.lang for s in sources if s.lang}))
        if self.only:
            sources = [s for s in sources if s.name in self.only]
        return sources

    @property
    def declared_hosts(self) -> frozenset:
        """(host, port) of every URL the sources file declares (see PrivateDestinationMiddleware)."""
        return frozenset().union(*(s.declared_hosts for s in self.sources))

    def _count(self, source: Source, counter: str, amount: int = 1, reason: str | None = None) -> None:
        """Announce one event of `source` (a `db.health.SourceRun` counter, or "error" with its reason)."""
        self.crawler.signals.send_catch_log(source_counted, source=source.name, counter=counter, amount=amount,
                                            reason=reason)

    def _entry_request(self, url: str, callback, source: Source, **meta) -> scrapy.Request:
        self._count(source, "entry_points")
        self.crawler.stats.inc_value("veille/entry_points")
        headers = {}
        etag, modified = self._validators.get(url, (None, None)) if self.conditional else (None, None)
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        return scrapy.Request(
            url, callback, headers=headers, errback=self.on_error, dont_filter=True,
            meta={"source": source, "entry_point": url, "handle_httpstatus_list": [304], **meta},
        )

    async def start(self):
        if self.conditional:
            self._validators = load_validators(self.settings.get("VEILLE_DB"))
        self.sources = self._sources()
        for source in self.sources:
            self.crawler.stats.inc_value("veille/sources")
            self._count(source, "entry_points", 0)  # a source with nothing to fetch still gets its row
            if "feeds" in self.entry_kinds:
                for url in source.feeds:
                    yield self._entry_request(url, self.parse_feed, source)
            if "sitemaps" in self.entry_kinds:
                for url in source.sitemaps:
                    if self._sitemap_allowed(url, source, 0):
                        yield self._entry_request(url, self.parse_sitemap, source, sitemap_depth=0)
            if "follow" in self.entry_kinds:
                for url in source.follow:
                    yield self._entry_request(url, self.parse_listing, source, depth_left=source.max_depth)

    def _entry_ok(self, response, source: Source) -> bool:
        """Book-keeping for an answered entry point; False when it was not modified since last time."""
        if response.status == 304:
            self._count(source, "not_modified")
            self.crawler.stats.inc_value("veille/entry_points_not_modified")
            return False
        self._count(source, "entry_points_ok")
        etag = response.headers.get(b"ETag")
        modified = response.headers.get(b"Last-Modified")
        url = response.meta.get("entry_point")
        if url and (etag or modified) and self.conditional:
            self._new_validators[url] = (
                source.name,
                etag.decode("latin-1") if etag else None,
                modified.decode("latin-1") if modified else None,
            )
        return True

    # -- entry points -------------------------------------------------------------------------

    def _too_old(self, entry: Entry) -> bool:
        if not (self.since and entry.published):
            return False
        try:
            return datetime.fromisoformat(entry.published) < self.since
        except ValueError:
            return False

    def _article_requests(self, entries, source: Source, via: str, entry_point: str | None = None):
        for entry in entries:
            url = entry.url
            if via != "listings":
                self._count(source, "items_seen")
            if urlparse(url).scheme not in ("http", "https"):
                self.crawler.stats.inc_value("veille/entries_bad_url")
                continue
            if self._too_old(entry) or not source.accepts(url):
                self.crawler.stats.inc_value("veille/entries_skipped")
                continue
            key = url_key(url)
            if key in self._requested:
                continue
            if self.sample is not None:
                if self._sampled.get(source.name, 0) >= self.sample:
                    continue
                self._sampled[source.name] = self._sampled.get(source.name, 0) + 1
            self._requested.add(key)
            self._count(source, "articles_requested")
            self.crawler.stats.inc_value(f"veille/entries_from_{via}")
            yield scrapy.Request(
                url,
                self.parse_article,
                meta={"source": source, "entry": entry, "article": True, "from_entry": entry_point,
                      "skip_known": self.sample is None},
                errback=self.on_error,
                # our URL keys already dedup; Scrapy's filter would also swallow a redirect loop
                # silently instead of letting REDIRECT_MAX_TIMES report it
                dont_filter=True,
            )

    def _read_entry(self, response, parse, what: str):
        """The entry point's body read by `parse`, or None when it is not modified or unreadable."""
        source: Source = response.meta["source"]
        if not self._entry_ok(response, source):
            return None
        try:
            parsed = parse(response.body)
        except FeedError as exc:
            self._entry_bad(source, response, exc, f"bad {what}")
            return None
        self.crawler.stats.inc_value(f"veille/{what}s_ok")
        return parsed

    def parse_feed(self, response):
        entries = self._read_entry(response, parse_feed, "feed")
        if entries is not None:
            yield from self._article_requests(entries, response.meta["source"], "feeds",
                                              response.meta.get("entry_point"))

    def parse_sitemap(self, response):
        sitemap = self._read_entry(response, parse_sitemap, "sitemap")
        if sitemap is None:
            return
        source: Source = response.meta["source"]
        self._sitemaps.add(response.url)  # after a redirect, the final URL counts as visited too
        depth = response.meta.get("sitemap_depth", 0) + 1
        for child in sitemap.children:
            # an index's children are fetched in full each time; their lastmod says which changed
            if not self._too_old(child) and self._sitemap_allowed(child.url, source, depth):
                yield self._entry_request(child.url, self.parse_sitemap, source, sitemap_depth=depth)
        yield from self._article_requests(sitemap.entries, source, "sitemaps", response.meta.get("entry_point"))

    def _sitemap_allowed(self, url: str, source: Source, depth: int) -> bool:
        """Each sitemap once per run, at most VEILLE_SITEMAP_MAX_DEPTH indexes deep and
        VEILLE_SITEMAPS_PER_SOURCE per source: an index listing itself, or A -> B -> A, ends here."""
        url = url.split("#", 1)[0]
        if url in self._sitemaps:
            self.crawler.stats.inc_value("veille/sitemaps_repeated")
            return False
        settings = self.crawler.settings
        n = self._sitemaps_per_source.get(source.name, 0)
        if depth > settings.getint("VEILLE_SITEMAP_MAX_DEPTH", 3) or n >= settings.getint("VEILLE_SITEMAPS_PER_SOURCE", 200):
            self.crawler.stats.inc_value("veille/sitemaps_over_bounds")
            self.logger.warning("%s: sitemap %s not fetched (depth %d, %d sitemaps already; see"
                                " VEILLE_SITEMAP_MAX_DEPTH, VEILLE_SITEMAPS_PER_SOURCE)", source.name, url, depth, n)
            return False
        self._sitemaps.add(url)
        self._sitemaps_per_source[source.name] = n + 1
        return True

    def _entry_bad(self, source: Source, response, exc: FeedError, what: str) -> None:
        self._count(source, "entry_points_ok", -1)  # answered, but unreadable
        if isinstance(exc, FeedRefused):
            self._count(source, "feeds_refused")
            self.crawler.stats.inc_value("veille/feeds_refused")
        self._new_validators.pop(response.meta.get("entry_point"), None)
        self._fail(source, response.url, str(exc) if isinstance(exc, FeedRefused) else f"{what}: {exc}")

    def parse_listing(self, response):
        source: Source = response.meta["source"]
        if not self._entry_ok(response, source):
            return
        if not response.headers.get(b"Content-Type", b"text/html").lower().startswith(HTML_TYPES):
            self._entry_bad(source, response, "listing is not HTML")
            return
        domain = source.domain
        links = []
        for href in response.css("a::attr(href)").getall():
            url = urljoin(response.url, href).split("#", 1)[0]
            if urlparse(url).netloc.lower() == domain and url != response.url:
                links.append(Entry(url=url))
        depth_left = response.meta.get("depth_left", 1)
        # allow/deny patterns decide which links are articles; the others may be listings
        articles = [e for e in links if source.allow and source.accepts(e.url)] if source.allow else links
        yield from self._article_requests(articles, source, "listings")
        if depth_left > 1 and source.allow:
            for e in links:
                if not source.accepts(e.url) and not any(re.search(d, e.url) for d in source.deny):
                    yield scrapy.Request(
                        e.url, self.parse_listing,
                        meta={"source": source, "depth_left": depth_left - 1, "handle_httpstatus_list": [304]},
                        errback=self.on_error,
                    )

    def parse_article(self, response):
        source: Source = response.meta["source"]
        entry: Entry = response.meta["entry"]
        self._count(source, "articles_fetched")
        if self.sample is not None:
            return  # a health check: fetchable is all we wanted to know
        yield PageItem(
            url=response.url,
            source=source.name,
            body=response.body,
            encoding=getattr(response, "encoding", None),
            feed_title=entry.title,
            feed_published=entry.published,
            feed_author=entry.author,
            feed_lang=entry.lang,
            lang_hint=source.lang,
            lang_candidates=self.watch_languages,
            status=response.status,
        )

    # -- failures -------------------------------------------------------------------------------

    def _fail(self, source: Source, url: str, reason: str) -> None:
        self.logger.warning("%s: %s (%s)", source.name, reason, url)
        self.crawler.stats.inc_value("veille/errors")
        self.crawler.stats.inc_value(f"veille/errors/{source.name}")
        self._count(source, "error", reason=f"{reason} ({url})")

    def on_error(self, failure):
        request = failure.request
        source = request.meta.get("source")
        reason = failure.getErrorMessage() or failure.type.__name__
        response = getattr(failure.value, "response", None)
        if source is None:
            return
        if failure.check(AlreadyStored):
            self._count(source, "articles_requested", -1)  # stopped before it left: not a request to the site
            return
        is_article = bool(request.meta.get("article"))
        handed = None
        if failure.check(RefusedDestination):
            self._count(source, "refused_private")
            handed = self._hand_over(request, source) if is_article else None
        elif failure.check(HttpError) and response is not None:
            reason = f"HTTP {response.status}"
            if is_article and response.status in FORBIDDEN:
                self._count(source, "articles_forbidden")
                self.crawler.stats.inc_value("veille/articles_forbidden")
        elif failure.check(IgnoreRequest) and "robots.txt" in reason:
            self._count(source, "robots_disallowed")
            self.crawler.stats.inc_value("veille/robots_disallowed")
        transient = not failure.check(IgnoreRequest) and (
            response is None or response.status >= 500 or response.status in (408, 429)
        )
        if is_article and transient and request.meta.get("from_entry"):
            # an article lost to a passing fault must be listed again next time: no 304 for its feed
            self._entry_failed.add(request.meta["from_entry"])
        self._fail(source, request.url, reason)
        return [handed] if handed is not None else None

    def _hand_over(self, request, refused_for: Source) -> scrapy.Request | None:
        """The article request refused for `refused_for` (a private address it does not declare), made
        again for the source of this crawl that declares that address, if there is one.

        Its URL was marked requested when the first source listed it, so the source that may fetch
        it never asked: without this the article would be lost to the order the feeds came in.
        """
        target = host_port(request.url)
        owner = next((s for s in self.sources if s is not refused_for and target in s.declared_hosts
                      and s.accepts(request.url)), None)
        if owner is None:
            return None
        self._count(owner, "articles_requested")
        meta = {k: request.meta[k] for k in ("entry", "article", "skip_known") if k in request.meta}
        return request.replace(meta={**meta, "source": owner, "from_entry": None})

    def validators_to_save(self, reason: str) -> dict[str, tuple[str, str | None, str | None]]:
        """The feed validators this run may keep: none unless it went to its end.

        A killed or interrupted crawl must list its feeds again, or the articles it had not
        reached would be lost; so must a feed with an article lost to a passing fault.
        """
        if reason != "finished" or self.sample is not None or not self.conditional:
            return {}
        return {u: v for u, v in self._new_validators.items() if u not in self._entry_failed}


class FeedsSpider(SourcesSpider):
    name = "feeds"
    entry_kinds = ("feeds",)


class SitemapsSpider(SourcesSpider):
    name = "sitemaps"
    entry_kinds = ("sitemaps",)


class ListingsSpider(SourcesSpider):
    name = "listings"
    entry_kinds = ("follow",)


class CheckSpider(SourcesSpider):
    """Health check: reads every entry point in full and fetches a few articles per source, storing nothing."""

    name = "check"
    conditional = False
    sample = 3

    async def start(self):
        self.sample = self.settings.getint("VEILLE_CHECK_SAMPLE", 3)
        async for request in super().start():
            yield request
