"""Item pipelines: extract the article from each fetched page, then store it once.

Extraction is CPU-bound, so it runs in Twisted's thread pool rather than the reactor thread
(which must stay free to download). Storing is a quick SQLite transaction in the reactor thread:
one writer, no lock contention.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.items import ArticleItem, PageItem
from crawler.urls import canonical_url, url_key

log = logging.getLogger(__name__)


def build_article(page: PageItem) -> ArticleItem | None:
    """The article of a fetched page (text, metadata, language, fingerprints), or None."""
    from nlp.dedup import content_hash, minhash
    from nlp.extract import decode_html, extract_article
    from nlp.language import detect

    html = decode_html(page.body, page.encoding)
    extracted = extract_article(html, page.url)
    if extracted is None:
        return None
    published = extracted.published or (page.feed_published or "")[:10] or None
    lang = detect(extracted.text, hint=extracted.lang or page.lang_hint)
    signature, n_shingles = minhash(extracted.text)
    return ArticleItem(
        url=page.url,
        canonical_url=canonical_url(page.url),
        source=page.source,
        title=extracted.title or page.feed_title,
        text=extracted.text,
        published=published,
        author=extracted.author or page.feed_author,
        lang=lang,
        content_hash=content_hash(extracted.text),
        minhash=signature,
        shingles=n_shingles,
        published_at=_utc(page.feed_published) or _utc(extracted.published),
        fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def _utc(value: str | None) -> str | None:
    """`value` (ISO date or date-time) as a UTC ISO date-time, comparable as text; None if unreadable."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


class ExtractPipeline:
    """PageItem → ArticleItem, in Twisted's threads or, with VEILLE_EXTRACT_PROCESSES=N, N worker processes.

    Threads share one GIL, so extraction tops out at one core; worker processes use them all
    while the reactor keeps downloading.
    """

    def __init__(self, crawler, processes: int = 0):
        self.crawler = crawler
        self.processes = processes
        self.pool = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getint("VEILLE_EXTRACT_PROCESSES", 0))

    def open_spider(self):
        if self.processes > 0:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: forking a process that runs a reactor and threads is unsafe
            self.pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))

    def close_spider(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item):
        if not isinstance(item, PageItem):
            return item
        if self.pool is not None:
            import asyncio

            article = await asyncio.wrap_future(self.pool.submit(build_article, item))
        else:
            article = await maybe_deferred_to_future(deferToThread(build_article, item))
        if article is None:
            self.crawler.stats.inc_value("veille/pages_without_article")
            raise DropItem(f"no article text in {item.url}")
        self.crawler.stats.inc_value("veille/articles_extracted")
        return article


class StorePipeline:
    """Stores articles in the SQLite database named by the VEILLE_DB setting, in small batches.

    One transaction per batch (VEILLE_STORE_BATCH articles, or whatever arrived within a second)
    rather than per article. A crawl killed before a flush loses no data: the pages it had not
    stored are not known to the database, so the next crawl fetches them again.
    """

    def __init__(self, crawler, db_path: str, batch: int):
        self.crawler = crawler
        self.db_path = db_path
        self.batch = batch
        self.store = None
        self.pending: list = []
        self.timer = None

    @classmethod
    def from_crawler(cls, crawler):
        db_path = crawler.settings.get("VEILLE_DB")
        if not db_path:
            raise NotConfigured("VEILLE_DB is not set: articles are not stored")
        return cls(crawler, db_path, crawler.settings.getint("VEILLE_STORE_BATCH", 50))

    def open_spider(self):
        from twisted.internet import task

        from db.store import Store

        self.store = Store(self.db_path)
        self.timer = task.LoopingCall(self.flush)
        self.timer.start(1.0, now=False)

    def close_spider(self):
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        if self.store is not None:
            self.flush()
            self.store.close()

    def process_item(self, item):
        if not isinstance(item, ArticleItem):
            return item
        self.pending.append(item)
        if len(self.pending) >= self.batch:
            self.flush()
        return item

    def flush(self) -> None:
        """Store the pending articles in one transaction and count what happened to them."""
        if not self.pending:
            return
        from db.store import NewArticle

        items, self.pending = self.pending, []
        results = self.store.add_articles([
            NewArticle(
                url=item.url,
                canonical_url=item.canonical_url,
                url_key=url_key(item.url),
                source=item.source,
                title=item.title,
                text=item.text,
                published=item.published,
                author=item.author,
                lang=item.lang,
                content_hash=item.content_hash,
                minhash=item.minhash,
                shingles=item.shingles,
                published_at=item.published_at,
            )
            for item in items
        ])
        stats = self.crawler.stats
        for item, stored in zip(items, results):
            item.duplicate_of = stored.duplicate_of
            if not stored.created:
                stats.inc_value("veille/articles_already_stored")
                continue
            stats.inc_value("veille/articles_stored")
            if stored.duplicate_of or stored.demoted:  # either way, one more copy is linked
                stats.inc_value("veille/articles_duplicates")
