"""What a crawl refuses, bounds and records: private destinations, sitemap loops, entity bombs,
charsets that contradict the bytes, broken sources files, time limits and the crawl log.

One real crawl (Scrapy in a subprocess) over three local sites: the outlet, an intranet site a
source declares, and a "victim" service on another port that feed entries and redirects point at.
"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.crawl import CrawlTimeout, crawl_in_subprocess
from crawler.sources import SourceError, load_sources
from nlp.errors import VeilleError
from tests.crawl_sites import Route, article_html, rss, serve, write_sources

pytestmark = pytest.mark.slow

SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "RETRY_BACKOFF_BASE": "0",
            "VEILLE_SITEMAP_MAX_DEPTH": "2", "VEILLE_SITEMAPS_PER_SOURCE": "4"}
DATE = "Wed, 16 Jul 2025 08:00:00 +0200"
SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><item><title>&lol3;</title><link>http://127.0.0.1:9/x</link></item></channel></rss>"""


def index(base: str, *paths: str) -> bytes:
    items = "".join(f"<sitemap><loc>{base}{p}</loc></sitemap>" for p in paths)
    return f'<?xml version="1.0"?><sitemapindex {SM}>{items}</sitemapindex>'.encode()


def urlset(base: str, *paths: str) -> bytes:
    items = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return f'<?xml version="1.0"?><urlset {SM}>{items}</urlset>'.encode()


def outlet_routes(victim: str, victim_port: int) -> dict[str, Route]:
    xml = "application/xml"

    def feed(base):
        return rss([
            (base + "/ok.html", "OK", DATE),
            (base + "/utf8.html", "UTF-8", DATE),
            (victim + "/secret.html", "IP literal", DATE),
            (f"http://localhost:{victim_port}/secret.html?by=name", "A name that resolves to loopback", DATE),
            (f"http://[::ffff:127.0.0.1]:{victim_port}/secret.html?by=mapped", "IPv4-mapped IPv6", DATE),
            (base + "/hop.html", "A redirect to the victim", DATE),
        ])

    # UTF-8 bytes and <meta charset=utf-8>, but the server's header says latin-1
    utf8 = article_html("Référendum sur la stratégie numérique européenne").encode("utf-8")
    return {
        "/feed.xml": Route(feed, ctype="application/rss+xml"),
        "/ok.html": Route(article_html("Un article ordinaire").encode()),
        "/utf8.html": Route(utf8, ctype="text/html; charset=iso-8859-1"),
        "/hop.html": Route(b"", status=302, headers={"Location": victim + "/secret.html?by=redirect"}),
        "/bomb.xml": Route(BOMB, ctype="application/rss+xml"),
        # an index listing itself, and an A -> B -> A pair (A also lists a sitemap of articles)
        "/self.xml": Route(lambda b: index(b, "/self.xml", "/a.xml"), ctype=xml),
        "/a.xml": Route(lambda b: index(b, "/b.xml", "/leaf.xml"), ctype=xml),
        "/b.xml": Route(lambda b: index(b, "/a.xml", "/self.xml"), ctype=xml),
        "/leaf.xml": Route(lambda b: urlset(b, "/ok.html"), ctype=xml),
        # deeper than VEILLE_SITEMAP_MAX_DEPTH=2: d3 is never asked for
        "/d0.xml": Route(lambda b: index(b, "/d1.xml"), ctype=xml),
        "/d1.xml": Route(lambda b: index(b, "/d2.xml"), ctype=xml),
        "/d2.xml": Route(lambda b: index(b, "/d3.xml"), ctype=xml),
        "/d3.xml": Route(lambda b: urlset(b), ctype=xml),
        # wider than VEILLE_SITEMAPS_PER_SOURCE=4: the index and three children only
        "/wide.xml": Route(lambda b: index(b, *(f"/w{i}.xml" for i in range(8))), ctype=xml),
        **{f"/w{i}.xml": Route(lambda b: urlset(b), ctype=xml) for i in range(8)},
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    work = tmp_path_factory.mktemp("trust")
    victim_routes = {"/secret.html": Route(article_html("Données internes").encode())}
    with serve(victim_routes) as victim, serve({}) as intranet:
        port = int(victim.base.rsplit(":", 1)[1])
        with serve(outlet_routes(victim.base, port)) as outlet:
            intranet.routes.update({
                "/feed.xml": Route(lambda b: rss([(b + "/memo.html", "Memo", DATE)]), ctype="application/rss+xml"),
                "/memo.html": Route(article_html("Note interne déclarée").encode()),
            })
            b = outlet.base
            sources = write_sources(work / "sources.toml", [
                {"name": "Outlet", "homepage": b + "/", "feeds": [b + "/feed.xml"]},
                {"name": "Intranet", "homepage": intranet.base + "/", "feeds": [intranet.base + "/feed.xml"]},
                {"name": "Bomb", "homepage": b + "/", "feeds": [b + "/bomb.xml"]},
                {"name": "Loops", "homepage": b + "/", "sitemaps": [b + "/self.xml"]},
                {"name": "Deep", "homepage": b + "/", "sitemaps": [b + "/d0.xml"]},
                {"name": "Wide", "homepage": b + "/", "sitemaps": [b + "/wide.xml"]},
            ])
            db = str(work / "v.db")
            log = str(work / "v.crawl.log")
            stats = crawl_in_subprocess(db, sources, settings=SETTINGS, timeout=120, log_file=log)
            yield {"db": db, "stats": stats, "outlet": outlet, "victim": victim, "intranet": intranet, "log": log,
                   "sources": sources}


def _rows(db: str, sql: str) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return [dict(r) for r in conn.execute(sql)]


def test_private_destinations_are_never_fetched_and_counted(crawled):
    assert crawled["victim"].hits == []  # not the page, not its robots.txt, by no name or redirect
    health = {r["source"]: r for r in _rows(crawled["db"], "SELECT * FROM source_health")}
    assert health["Outlet"]["refused_private"] == 4
    assert "refused private address" in health["Outlet"]["last_error"]
    assert crawled["stats"]["veille/refused_private"] == 4
    stored = {r["url"].split("/", 3)[3] for r in _rows(crawled["db"], "SELECT url FROM articles")}
    assert {"ok.html", "utf8.html", "memo.html"} <= stored
    assert not any("secret" in u for u in stored)


def test_a_private_host_the_source_declares_is_crawled(crawled):
    assert crawled["intranet"].count("/memo.html") == 1
    health = {r["source"]: r for r in _rows(crawled["db"], "SELECT * FROM source_health")}
    assert health["Intranet"]["refused_private"] == 0 and health["Intranet"]["status"] == "ok"


def test_each_sitemap_is_fetched_once_and_the_bounds_hold(crawled):
    outlet = crawled["outlet"]
    assert [outlet.count(p) for p in ("/self.xml", "/a.xml", "/b.xml", "/leaf.xml")] == [1, 1, 1, 1]
    assert [outlet.count(p) for p in ("/d0.xml", "/d1.xml", "/d2.xml", "/d3.xml")] == [1, 1, 1, 0]
    assert outlet.count("/wide.xml") == 1
    assert sum(outlet.count(f"/w{i}.xml") for i in range(8)) == 3
    assert crawled["stats"]["finish_reason"] == "finished"


def test_an_entity_bomb_feed_is_refused_and_counted(crawled):
    bomb = _rows(crawled["db"], "SELECT * FROM source_health WHERE source = 'Bomb'")[0]
    assert bomb["feeds_refused"] == 1 and bomb["status"] == "unreachable"
    assert bomb["last_error"].startswith("feed refused: XML entities")


def test_utf8_bytes_win_over_a_latin1_header(crawled):
    row = _rows(crawled["db"], "SELECT title, text FROM articles WHERE url LIKE '%/utf8.html'")[0]
    assert "Référendum sur la stratégie numérique européenne" in row["text"]
    assert "Ã" not in row["text"] and "Ã" not in (row["title"] or "")


def test_the_run_is_recorded_and_the_log_appended(crawled):
    runs = _rows(crawled["db"], "SELECT finish_reason, pid, health FROM crawl_runs")
    assert [r["finish_reason"] for r in runs] == ["finished"] and runs[0]["health"] is None
    # a second run into the same log keeps the first one's lines
    with serve({}) as empty:
        sources = write_sources(Path(crawled["db"] + ".s2.toml"), [{"name": "Empty", "homepage": empty.base + "/",
                                                               "feeds": [empty.base + "/feed.xml"]}])
        crawl_in_subprocess(crawled["db"], sources, settings=SETTINGS, timeout=120, log_file=crawled["log"])
    text = Path(crawled["log"]).read_text("utf-8")
    assert text.count("===== veille crawl ") == 2 and text.count("Dumping Scrapy stats") == 2


BAD_SOURCES = {
    "syntax": ('[[source]]\nname = "A"\nhomepage = "https://a.example/\n', "line 3", "invalid TOML"),
    "missing": (('[[source]]\nname = "A"\nhomepage = "https://a.example/"\n\n[[source]]\nname = "B"\n'
                 'feeds = ["https://b.example/feed"]\n'), "line 5", "missing field 'homepage'"),
    "typo": ('[[source]]\nname = "A"\nhomepage = "https://a.example/"\nfeed = ["https://a.example/rss"]\n',
             "line 1", "unknown field 'feed'"),
    "type": ('[[source]]\nname = "A"\nhomepage = "https://a.example/"\nfeeds = "https://a.example/rss"\n',
             "line 1", "field 'feeds' must be a list"),
}


@pytest.mark.parametrize("case", sorted(BAD_SOURCES))
def test_a_broken_sources_file_names_file_line_and_field(tmp_path, case):
    text, line, field = BAD_SOURCES[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(SourceError) as err:
        load_sources(path)
    assert str(path) in str(err.value) and line in str(err.value) and field in str(err.value)
    assert isinstance(err.value, VeilleError)
    # the crawl refuses it before starting anything, rather than crawling 0 sources
    with pytest.raises(SourceError):
        crawl_in_subprocess(str(tmp_path / "v.db"), str(path), timeout=60)


@pytest.mark.parametrize("command", ["crawl", "run"])
def test_the_cli_exits_non_zero_on_a_broken_sources_file(tmp_path, command):
    path = tmp_path / "bad.toml"
    path.write_text(BAD_SOURCES["missing"][0], "utf-8")
    args = [sys.executable, "-m", "crawler.cli", command, "--sources", str(path), "--db", str(tmp_path / "v.db")]
    if command == "crawl":
        args.append("--no-enrich")
    res = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode != 0
    assert "missing field 'homepage'" in res.stderr and "line 5" in res.stderr
    assert "sources: 0" not in res.stdout


def test_a_crawl_past_its_time_limit_raises_one_clear_error(tmp_path):
    with serve({"/feed.xml": Route(b"", delay=30)}) as slow:
        sources = write_sources(tmp_path / "s.toml", [{"name": "Slow", "homepage": slow.base + "/",
                                                       "feeds": [slow.base + "/feed.xml"]}])
        with pytest.raises(CrawlTimeout) as err:
            crawl_in_subprocess(str(tmp_path / "v.db"), sources, settings=SETTINGS, timeout=3,
                                log_file=str(tmp_path / "c.log"))
    assert isinstance(err.value, VeilleError)
    message = str(err.value)
    assert "time limit of 3 s" in message and "\n" not in message and str(tmp_path / "c.log") in message
