"""The command line: help with examples everywhere, clear errors, and the analyze contract."""
from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from crawler.cli import main

TEXT_FR = (
    "Le 21 juillet 2025, le ministère britannique de la Science, de l'Innovation et de la Technologie (DSIT) "
    "a signé un protocole d'accord avec OpenAI. Sam Altman a salué l'accord. Le gouvernement consacre "
    "2 milliards de livres sterling aux AI Growth Zones. À Paris, Bpifrance finance IA Booster France 2030 "
    "avec 25 millions d'euros."
)


def all_commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path,cmd", list(all_commands(main)), ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_every_command_has_help_with_an_example(path, cmd):
    res = CliRunner().invoke(main, [*path, "--help"])
    assert res.exit_code == 0
    if not isinstance(cmd, click.Group):
        assert "Example" in res.output, f"veille {' '.join(path)} --help shows no example"


def test_every_command_is_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    for path, cmd in all_commands(main):
        if not isinstance(cmd, click.Group):
            assert f"veille {' '.join(path)}" in readme, f"README does not document veille {' '.join(path)}"


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
    res = CliRunner().invoke(main, [*args, "--db", str(tmp_path / "v.db")] if args[0] in ("digest", "crawl") else args)
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


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`veille demo` run once in a subprocess: (database path, printed paths of the brief)."""
    tmp = tmp_path_factory.mktemp("demo")
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "demo", "--db", str(tmp / "demo.db"), "-o", str(tmp / "briefs")],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return tmp / "demo.db", proc.stdout.split()


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
