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


# -- the private-destination rule applies to discovery too (issue 13, item 2) ---------------------


def _page_linking(*feed_urls: str) -> bytes:
    links = "".join(f'<link rel="alternate" type="application/rss+xml" href="{u}">' for u in feed_urls)
    return f'<html lang="fr"><head><title>Intranet</title>{links}</head><body>hi</body></html>'.encode()


def _feed_route() -> Route:
    return Route(lambda b: rss([(b + "/a.html", "A", "Wed, 16 Jul 2025 08:00:00 +0200")]), ctype="application/rss+xml")


def test_add_refuses_a_feed_on_another_private_host_port():
    """A page on loopback (the address the user typed) announcing a feed on another loopback port."""
    with serve({"/feed.xml": _feed_route()}) as victim, serve({}) as site:
        by_name = victim.base.replace("127.0.0.1", "localhost") + "/feed.xml?by=name"
        site.routes["/"] = Route(_page_linking(victim.base + "/feed.xml", by_name))
        res = CliRunner().invoke(main, ["sources", "add", site.base + "/", "--dry-run"])
        assert victim.hits == []  # the other service was never asked anything, by address or by name
        assert site.count("/") == 1  # the site the user named was read
    assert res.exit_code == 1 and "no feed or news sitemap" in res.output
    assert f"refused {victim.base}/feed.xml: 127.0.0.1 is a private address, not the host:port given" in res.output
    assert f"refused {by_name}: localhost resolves to the private address" in res.output


def test_add_refuses_a_redirect_hop_to_another_private_host_port():
    with serve({"/feed.xml": _feed_route()}) as victim, serve({}) as site:
        site.routes["/"] = Route(_page_linking("/feed.xml"))
        site.routes["/feed.xml"] = Route(b"", status=302, headers={"Location": victim.base + "/feed.xml"})
        res = CliRunner().invoke(main, ["sources", "add", site.base + "/", "--dry-run"])
        assert victim.hits == [] and site.count("/feed.xml") == 1
    assert res.exit_code == 1 and f"refused {victim.base}/feed.xml" in res.output


def test_add_keeps_a_feed_on_the_host_port_the_user_typed():
    with serve({"/feed.xml": _feed_route()}) as site:
        site.routes["/"] = Route(_page_linking(site.base + "/feed.xml"))
        res = CliRunner().invoke(main, ["sources", "add", site.base + "/", "--dry-run", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["feeds"] == [site.base + "/feed.xml"]


# -- sources check's text line names what was refused ----------------------------------------------


def test_check_text_line_shows_refused_private_and_feeds_refused(tmp_path):
    from tests.crawl_sites import article_html, write_sources
    from tests.test_crawl_trust import BOMB, DATE

    with serve({"/secret.html": Route(article_html("Données internes").encode())}) as victim, serve({}) as site:
        b = site.base
        site.routes.update({
            # one article of its own, one on another loopback port the source does not declare
            "/feed.xml": Route(lambda base: rss([(base + "/a.html", "A", DATE),
                                                 (victim.base + "/secret.html", "S", DATE)]),
                               ctype="application/rss+xml"),
            "/bomb.xml": Route(BOMB, ctype="application/rss+xml"),
            "/a.html": Route(article_html("Article A").encode()),
            "/clean.xml": Route(lambda base: rss([(base + "/a.html", "A", DATE)]), ctype="application/rss+xml"),
        })
        sources = write_sources(tmp_path / "s.toml", [
            {"name": "Leaky", "homepage": b + "/", "feeds": [b + "/feed.xml", b + "/bomb.xml"]},
            {"name": "Clean", "homepage": b + "/", "feeds": [b + "/clean.xml"]}])
        res = CliRunner().invoke(main, ["sources", "check", "--sources", sources, "--db", str(tmp_path / "v.db"),
                                        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"])
        assert victim.hits == []
    assert res.exit_code == 0, res.output
    lines = {line.split()[1]: line for line in res.stdout.splitlines() if not line.startswith(" ")}
    assert " · refused private 1 · feeds refused 1 · " in lines["Leaky"]
    assert "refused" not in lines["Clean"]
