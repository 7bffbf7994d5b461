"""Bad input from a hostile local site: each fault is logged and counted against its source; the crawl goes on.

One real crawl (Scrapy in a subprocess) over a site with malformed and truncated feeds, a broken
sitemap, non-HTML, 5 MB junk, 4xx/5xx, a page slower than DOWNLOAD_TIMEOUT, a redirect loop,
cp1252 bytes, wrong content types, impossible dates, a robots.txt disallow and a feed whose
articles answer 403. A second crawl checks conditional GET and that nothing is stored twice.
"""
from __future__ import annotations

import os
import sqlite3

import pytest

from crawler.crawl import crawl_in_subprocess
from tests.crawl_sites import Route, article_html, rss, serve, write_sources

pytestmark = pytest.mark.slow

SETTINGS = {
    "VEILLE_ONLY_LOOPBACK": "True", "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "1", "RETRY_BACKOFF_BASE": "0", "LOG_LEVEL": "INFO",
}
DATE = "Wed, 16 Jul 2025 08:00:00 +0200"


def routes() -> dict[str, Route]:
    def good_feed(base):
        return rss([
            (base + "/good/a1.html", "A1", DATE),
            (base + "/good/a2.html?utm_source=rss", "A2", "Mon, 45 Foo 2025 99:00:00"),  # impossible date
            (base + "/good/latin1.html", "Latin", "not a date at all"),
            (base + "/good/junk.html", "Junk", DATE),
            (base + "/good/report.pdf", "PDF", DATE),
            (base + "/good/gone.html", "Gone", DATE),
            (base + "/good/broken.html", "Broken", DATE),
            (base + "/good/slow.html", "Slow", DATE),
            (base + "/good/loop.html", "Loop", DATE),
            (base + "/private/secret.html", "Robots", DATE),
            ("javascript:alert(1)", "Bad URL", DATE),
        ])

    def trunc_feed(base):
        full = rss([(base + "/trunc/a3.html", "A3", DATE), (base + "/trunc/a4.html", "A4", DATE)])
        return full[: full.index(b"<item><title>A4")] + b"<item><title>A4</ti"

    def forbid_feed(base):
        return rss([(base + "/forbid/f1.html", "F1", DATE), (base + "/forbid/f2.html", "F2", DATE)])

    latin = article_html("Réglementation européenne", charset=None).encode("cp1252")
    return {
        "/robots.txt": Route(b"User-agent: *\nDisallow: /private/\n", ctype="text/plain"),
        "/good/feed.xml": Route(good_feed, ctype="application/rss+xml", etag='"g1"'),
        "/fresh/feed.xml": Route(lambda base: rss([(base + "/fresh/a5.html", "A5", DATE)]),
                                 ctype="application/rss+xml", etag='"f1"'),
        "/fresh/a5.html": Route(article_html("Cinquième article").encode()),
        "/good/a1.html": Route(article_html("Premier article").encode()),
        "/good/a2.html": Route(article_html("Deuxième article").encode()),
        # cp1252 bytes, no charset anywhere, served as UTF-8: invalid bytes for the declared encoding
        "/good/latin1.html": Route(latin, ctype="text/html; charset=utf-8"),
        "/good/junk.html": Route(os.urandom(5 * 1024 * 1024), ctype="text/html"),
        "/good/report.pdf": Route(b"%PDF-1.4 " + b"0" * 500, ctype="application/pdf"),
        "/good/gone.html": Route(b"gone", status=404),
        "/good/broken.html": Route(b"oops", status=500),
        "/good/slow.html": Route(article_html("Trop lent").encode(), delay=4),
        "/good/loop.html": Route(b"", status=302, headers={"Location": "/good/loop2.html"}),
        "/good/loop2.html": Route(b"", status=302, headers={"Location": "/good/loop.html"}),
        "/private/secret.html": Route(article_html("Secret").encode()),
        "/trunc/feed.xml": Route(trunc_feed, ctype="application/rss+xml"),
        "/trunc/a3.html": Route(article_html("Troisième article").encode()),
        # an HTML page served as a feed, and a sitemap cut in the middle of its root tag
        "/bad/feed.xml": Route(b"<html><body>Maintenance</body></html>", ctype="application/rss+xml"),
        "/bad/sitemap.xml": Route(b"\x00\xff<urlse", ctype="application/xml"),
        "/forbid/feed.xml": Route(forbid_feed, ctype="application/rss+xml"),
        "/forbid/f1.html": Route(b"no bots", status=403),
        "/forbid/f2.html": Route(b"no bots", status=403),
        "/down/feed.xml": Route(b"", status=503),
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    work = tmp_path_factory.mktemp("faults")
    with serve(routes()) as site:
        b = site.base
        sources = write_sources(work / "sources.toml", [
            {"name": "Good", "homepage": b + "/", "feeds": [b + "/good/feed.xml"]},
            {"name": "Trunc", "homepage": b + "/", "feeds": [b + "/trunc/feed.xml"]},
            {"name": "Bad", "homepage": b + "/", "feeds": [b + "/bad/feed.xml"], "sitemaps": [b + "/bad/sitemap.xml"]},
            {"name": "Forbidden", "homepage": b + "/", "feeds": [b + "/forbid/feed.xml"]},
            {"name": "Down", "homepage": b + "/", "feeds": [b + "/down/feed.xml"]},
            {"name": "Fresh", "homepage": b + "/", "feeds": [b + "/fresh/feed.xml"]},
        ])
        db = str(work / "v.db")
        stats = crawl_in_subprocess(db, sources, settings=SETTINGS, timeout=120, log_file=str(work / "1.log"))
        hits_after_first = list(site.hits)
        health1 = _health(db)
        stats2 = crawl_in_subprocess(db, sources, settings=SETTINGS, timeout=120, log_file=str(work / "2.log"))
        yield {"db": db, "stats": stats, "stats2": stats2, "site": site, "hits1": hits_after_first, "health1": health1,
               "log": (work / "1.log").read_text("utf-8")}


def _stored(db) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return {r["url"].split("/", 3)[3]: dict(r) for r in conn.execute("SELECT * FROM articles")}


def _health(db) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return {r["source"]: dict(r) for r in conn.execute("SELECT * FROM source_health")}


def test_good_articles_survive_every_fault(crawled):
    stored = _stored(crawled["db"])
    assert set(stored) == {"good/a1.html", "good/a2.html?utm_source=rss", "good/latin1.html", "trunc/a3.html",
                           "fresh/a5.html"}
    assert "Réglementation européenne" in stored["good/latin1.html"]["text"]  # cp1252 decoded, not mojibake
    assert stored["good/a2.html?utm_source=rss"]["canonical_url"].endswith("/good/a2.html")


def test_each_fault_is_counted_against_its_source(crawled):
    h = crawled["health1"]
    good = h["Good"]
    assert good["status"] == "degraded"
    assert good["articles_requested"] == 10  # the javascript: link is never requested
    # junk (over DOWNLOAD_MAXSIZE), pdf, 404, 500, slow, redirect loop, robots
    assert good["errors"] == 7 and good["robots_disallowed"] == 1
    assert h["Forbidden"]["status"] == "blocked" and h["Forbidden"]["articles_forbidden"] == 2
    assert h["Forbidden"]["entry_points_ok"] == 1  # the feed itself loads fine
    assert h["Bad"]["status"] == "unreachable" and h["Bad"]["errors"] == 2
    assert h["Down"]["status"] == "unreachable" and "503" in h["Down"]["last_error"]
    assert h["Trunc"]["status"] == "ok" and h["Trunc"]["items_seen"] == 1
    assert crawled["stats"]["veille/errors"] == sum(r["errors"] for r in h.values())


def test_robots_txt_is_obeyed(crawled):
    assert not any(p.startswith("/private/") for p, _ in crawled["hits1"])


def test_user_agent_identifies_us_with_a_contact(crawled):
    agents = {headers.get("User-Agent") for _, headers in crawled["hits1"]}
    assert len(agents) == 1 and "veille" in agents.pop()


def test_second_crawl_uses_conditional_get_and_stores_nothing_twice(crawled):
    stats2 = crawled["stats2"]
    # Fresh answered 304 to its ETag; Good had articles lost to a 500 and a timeout, so its
    # validators were not kept and its feed was read in full again to retry them
    assert stats2.get("veille/entry_points_not_modified", 0) == 1
    second = crawled["site"].hits[len(crawled["hits1"]):]
    asked = {p: h.get("If-None-Match") for p, h in second if p.endswith("feed.xml")}
    assert asked["/fresh/feed.xml"] == '"f1"' and asked["/good/feed.xml"] is None
    assert stats2.get("veille/articles_stored", 0) == 0
    conn = sqlite3.connect(crawled["db"])
    n, distinct = conn.execute("SELECT count(*), count(DISTINCT url_key) FROM articles").fetchone()
    assert n == distinct == 5
    h = _health(crawled["db"])
    assert h["Fresh"]["runs"] == 2 and h["Fresh"]["not_modified"] == 1 and h["Fresh"]["status"] == "ok"
    assert h["Down"]["consecutive_failures"] == 2


def test_crawl_runs_are_recorded_with_scrapy_stats(crawled):
    conn = sqlite3.connect(crawled["db"])
    rows = conn.execute("SELECT spider, finish_reason, stats FROM crawl_runs").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("sources", "finished")] * 2
    assert '"response_received_count"' in rows[0][2]
    assert "Dumping Scrapy stats" in crawled["log"]
