"""Typed items handed between the spiders, the item pipelines and the store."""
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


@dataclass
class ArticleItem:
    """An extracted article, ready to store. The extraction pipeline turns PageItems into these."""

    url: str
    canonical_url: str
    source: str
    title: str | None
    text: str
    published: str | None  # ISO date YYYY-MM-DD
    author: str | None
    lang: str | None
    content_hash: str
    minhash: bytes = b""  # MinHash signature for near-duplicate detection
    shingles: int = 0  # number of distinct shingles behind the signature
    published_at: str | None = None  # UTC ISO date-time, decides which copy is the original
    fetched_at: str = ""
    duplicate_of: int | None = None
