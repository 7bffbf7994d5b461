"""`veille sources add|list`: feed discovery from <link rel=alternate> and robots.txt, on a local site."""
from __future__ import annotations

import json

from click.testing import CliRunner

from crawler.cli import main
from crawler.sources import load_sources
from tests.crawl_sites import Route, rss, serve

HOME = (b'<html lang="fr"><head><title>Le Journal | Accueil</title>'
        b'<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        b'<link rel="alternate" type="application/rss+xml" href="/broken.xml"></head><body>hi</body></html>')


def _routes():
    return {
        "/": Route(HOME),
        "/rss.xml": Route(lambda b: rss([(b + "/a.html", "A", "Wed, 16 Jul 2025 08:00:00 +0200")]),
                          ctype="application/rss+xml"),
        "/broken.xml": Route(b"<html>no</html>", ctype="application/rss+xml"),
        "/robots.txt": Route(b"User-agent: *\nSitemap: /sitemap.xml\nSitemap: /news-sitemap.xml\n", ctype="text/plain"),
        "/news-sitemap.xml": Route(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>',
                                   ctype="application/xml"),
    }


def test_add_discovers_feeds_and_news_sitemaps_and_appends(tmp_path):
    target = tmp_path / "mine.toml"
    with serve(_routes()) as site:
        res = CliRunner().invoke(main, ["sources", "add", site.base + "/", "--to", str(target), "--country", "FR"])
        assert res.exit_code == 0, res.output
        added = [s for s in load_sources(target) if s.homepage == site.base + "/"]
        assert len(added) == 1
        s = added[0]
        assert s.name == "Le Journal" and s.lang == "fr" and s.country == "FR"
        assert s.feeds == (site.base + "/rss.xml",)  # the announced feed that is not a feed is left out
        assert s.sitemaps == (site.base + "/news-sitemap.xml",)  # the full sitemap is not crawled
        assert len(load_sources(target)) == len(load_sources(None)) + 1  # a new file starts from the registry
        again = CliRunner().invoke(main, ["sources", "add", site.base + "/", "--to", str(target)])
        assert again.exit_code == 1 and "already" in again.output


def test_add_from_a_feed_url_and_dry_run_json(tmp_path):
    with serve(_routes()) as site:
        res = CliRunner().invoke(main, ["sources", "add", site.base + "/rss.xml", "--dry-run", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["feeds"] == [site.base + "/rss.xml"] and data["homepage"] == site.base + "/"


def test_add_reports_a_site_without_feeds_in_one_line(tmp_path):
    with serve({"/": Route(b"<html><body>nothing</body></html>")}) as site:
        res = CliRunner().invoke(main, ["sources", "add", site.base + "/", "--dry-run"])
    assert res.exit_code == 1 and "no feed or news sitemap" in res.output and "Traceback" not in res.output


def test_list_shows_the_packaged_registry_as_json():
    res = CliRunner().invoke(main, ["sources", "list", "--json"])
    rows = json.loads(res.output)  # one JSON document per call
    assert len(rows) >= 30 and {r["kind"] for r in rows} >= {"press", "institution"}


def test_check_writes_health_and_its_run_and_stores_no_article(tmp_path):
    import sqlite3

    from tests.crawl_sites import article_html, write_sources

    def feed(b):
        return rss([(b + "/a.html", "A", "Wed, 16 Jul 2025 08:00:00 +0200"),
                    (b + "/b.html", "B", "Wed, 16 Jul 2025 09:00:00 +0200")])

    routes = {"/feed.xml": Route(feed, ctype="application/rss+xml"),
              "/a.html": Route(article_html("Article A").encode()), "/b.html": Route(article_html("Article B").encode())}
    db = str(tmp_path / "v.db")
    with serve(routes) as site:
        sources = write_sources(tmp_path / "s.toml", [{"name": "Local", "homepage": site.base + "/",
                                                       "feeds": [site.base + "/feed.xml"]}])
        res = CliRunner().invoke(main, ["sources", "check", "--sources", sources, "--db", db, "--json",
                                        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.output)[0]  # one JSON document per call: an array of sources
    assert row["source"] == "Local" and row["status"] == "ok" and row["articles_fetched"] == 2
    assert row["refused_private"] == 0
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    assert conn.execute("SELECT spider, finish_reason FROM crawl_runs").fetchall() == [("check", "finished")]
