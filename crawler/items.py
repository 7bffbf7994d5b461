"""Typed items handed between the spiders and the item pipelines.

A fetched page is a `PageItem`; extraction turns it into a `db.records.NewArticle`, the one
record the store writes (no crawler-side copy of it, field by field).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageItem:
    """A fetched article page, before extraction. Spiders yield these."""

    url: str  # the URL after redirects
    source: str  # name of the source in the registry
    body: bytes = field(repr=False)  # a 5 MB page in a log line helps nobody
    encoding: str | None = None  # as Scrapy detected it from headers / <meta>
    feed_title: str | None = None  # hints from the feed or sitemap entry
    feed_published: str | None = None
    feed_author: str | None = None
    lang_hint: str | None = None  # the source's expected language
    feed_lang: str | None = None  # the language the feed or sitemap declares for the entry
    lang_candidates: tuple[str, ...] = ()  # languages the watch list declares: detection picks among them
    status: int = 200
