"""Item pipelines: extract the article from each fetched page, then store it once.

Extraction is CPU-bound, so it runs off the reactor thread (which must stay free to download):
in one worker thread for small crawls, in worker processes once a crawl turns out to be big.
Storing is a quick SQLite transaction in the reactor thread: one writer, no lock contention.
"""
from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThreadPool

from crawler.feeds import parse_date
from crawler.items import PageItem
from crawler.urls import canonical_url, url_key
from db.records import NewArticle

log = logging.getLogger(__name__)

# The language of a news article shows in its first paragraphs; py3langid's cost grows with the
# sample. On the shared corpus 1,000 characters agree with 3,000 on all 191 pages, at 1/4 the cost.
LANG_SAMPLE = 1000


def build_article(page: PageItem) -> NewArticle | None:
    """The article of a fetched page (text, metadata, language, fingerprints), or None."""
    from nlp.dedup import content_hash, lsh_bands, minhash
    from nlp.extract import decode_html, extract_article
    from nlp.language import detect

    html = decode_html(page.body, page.encoding)
    extracted = extract_article(html, page.url)
    if extracted is None:
        return None
    published = extracted.published or (page.feed_published or "")[:10] or None
    # the page's <html lang>, the feed's and the source's declared languages are priors; the
    # watch list's languages (plus the analysed ones) are the only candidates
    lang = detect(extracted.text[:LANG_SAMPLE], hint=extracted.lang, hints=(page.feed_lang, page.lang_hint),
                  candidates=page.lang_candidates or None)
    signature, n_shingles = minhash(extracted.text)
    return NewArticle(
        url=page.url,
        canonical_url=canonical_url(page.url),
        url_key=url_key(page.url),
        source=page.source,
        title=extracted.title or page.feed_title,
        text=extracted.text,
        published=published,
        author=extracted.author or page.feed_author,
        lang=lang,
        content_hash=content_hash(extracted.text),
        minhash=signature,
        shingles=n_shingles,
        bands=lsh_bands(signature) if signature else None,
        published_at=_utc(page.feed_published) or _utc(extracted.published),
    )


def _utc(value: str | None) -> str | None:
    """`value` (ISO date or date-time) as a UTC ISO date-time, comparable as text; None if unreadable."""
    iso = parse_date(value)  # the feeds' reader: RFC 822 or ISO, naive as UTC, impossible years refused
    return datetime.fromisoformat(iso).astimezone(UTC).isoformat(timespec="seconds") if iso else None


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: this process ends when the crawl process that started it ends.

    A SIGKILLed crawl cannot shut its pool down, and each orphaned worker holds ~200 MB. On
    Linux the kernel sends SIGKILL on the parent's death (prctl PR_SET_PDEATHSIG); a watchdog
    thread polling the parent pid covers other systems, and a parent gone before prctl ran.
    """
    import ctypes
    import signal
    import threading
    import time

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the watchdog alone
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="veille-parent-watch", daemon=True).start()


def warm_up() -> int:
    """Imports the extraction stack and loads the language model; returns the worker's pid.

    Sent to each new worker process at once, so the imports overlap the first downloads
    instead of delaying the first pages.
    """
    import trafilatura  # noqa: F401

    from nlp.dedup import minhash
    from nlp.language import detect

    detect("warm up the language identifier with a sentence")
    minhash("warm up the fingerprints with a few words of text")
    return os.getpid()


class ExtractPipeline:
    """PageItem → NewArticle, in one worker thread, or in worker processes for big crawls.

    VEILLE_EXTRACT_PROCESSES: 0 = the thread only; N = N processes, -1 (the default) = one per
    core, in both cases once VEILLE_EXTRACT_POOL_AFTER pages have arrived (0: from the first
    page), the thread before: a small crawl, such as a watch round that finds two new articles,
    does not pay for starting processes that import the extraction stack (~1.3 CPU-seconds each).
    One thread, never several: lxml parsers shared by trafilatura's module-level state are
    not thread-safe (two extraction threads crashed the crawl with "double free"), and
    threads share one GIL anyway, so only processes use more than one core.
    """

    def __init__(self, crawler, processes: int = -1, pool_after: int = 32):
        self.crawler = crawler
        self.processes = (os.cpu_count() or 1) if processes < 0 else processes
        self.pool_after = pool_after
        self.pool = None
        self.thread = None
        self.seen = 0

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(crawler, s.getint("VEILLE_EXTRACT_PROCESSES", -1), s.getint("VEILLE_EXTRACT_POOL_AFTER", 32))

    def open_spider(self):
        from twisted.python.threadpool import ThreadPool

        self.thread = ThreadPool(minthreads=1, maxthreads=1, name="veille-extract")
        self.thread.start()
        if self.processes > 0 and self.pool_after == 0:
            self._start_pool()

    def _start_pool(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: forking a process that runs a reactor and threads is unsafe
        self.pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_exit_with_parent, initargs=(os.getpid(),))
        for _ in range(self.processes):
            self.pool.submit(warm_up)
        self.crawler.stats.set_value("veille/extract_processes", self.processes)
        log.info("extracting in %d worker processes", self.processes)

    def close_spider(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.thread is not None:
            self.thread.stop()

    async def process_item(self, item):
        if not isinstance(item, PageItem):
            return item
        self.seen += 1
        if self.pool is None and self.processes > 0 and self.seen > self.pool_after:
            self._start_pool()
        if self.pool is not None:
            article = await self._in_pool(item)
        else:
            from twisted.internet import reactor

            article = await maybe_deferred_to_future(deferToThreadPool(reactor, self.thread, build_article, item))
        if article is None:
            self.crawler.stats.inc_value("veille/pages_without_article")
            raise DropItem(f"no article text in {item.url}")
        self.crawler.stats.inc_value("veille/articles_extracted")
        return article


    async def _in_pool(self, item: PageItem):
        """Extract `item` in the worker pool; a page whose worker died is tried once more.

        One dead worker breaks the whole pool, and every page queued on it fails with it (33 of
        104 in one measured crash): each is retried once on a fresh pool (`veille/extraction_retried`)
        and only a page that breaks a second pool is dropped (`veille/extraction_lost`).
        """
        import asyncio
        from concurrent.futures.process import BrokenProcessPool

        stats = self.crawler.stats
        for attempt in (1, 2):
            pool = self.pool
            try:
                return await asyncio.wrap_future(pool.submit(build_article, item))
            except BrokenProcessPool:
                if attempt == 1:
                    stats.inc_value("veille/extraction_retried")
                self._restart(pool)
        from crawler.extensions import source_counted

        stats.inc_value("veille/extraction_lost")
        # an error of its source as well, so the crawl's summary and health show the lost page
        stats.inc_value("veille/errors")
        self.crawler.signals.send_catch_log(source_counted, source=item.source, counter="error",
                                            reason=f"extraction worker died twice ({item.url})")
        raise DropItem(f"extraction worker died twice on {item.url}")

    def _restart(self, broken) -> None:
        """A fresh pool in place of `broken`, once however many pages saw it break."""
        if self.pool is broken:
            self.crawler.stats.inc_value("veille/extract_worker_crashes")
            log.warning("an extraction worker died; starting new worker processes")
            broken.shutdown(wait=False, cancel_futures=True)
            self._start_pool()


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
            with self.store:  # closed even when the last flush fails
                self.flush()

    def process_item(self, item):
        if not isinstance(item, NewArticle):
            return item
        self.pending.append(item)
        if len(self.pending) >= self.batch:
            self.flush()
        return item

    def flush(self) -> None:
        """Store the pending articles in one transaction and count what happened to them."""
        if not self.pending:
            return
        items, self.pending = self.pending, []
        results = self.store.add_articles(items)
        stats = self.crawler.stats
        for item, stored in zip(items, results):
            item.duplicate_of = stored.duplicate_of
            if not stored.created:
                stats.inc_value("veille/articles_already_stored")
                continue
            stats.inc_value("veille/articles_stored")
            if stored.duplicate_of or stored.demoted:  # either way, one more copy is linked
                stats.inc_value("veille/articles_duplicates")
