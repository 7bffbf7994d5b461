"""The cluster on a real redis-server: three crawl workers and the writer on loopback sites.

Each article is fetched once across workers, the database equals a one-process crawl of the
same sites, and no host ever sees more requests at once than CONCURRENT_REQUESTS_PER_DOMAIN.
"""
from __future__ import annotations

import sqlite3

import pytest

from crawler.cluster import Keys, connect
from crawler.cluster.seed import seed
from crawler.crawl import crawl_in_subprocess
from tests.cluster_sites import (
    CRAWL_SETTINGS,
    article_rows,
    crawl_worker,
    serve_sites,
    stop,
    wait_drained,
    write_sources,
    writer,
)

pytest_plugins = ["tests.redis_server"]  # the redis_server and redis_url fixtures

pytestmark = pytest.mark.slow


def _run_cluster(redis_url, db, sources, workers=3, settings=None, parallel="2"):
    client, keys = connect(redis_url), Keys()
    assert len(seed(client, keys, sources)) > 0
    w = writer(redis_url, db, "--no-enrich")
    crawlers = [crawl_worker(redis_url, f"w{i}", "--parallel", parallel, "--lease", "20s", settings=settings)
                for i in range(workers)]
    reports = [p.communicate(timeout=300)[0] for p in crawlers]
    assert [p.returncode for p in crawlers] == [0] * workers
    wait_drained(client, keys)
    stop(w)
    return client, keys, reports


def test_three_workers_fetch_each_article_once_and_store_what_one_process_stores(redis_url, tmp_path):
    with serve_sites(12, delay=0.02) as sites:
        sources = write_sources(tmp_path / "sources.toml", sites)
        db = str(tmp_path / "cluster.db")
        client, keys, _ = _run_cluster(redis_url, db, sources)
        hits = {p: n for s in sites for p, n in s.article_hits().items()}
        assert len(hits) == 60 and set(hits.values()) == {1}, {p: n for p, n in hits.items() if n != 1}
        for s in sites:
            s.reset()
        alone = str(tmp_path / "alone.db")
        crawl_in_subprocess(alone, sources, settings=CRAWL_SETTINGS, timeout=300, log_file=str(tmp_path / "c.log"))
        assert set(s.article_hits().values()) == {1}
    cluster_rows, alone_rows = article_rows(db), article_rows(alone)
    assert len(cluster_rows) == 60
    assert cluster_rows == alone_rows  # same texts, dates, languages, and the same duplicate links
    assert sum(1 for r in cluster_rows.values() if r[-1]) == 11  # article 4 of sites 1..11 copies its neighbour
    conn = sqlite3.connect(db)
    # a URL listed by two sources belongs to one of them; each source's health was saved once
    for url, source in conn.execute("SELECT url, source FROM articles"):
        site = int(url.rsplit("/", 1)[1].split("-")[0])
        assert source in (f"site{site}", f"site{(site - 1) % 12}")
    assert dict(conn.execute("SELECT source, runs FROM source_health")) == {f"site{i}": 1 for i in range(12)}
    assert client.scard(keys.stored) == 60
    assert client.xlen(keys.sources) == 0 and client.xpending(keys.sources, "crawl")["pending"] == 0


def test_one_host_never_sees_more_than_its_concurrency_from_all_workers(redis_url, tmp_path):
    # three sources share one site and its feed: three crawl processes on one host at once
    with serve_sites(1, delay=0.15, n_articles=16) as (site,):
        path = tmp_path / "sources.toml"
        path.write_text("".join(f'[[source]]\nname = "hub-{c}"\nhomepage = "{site.base}/"\n'
                                f'feeds = ["{site.base}/feed.xml"]\n\n' for c in "abc"), "utf-8")
        _run_cluster(redis_url, str(tmp_path / "hub.db"), str(path), settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "2"},
                     parallel="1")
        hits = site.article_hits()
        assert [hits[p] for p in site.article_paths()[:-1]] == [1] * 15  # the feed's; the last is in no feed
        assert site.max_in_flight == 2  # reached, never passed


def test_a_slot_is_renewed_while_its_request_outlasts_the_lease(redis_url, tmp_path):
    # pages answer after 2.4 s and a slot's lease is 1.6 s: without renewals each worker would
    # take the host's one slot while the other's request was still in flight
    with serve_sites(1, delay=2.4, n_articles=3) as (site,):
        path = tmp_path / "sources.toml"
        path.write_text("".join(f'[[source]]\nname = "hub-{c}"\nhomepage = "{site.base}/"\n'
                                f'feeds = ["{site.base}/feed.xml"]\n\n' for c in "ab"), "utf-8")
        _run_cluster(redis_url, str(tmp_path / "slow.db"), str(path), workers=2, parallel="1",
                     settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "1", "VEILLE_CLUSTER_SLOT_LEASE": "1.6"})
        hits = site.article_hits()
        assert [hits[p] for p in site.article_paths()[:-1]] == [1, 1]
        assert site.max_in_flight == 1


def test_validators_saved_by_the_writer_make_the_next_jobs_feed_request_conditional(redis_url, tmp_path):
    from tests.crawl_sites import Route, article_html, rss, serve

    routes = {"/a/1.html": Route(article_html("Un article à lire").encode()), "/feed.xml": Route(etag='"v1"')}
    with serve(routes) as site:
        routes["/feed.xml"].ctype = "application/rss+xml"
        routes["/feed.xml"].body = rss([(site.url("/a/1.html"), "Un article à lire", "Mon, 01 Sep 2025 08:00:00 GMT")])
        path = tmp_path / "sources.toml"
        path.write_text(f'[[source]]\nname = "one"\nhomepage = "{site.base}/"\nfeeds = ["{site.url("/feed.xml")}"]\n',
                        "utf-8")
        db = str(tmp_path / "v.db")
        for _ in range(2):  # two rounds: seed, crawl, store
            _run_cluster(redis_url, db, str(path), workers=1)
        feeds = [h for p, h in site.hits if p == "/feed.xml"]
    assert len(feeds) == 2 and "If-None-Match" not in feeds[0] and feeds[1]["If-None-Match"] == '"v1"'
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT runs, not_modified FROM source_health").fetchone() == (2, 1)
    assert conn.execute("SELECT etag FROM feed_validators").fetchone() == ('"v1"',)
    assert site.count("/a/1.html") == 1
