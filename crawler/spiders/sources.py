"""Spiders that follow the watch list: every feed, news sitemap and listing page of every source.

`sources` does all three kinds; `feeds` and `sitemaps` restrict it to one kind of entry point.
Article pages already stored (by URL key) are not fetched again, so runs are incremental and a
killed crawl started again resumes where it stopped.
"""
from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timezone
from urllib.parse import urljoin, urlparse

import scrapy

from crawler.feeds import Entry, FeedError, parse_feed, parse_sitemap
from crawler.items import PageItem
from crawler.sources import Source, load_sources
from crawler.urls import url_key

log = logging.getLogger(__name__)

HTML_TYPES = (b"text/html", b"application/xhtml")


class SourcesSpider(scrapy.Spider):
    name = "sources"
    entry_kinds = ("feeds", "sitemaps", "follow")

    def __init__(self, sources: str | None = None, only: str | None = None, since: str | None = None, **kw):
        super().__init__(**kw)
        self.sources_path = sources
        self.only = {s.strip() for s in only.split(",")} if only else None
        self.since = datetime.fromisoformat(since).replace(tzinfo=timezone.utc) if since else None
        self._known: sqlite3.Connection | None = None

    # -- set-up -------------------------------------------------------------------------------

    def _sources(self) -> list[Source]:
        path = self.sources_path or self.settings.get("VEILLE_SOURCES")
        sources = load_sources(path)
        if self.only:
            sources = [s for s in sources if s.name in self.only]
        return sources

    def _is_known(self, url: str) -> bool:
        """True when the article at `url` is already stored (read-only lookup)."""
        db_path = self.settings.get("VEILLE_DB")
        if not db_path:
            return False
        if self._known is None:
            try:
                self._known = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False)
                self._known.execute("SELECT 1 FROM articles LIMIT 1")
            except sqlite3.Error:
                self._known = None
                return False
        return self._known.execute("SELECT 1 FROM articles WHERE url_key = ?", [url_key(url)]).fetchone() is not None

    async def start(self):
        for source in self._sources():
            self.crawler.stats.inc_value("veille/sources")
            meta = {"source": source}
            if "feeds" in self.entry_kinds:
                for url in source.feeds:
                    yield scrapy.Request(url, self.parse_feed, meta=meta, errback=self.on_error, dont_filter=True)
            if "sitemaps" in self.entry_kinds:
                for url in source.sitemaps:
                    yield scrapy.Request(url, self.parse_sitemap, meta=meta, errback=self.on_error, dont_filter=True)
            if "follow" in self.entry_kinds:
                for url in source.follow:
                    yield scrapy.Request(
                        url, self.parse_listing, meta={**meta, "depth_left": source.max_depth}, errback=self.on_error
                    )

    # -- entry points -------------------------------------------------------------------------

    def _too_old(self, entry: Entry) -> bool:
        if not (self.since and entry.published):
            return False
        try:
            return datetime.fromisoformat(entry.published) < self.since
        except ValueError:
            return False

    def _article_requests(self, entries, source: Source, via: str):
        for entry in entries:
            url = entry.url
            if urlparse(url).scheme not in ("http", "https"):
                self.crawler.stats.inc_value("veille/entries_bad_url")
                continue
            if self._too_old(entry) or not source.accepts(url):
                self.crawler.stats.inc_value("veille/entries_skipped")
                continue
            if self._is_known(url):
                self.crawler.stats.inc_value("veille/articles_known")
                continue
            self.crawler.stats.inc_value(f"veille/entries_from_{via}")
            yield scrapy.Request(
                url,
                self.parse_article,
                meta={"source": source, "entry": entry, "article": True},
                errback=self.on_error,
            )

    def parse_feed(self, response):
        source: Source = response.meta["source"]
        try:
            entries = parse_feed(response.body)
        except FeedError as exc:
            self._fail(source, response.url, f"bad feed: {exc}")
            return
        self.crawler.stats.inc_value("veille/feeds_ok")
        yield from self._article_requests(entries, source, "feeds")

    def parse_sitemap(self, response):
        source: Source = response.meta["source"]
        try:
            sitemap = parse_sitemap(response.body)
        except FeedError as exc:
            self._fail(source, response.url, f"bad sitemap: {exc}")
            return
        self.crawler.stats.inc_value("veille/sitemaps_ok")
        for child in sitemap.children:
            if not self._too_old(child):
                yield scrapy.Request(child.url, self.parse_sitemap, meta=response.meta, errback=self.on_error)
        yield from self._article_requests(sitemap.entries, source, "sitemaps")

    def parse_listing(self, response):
        source: Source = response.meta["source"]
        if not response.headers.get(b"Content-Type", b"text/html").lower().startswith(HTML_TYPES):
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
                if not source.accepts(e.url) and not any(d for d in source.deny if d in e.url):
                    yield scrapy.Request(
                        e.url, self.parse_listing, meta={**response.meta, "depth_left": depth_left - 1},
                        errback=self.on_error,
                    )

    def parse_article(self, response):
        source: Source = response.meta["source"]
        entry: Entry = response.meta["entry"]
        yield PageItem(
            url=response.url,
            source=source.name,
            body=response.body,
            encoding=getattr(response, "encoding", None),
            feed_title=entry.title,
            feed_published=entry.published,
            feed_author=entry.author,
            lang_hint=source.lang,
            status=response.status,
        )

    # -- failures -------------------------------------------------------------------------------

    def _fail(self, source: Source, url: str, reason: str) -> None:
        self.logger.warning("%s: %s (%s)", source.name, reason, url)
        self.crawler.stats.inc_value("veille/errors")
        self.crawler.stats.inc_value(f"veille/errors/{source.name}")

    def on_error(self, failure):
        request = failure.request
        source = request.meta.get("source")
        reason = failure.getErrorMessage() or failure.type.__name__
        response = getattr(failure.value, "response", None)
        if response is not None:
            reason = f"HTTP {response.status}"
        if source is not None:
            self._fail(source, request.url, reason)

    def closed(self, reason):
        if self._known is not None:
            self._known.close()


class FeedsSpider(SourcesSpider):
    name = "feeds"
    entry_kinds = ("feeds",)


class SitemapsSpider(SourcesSpider):
    name = "sitemaps"
    entry_kinds = ("sitemaps",)


class ListingsSpider(SourcesSpider):
    name = "listings"
    entry_kinds = ("follow",)
