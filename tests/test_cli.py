"""The command line: help with examples everywhere, clear errors, and the analyze contract."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from crawler.cli import main

TEXT_FR = (
    "Le 21 juillet 2025, le ministère britannique de la Science, de l'Innovation et de la Technologie (DSIT) "
    "a signé un protocole d'accord avec OpenAI. Sam Altman a salué l'accord. Le gouvernement consacre "
    "2 milliards de livres sterling aux AI Growth Zones. À Paris, Bpifrance finance IA Booster France 2030 "
    "avec 25 millions d'euros."
)


def test_analyze_json_contract(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(TEXT_FR, "utf-8")
    res = CliRunner().invoke(main, ["analyze", str(f), "--published", "2025-07-22", "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {"lang", "title", "published", "author", "text", "entities", "dates", "amounts"} <= set(data)
    assert data["lang"] == "fr"
    for key in ("entities", "dates", "amounts"):
        for item in data[key]:
            assert TEXT_FR[item["start"]:item["end"]] == item["text"]
    canon = {e["canonical"] for e in data["entities"]}
    assert "OpenAI" in canon and "Bpifrance" in canon
    assert {"value": "2025-07-21", "precision": "day"}.items() <= next(d for d in data["dates"] if d["value"] == "2025-07-21").items()
    money = {(a["unit"], a["value"]) for a in data["amounts"] if a["kind"] == "money"}
    assert ("GBP", 2e9) in money and ("EUR", 25e6) in money


def test_analyze_several_paths_prints_json_lines(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(TEXT_FR, "utf-8")
    b.write_text("The UK signed a memorandum with OpenAI on 21 July 2025, backed by £2bn.", "utf-8")
    res = CliRunner().invoke(main, ["analyze", str(a), str(b), "--json"], catch_exceptions=False)
    lines = res.output.strip().splitlines()
    assert len(lines) == 2 and [json.loads(x)["lang"] for x in lines] == ["fr", "en"]


def test_analyze_html_page_extracts_first(tmp_path, demo_manifest):
    from crawler.demo.server import fill, site_root

    page = next(p for p in demo_manifest if p["lang"] == "en" and p["on_topic"] and not p.get("missing"))
    html = fill((site_root() / page["outlet"] / page["path"].lstrip("/")).read_text("utf-8"), {})
    f = tmp_path / "page.html"
    f.write_text(html, "utf-8")
    res = CliRunner().invoke(main, ["analyze", str(f), "--html", "--json"], catch_exceptions=False)
    data = json.loads(res.output)
    assert data["lang"] == "en" and data["published"] == page["published"]
    assert "cookie" not in data["text"].lower()


@pytest.mark.parametrize(
    "args,message",
    [
        (["analyze", "/nonexistent/file.txt"], "cannot read"),
        (["analyze", "x.txt", "--published", "hier"], "YYYY-MM-DD"),
        (["digest", "--week", "juillet"], "ISO week"),
        (["crawl", "-s", "NOEQUALS"], "NAME=VALUE"),
        (["crawl", "-s", "=value"], "NAME=VALUE"),
    ],
)
def test_bad_input_gets_one_clear_line(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.txt").write_text("texte", "utf-8")
    db = str(tmp_path / "v.db")
    assert CliRunner().invoke(main, ["db", "migrate", "--db", db]).exit_code == 0
    res = CliRunner().invoke(main, [*args, "--db", db] if args[0] in ("digest", "crawl") else args)
    assert res.exit_code != 0
    assert message in res.output and "Traceback" not in res.output


def test_bad_config_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "veille.toml"
    bad.write_text("lang = [unclosed", "utf-8")
    res = CliRunner().invoke(main, ["--config", str(bad), "db", "stats", "--db", str(tmp_path / "v.db")])
    assert res.exit_code != 0 and "invalid TOML" in res.output


def test_scrapy_list_shows_the_spiders():
    from pathlib import Path

    root = Path(__file__).parent.parent  # scrapy finds the project through scrapy.cfg here
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], capture_output=True, text=True, check=True,
                         cwd=root).stdout
    assert {"sources", "feeds", "sitemaps", "listings"} <= set(out.split())


@pytest.mark.slow
def test_veille_demo_writes_a_brief_naming_the_stories(demo_run):
    paths = demo_run[1]
    assert [p.rsplit(".", 1)[1] for p in paths] == ["md", "html"]
    brief = open(paths[0], encoding="utf-8").read()
    for name in ("OpenAI", "Bpifrance"):
        assert name in brief
    # the memorandum's signatory, under its acronym or its canonical name
    assert "DSIT" in brief or "Department for Science, Innovation and Technology" in brief
    assert "£2bn" in brief or "2 milliards de livres sterling" in brief


@pytest.mark.slow
def test_veille_demo_marks_off_topic_articles_and_leaves_them_out_of_the_brief(demo_run, demo_manifest):
    import sqlite3

    conn = sqlite3.connect(demo_run[0])
    marks = dict(conn.execute("SELECT title, on_topic FROM articles WHERE duplicate_of IS NULL"))
    expected = {p["title"]: int(p["on_topic"]) for p in demo_manifest if p["title"] in marks}
    assert len(expected) >= 8 and expected == {t: marks[t] for t in expected}
    # every article is kept, scored on every default topic
    n_topics = conn.execute("SELECT count(DISTINCT topic) FROM article_topics").fetchone()[0]
    assert n_topics == 5
    brief = open(demo_run[1][0], encoding="utf-8").read()
    off = [t for t, on in expected.items() if not on]
    assert off and not any(t in brief for t in off)
    assert "1 article hors des thèmes de veille a été écarté." in brief  # the Tour de France stage, in W30


# -- one cycle for crawl and run -------------------------------------------------------------------


def _option_names(command) -> set[str]:
    return {opt for p in command.params for opt in p.opts}


def test_crawl_and_run_share_their_options():
    crawl, run = main.commands["crawl"], main.commands["run"]
    assert _option_names(run) - _option_names(crawl) == {"--timeout"}
    assert _option_names(crawl) == _option_names(run) - {"--timeout"}


@pytest.mark.parametrize("command", ["crawl", "run"])
def test_crawl_and_run_refuse_a_bad_since_the_same_way(command, tmp_path):
    db = tmp_path / "v.db"
    res = CliRunner().invoke(main, [command, "--since", "juillet", "--db", str(db)])
    assert res.exit_code == 2 and "must be YYYY-MM-DD, got 'juillet'" in res.output
    assert "crawl failed" not in res.output and not db.exists()  # refused before anything ran


@pytest.mark.slow
def test_crawl_json_is_the_cycle_report(tmp_path, demo_site):
    from crawler.demo.server import write_sources

    sources = write_sources(demo_site, tmp_path / "sources.toml")
    db = tmp_path / "v.db"
    res = CliRunner().invoke(main, ["crawl", "--db", str(db), "--sources", str(sources), "--no-enrich", "--json",
                                    "-s", "VEILLE_ONLY_LOOPBACK=True", "-s", "DOWNLOAD_DELAY=0",
                                    "-s", "AUTOTHROTTLE_ENABLED=False"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["summary"]["stored"] > 0 and report["summary"]["enriched"] == 0
    assert report["enrich"] is None and report["alerts"] is None  # crawl queues, `run` delivers
    assert report["stats"]["veille/articles_stored"] == report["summary"]["stored"]
    assert report["log"].endswith("v.crawl.log")


def _cycle_report(**stats):
    from crawler.cycle import CrawlSummary, CycleReport

    stats = {"veille/sources": 2, "response_received_count": 40, "veille/articles_stored": 30, **stats}
    return CycleReport(crawl=CrawlSummary.from_stats(stats, 12.34), stats=stats, log_file="v.crawl.log")


def test_the_crawl_summary_counts_pages_a_dead_extraction_worker_cost(capsys):
    from crawler.commands.run import print_cycle

    print_cycle(_cycle_report(**{"veille/extraction_retried": 3, "veille/extraction_lost": 1}), as_json=False)
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("sources: 2 · pages: 40 · stored: 30 ·")
    assert line.endswith(" · extraction_retried: 3 · extraction_lost: 1 · seconds: 12.3")
    print_cycle(_cycle_report(**{"veille/extraction_retried": 2}), as_json=True)
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["extraction_retried"] == 2 and "extraction_lost" not in summary and summary["stored"] == 30
    print_cycle(_cycle_report(), as_json=False)  # a crawl whose workers all lived says nothing of them
    assert "extraction" not in capsys.readouterr().out


# -- databases: missing, damaged ------------------------------------------------------------------


@pytest.fixture
def built_db(tmp_path):
    """A small real database (five analysed articles), closed."""
    from tests.test_queries import build

    path = str(tmp_path / "veille.db")
    build(path)
    return path


def damage(path: str) -> None:
    """Overwrite the root page of the articles table: every read of an article hits it."""
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the pages must be in the main file, not the WAL
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'articles'").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    assert 1 < root < pages  # a page inside the file, not its header
    with open(path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xff" * page_size)


@pytest.mark.parametrize("args", [["digest"], ["db", "stats"], ["db", "check"], ["export", "articles"],
                                  ["alerts", "list"], ["query", "articles", "OpenAI"], ["enrich"],
                                  ["entities", "promote"], ["serve", "--print-metadata"], ["sources", "list"]],
                         ids=" ".join)
def test_a_mistyped_db_is_refused_not_created(args, tmp_path):
    db = tmp_path / "typo.db"
    res = CliRunner().invoke(main, [*args, "--db", str(db)])
    assert res.exit_code == 1, res.output
    assert res.output.startswith(f"Error: no database at {db}") and "Traceback" not in res.output
    assert not db.exists()


def test_db_migrate_creates_the_database(tmp_path):
    db = tmp_path / "sub" / "new.db"
    res = CliRunner().invoke(main, ["db", "migrate", "--db", str(db)])
    assert res.exit_code == 0 and db.is_file() and "schema at migration" in res.output


@pytest.mark.parametrize("args", [["query", "articles", "OpenAI"], ["digest", "--week", "2025-W29"],
                                  ["export", "articles"], ["enrich", "--redo"]], ids=" ".join)
def test_a_damaged_database_gets_one_message(args, built_db):
    damage(built_db)
    res = CliRunner().invoke(main, [*args, "--db", built_db])
    assert res.exit_code == 1, res.output
    assert f"the database {built_db} is damaged" in res.output and f"veille db check --db {built_db}" in res.output
    assert "Traceback" not in res.output


def test_db_check_finds_a_damaged_page(built_db):
    damage(built_db)
    res = CliRunner().invoke(main, ["db", "check", "--db", built_db])
    assert res.exit_code == 1 and "DAMAGED" in res.output and "malformed" in res.output
    res = CliRunner().invoke(main, ["db", "check", "--db", built_db, "--json"])
    report = json.loads(res.output)
    assert res.exit_code == 1 and report["ok"] is False and report["integrity"] != ["ok"]


def test_db_check_of_a_whole_database_counts_its_rows(built_db):
    res = CliRunner().invoke(main, ["db", "check", "--db", built_db, "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["ok"] is True and report["integrity"] == ["ok"] and report["fts"] == {"articles_fts": "ok"}
    assert report["rows"]["articles"] == 5 and report["rows"]["entities"] > 0
    assert not any(name.startswith("articles_fts") for name in report["rows"])  # FTS5 shadow tables


def test_db_check_finds_a_full_text_index_out_of_step(built_db):
    import sqlite3

    conn = sqlite3.connect(built_db)  # drop article 1 from the index only, as a lost write would
    title, text = conn.execute("SELECT title, text FROM articles WHERE id = 1").fetchone()
    conn.execute("INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', 1, ?, ?)",
                 [title, text])
    conn.commit()
    conn.close()
    res = CliRunner().invoke(main, ["db", "check", "--db", built_db, "--json"])
    report = json.loads(res.output)
    assert res.exit_code == 1 and report["integrity"] == ["ok"] and report["fts"]["articles_fts"] != "ok"


# -- bad input: one line that says what would work -------------------------------------------------


@pytest.mark.parametrize("search", ["*", "NEAR(a b, x)", '"unterminated', "nosuchcolumn:x"])
def test_a_bad_search_says_what_the_syntax_is(search, built_db):
    res = CliRunner().invoke(main, ["query", "articles", search, "--db", built_db])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.output.startswith("Error: ") and res.output.count("\n") == 1
    assert "search" in res.output and 'phrases"' in res.output and "prefix*" in res.output


def test_an_unknown_topic_lists_the_known_ones(built_db):
    res = CliRunner().invoke(main, ["query", "articles", "OpenAI", "--topic", "nope", "--db", built_db])
    assert res.exit_code == 1
    assert "unknown topic 'nope'" in res.output and "ai-policy" in res.output and "funding" in res.output
    res = CliRunner().invoke(main, ["query", "articles", "OpenAI", "--topic", "AI-Policy", "--db", built_db])
    assert "unknown topic" not in res.output  # the stored topic names match case-insensitively


@pytest.mark.parametrize("extra", [[], ["--html"]])
def test_analyze_refuses_a_binary_file(extra, tmp_path):
    f = tmp_path / "photo.jpg"
    f.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 20)
    res = CliRunner().invoke(main, ["analyze", str(f), *extra])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert f"{f} is not text (looks binary): give a UTF-8 text or --html file" in res.output


def test_analyze_keeps_text_with_a_stray_byte(tmp_path):
    from crawler.commands.analyze import decode_text

    raw = ("Bpifrance finance IA Booster. " * 20).encode() + b"\xe9"  # one Latin-1 byte in UTF-8 text
    assert decode_text("a.txt", raw).startswith("Bpifrance")


def test_sources_list_json_is_one_document():
    res = CliRunner().invoke(main, ["sources", "list", "--json"])
    rows = json.loads(res.output)
    assert isinstance(rows, list) and len(rows) >= 30


def test_store_opens_existing_databases_only_and_closes_itself(tmp_path):
    import sqlite3

    from db.store import MissingDatabase, Store
    from nlp.errors import VeilleError

    with pytest.raises(MissingDatabase) as err:
        Store.open_existing(str(tmp_path / "none.db"))
    assert isinstance(err.value, VeilleError) and not (tmp_path / "none.db").exists()
    with Store(str(tmp_path / "v.db")) as store:
        store.upsert_source("Gazette")
    with pytest.raises(sqlite3.ProgrammingError):  # closed on leaving the block
        store.db.execute("SELECT 1")
    with Store.open_existing(str(tmp_path / "v.db")) as again:
        assert again.db["sources"].count == 1
