"""Kill and resume: a crawl SIGKILLed mid-run and started again stores every article exactly once."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time

import pytest

from crawler.crawl import crawl_command, crawl_in_subprocess
from tests.crawl_sites import Route, rss, serve, write_sources

pytestmark = pytest.mark.slow

N = 24
SETTINGS = {"VEILLE_ONLY_LOOPBACK": "True", "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "2", "RETRY_BACKOFF_BASE": "0",
            "VEILLE_STORE_BATCH": "2",  # small batches, so the kill lands between two writes
            "VEILLE_HEALTH_INTERVAL": "0.5"}  # the running crawl's record is refreshed twice a second


def _count(db: str) -> int:
    try:
        conn = sqlite3.connect(db, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _snapshots(db: str) -> int:
    """Running crawl records that hold a health snapshot (what a kill leaves behind)."""
    try:
        conn = sqlite3.connect(db, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM crawl_runs WHERE finish_reason = 'running'"
                                " AND health LIKE '%\"Slow\"%'").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_killed_crawl_resumes_without_loss_or_duplicates(tmp_path):
    def feed(base):
        return rss([(f"{base}/a/{i}.html", f"A{i}", "Wed, 16 Jul 2025 08:00:00 +0200") for i in range(N)])

    routes = {"/feed.xml": Route(feed, ctype="application/rss+xml", etag='"same"')}
    rng = random.Random(3)
    words = [f"mot{k}" for k in range(3000)]
    for i in range(N):  # random texts, so no article is a near-duplicate of another
        paras = "".join(f"<p>{' '.join(rng.choices(words, k=40))}.</p>" for _ in range(5))
        html = f"<html lang='fr'><head><title>A{i}</title></head><body><article><h1>A{i}</h1>{paras}</article></body></html>"
        # the second half answers only after 30 s in the first run, so that run cannot finish
        # before the kill however loaded the machine is; the restart gets them at 0.4 s
        routes[f"/a/{i}.html"] = Route(html.encode(), delay=0.4 if i < N // 2 else 30)
    db = str(tmp_path / "v.db")
    with serve(routes) as site:
        sources = write_sources(tmp_path / "s.toml", [{"name": "Slow", "homepage": site.base + "/",
                                                       "feeds": [site.base + "/feed.xml"]}])
        from db.store import Store

        Store(db).close()
        proc = subprocess.Popen(crawl_command(db, sources, settings=SETTINGS), stdout=subprocess.DEVNULL,
                                stderr=open(tmp_path / "killed.log", "w"))
        deadline = time.monotonic() + 60
        while (_count(db) < 3 or not _snapshots(db)) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        partial = _count(db)
        assert 3 <= partial < N, "the kill must land mid-crawl"
        for i in range(N // 2, N):
            routes[f"/a/{i}.html"].delay = 0.4

        stats = crawl_in_subprocess(db, sources, settings=SETTINGS, timeout=120, log_file=str(tmp_path / "2.log"))
        # the killed run saved no ETag, so the feed was read in full, not answered 304
        assert stats.get("veille/entry_points_not_modified", 0) == 0
        assert stats["veille/articles_known"] >= partial
        fetched_twice = [p for p in routes if p.startswith("/a/") and site.count(p) > 2]
        assert not fetched_twice

    conn = sqlite3.connect(db)
    n, distinct = conn.execute("SELECT count(*), count(DISTINCT url_key) FROM articles").fetchone()
    assert n == distinct == N
    assert conn.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0] == 0
    # the FTS index holds each article once as well (no half-written rows from the killed run)
    assert conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == N
    # the killed run left its record: marked killed by the next run, its health counted
    assert [r[0] for r in conn.execute("SELECT finish_reason FROM crawl_runs ORDER BY id")] == ["killed", "finished"]
    runs, fetched = conn.execute("SELECT runs, articles_fetched FROM source_health WHERE source = 'Slow'").fetchone()
    assert runs == 2 and fetched == N - partial
