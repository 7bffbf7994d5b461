"""The record that crosses the crawl → store boundary: one extracted article, ready to store.

The crawler's extraction builds it (`crawler.pipelines.build_article`), Scrapy carries it as its
item (Scrapy takes dataclass items), and `db.store.Store.add_articles` writes it. It lives in
`db/` because `db` may not import `crawler`; it imports nothing, so extraction worker
processes unpickle it without loading the database layer.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class NewArticle:
    url: str  # the URL after redirects
    canonical_url: str
    url_key: str  # identity of the article (crawler.urls.url_key): unique in the database
    source: str  # name of the source in the registry
    title: str | None
    text: str
    published: str | None  # ISO date YYYY-MM-DD
    author: str | None
    lang: str | None
    content_hash: str
    minhash: bytes | None = None  # MinHash signature; computed from `text` when None
    shingles: int = 0  # number of distinct shingles behind the signature
    # LSH band keys of `minhash` (nlp.dedup.lsh_bands); computed from it when None. Extraction
    # computes them with the signature, so the one writer of a cluster does not (7 % of its time)
    bands: list[int] | None = None
    published_at: str | None = None  # UTC ISO date-time, when known: decides which copy is the original
    duplicate_of: int | None = None  # filled in once stored: the original this article copies
