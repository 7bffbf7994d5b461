"""End to end: a real Scrapy crawl of the sample site in a subprocess, then enrich and brief."""
from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.crawl import crawl_in_subprocess
from crawler.demo.server import write_sources

pytestmark = pytest.mark.slow

LOOPBACK = {"VEILLE_ONLY_LOOPBACK": "True", "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, demo_site):
    """The sample site crawled once into a database (shared by the tests of this module)."""
    work = tmp_path_factory.mktemp("e2e")
    db = str(work / "veille.db")
    sources = write_sources(demo_site, work / "sources.toml")
    stats = crawl_in_subprocess(db, str(sources), settings=LOOPBACK, timeout=300, log_file=str(work / "crawl.log"))
    return {"db": db, "sources": str(sources), "stats": stats, "work": work}


def test_crawl_stores_every_article_once(crawled, demo_manifest):
    pages = [p for p in demo_manifest if not p.get("missing")]
    conn = sqlite3.connect(crawled["db"])
    n, distinct = conn.execute("SELECT count(*), count(DISTINCT url_key) FROM articles").fetchone()
    assert n == distinct == len(pages)
    assert crawled["stats"]["veille/articles_stored"] == len(pages)
    copies = [p for p in pages if p.get("syndicated_from")]
    assert crawled["stats"].get("veille/articles_duplicates", 0) == len(copies)
    # the feed's dead link was counted against its source, and the crawl went on
    assert crawled["stats"].get("veille/errors", 0) >= 1
    langs = dict(conn.execute("SELECT lang, count(*) FROM articles GROUP BY lang").fetchall())
    assert set(langs) == {p["lang"] for p in pages}


def test_syndicated_copy_is_linked_to_its_original(crawled, demo_manifest):
    conn = sqlite3.connect(crawled["db"])
    for page in demo_manifest:
        if page.get("syndicated_from"):
            copy = conn.execute("SELECT duplicate_of FROM articles WHERE url LIKE ?", ["%" + page["path"]]).fetchone()
            orig = conn.execute("SELECT id FROM articles WHERE url LIKE ?", ["%" + page["syndicated_from"]]).fetchone()
            assert copy and orig and copy[0] == orig[0]


def test_boilerplate_is_stripped(crawled):
    conn = sqlite3.connect(crawled["db"])
    for (text,) in conn.execute("SELECT text FROM articles"):
        low = text.lower()
        assert "cookie" not in low and "newsletter" not in low


def test_second_crawl_fetches_nothing_again(crawled, tmp_path):
    stats = crawl_in_subprocess(crawled["db"], crawled["sources"], settings=LOOPBACK, timeout=300,
                                log_file=str(tmp_path / "crawl2.log"))
    assert stats.get("veille/articles_stored", 0) == 0
    assert stats.get("veille/articles_known", 0) > 0
    conn = sqlite3.connect(crawled["db"])
    n, distinct = conn.execute("SELECT count(*), count(DISTINCT url_key) FROM articles").fetchone()
    assert n == distinct


def test_enrich_then_brief_names_the_actors_and_the_money(crawled):
    runner = CliRunner()
    res = runner.invoke(main, ["enrich", "--db", crawled["db"]], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["digest", "--db", crawled["db"], "--week", "2025-W30"], catch_exceptions=False)
    assert res.exit_code == 0
    brief = res.output
    assert "OpenAI" in brief and "Bpifrance" in brief
    assert "DSIT" in brief or "Department for Science, Innovation and Technology" in brief
    assert "2 milliards de livres sterling" in brief or "£2bn" in brief
    res = runner.invoke(main, ["digest", "--db", crawled["db"], "--week", "2025-W30", "--format", "json"])
    data = json.loads(res.output)
    assert data["week"] == "2025-W30"
    assert any("Bpifrance" in json.dumps(story["entities"], ensure_ascii=False) for story in data["stories"])


def test_export_articles_jsonl_contract(crawled):
    res = CliRunner().invoke(main, ["export", "articles", "--db", crawled["db"], "--format", "jsonl"])
    lines = [json.loads(x) for x in res.output.splitlines()]
    assert lines and set(lines[0]) == {"id", "url", "canonical_url", "title", "text", "published", "lang", "source",
                                       "duplicate_of", "duplicate_of_url"}
    url_of = {line["id"]: line["url"] for line in lines}
    copies = [line for line in lines if line["duplicate_of"]]
    assert copies and all(c["duplicate_of_url"] == url_of[c["duplicate_of"]] for c in copies)
