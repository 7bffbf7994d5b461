"""Deals in the database: one deal however many articles (and languages) tell it, its sources,
re-analysis, and the `veille query deals|partners|entity` commands on a small real database."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from db import deals as dbdeals
from db.store import NewArticle, Store
from nlp.dedup import content_hash
from tests.test_deals import analysis


def _store_article(store: Store, url: str, lang: str, text: str, ents, published: str, money=()) -> int:
    art = store.add_article(NewArticle(url=url, canonical_url=url, url_key=url[8:], source="Wire", title=text[:40],
                                       text=text, published=published, author=None, lang=lang,
                                       content_hash=content_hash(text)))
    an = analysis(lang, text, ents, money, published=published)
    an.sentence_starts = [0]
    store.save_analysis(art.id, an, an.sentence_of)
    return art.id


EN_MOU = ("The UK government and OpenAI signed a memorandum of understanding on Monday.",
          [("UK", "LOC", "Royaume-Uni"), ("OpenAI", "ORG")])
FR_MOU = ("Le Royaume-Uni et OpenAI signent un protocole d'accord sur l'IA.",
          [("Royaume-Uni", "LOC"), ("OpenAI", "ORG")])
FR_FUND = ("Bpifrance mobilise 25 M€ pour le programme IA Booster France 2030 destiné aux PME.",
           [("Bpifrance", "ORG"), ("IA Booster France 2030", "PROG")])
EN_FUND = ("Bpifrance is putting €25m into IA Booster France 2030, a scheme for small firms.",
           [("Bpifrance", "ORG"), ("IA Booster France 2030", "PROG")])
EN_BOOKING = ("OpenAI is teaming up with Booking.com on an accelerator for small businesses.",
              [("OpenAI", "ORG"), ("Booking.com", "ORG")])


@pytest.fixture
def store(tmp_path):
    s = Store(str(tmp_path / "deals.db"))
    yield s
    s.close()


def _count(store, table):
    return store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_one_deal_told_in_two_languages_is_one_deal_with_two_sources(store):
    a = _store_article(store, "https://wire.example/uk-openai", "en", *EN_MOU, "2025-07-21")
    b = _store_article(store, "https://gazette.example/ru-openai", "fr", *FR_MOU, "2025-07-22")
    rows = dbdeals.list_deals(store.db)
    assert len(rows) == 1
    deal = rows[0]
    assert deal["kind"] == "partnership" and deal["status"] == "announced"
    assert {p["canonical"] for p in deal["parties"]} == {"Royaume-Uni", "OpenAI"}
    assert [s["article_id"] for s in deal["sources"]] == [a, b]
    assert {s["lang"] for s in deal["sources"]} == {"en", "fr"}
    assert (deal["first_seen"], deal["last_seen"]) == ("2025-07-21", "2025-07-22")


def test_funding_told_twice_keeps_its_amount_and_a_different_amount_is_another_deal(store):
    _store_article(store, "https://gazette.example/booster", "fr", *FR_FUND, "2025-07-21")
    _store_article(store, "https://wire.example/booster", "en", *EN_FUND, "2025-07-22")
    other = "Bpifrance mobilise 90 M€ pour le programme IA Booster France 2030 destiné aux PME."
    _store_article(store, "https://gazette.example/booster-2", "fr", other, FR_FUND[1], "2025-07-23")
    rows = dbdeals.list_deals(store.db, kind="public_funding")
    assert sorted(r["amount_eur"] for r in rows) == [25e6, 90e6]
    first = next(r for r in rows if r["amount_eur"] == 25e6)
    assert len(first["sources"]) == 2
    assert {(p["canonical"], p["role"]) for p in first["parties"]} == {
        ("Bpifrance", "funder"), ("IA Booster France 2030", "recipient")}
    assert dbdeals.list_deals(store.db, min_eur=5e7)[0]["amount_eur"] == 90e6


def test_the_same_parties_months_apart_are_two_deals(store):
    _store_article(store, "https://wire.example/a", "en", *EN_MOU, "2025-02-10")
    _store_article(store, "https://wire.example/b", "en", *EN_MOU, "2025-07-21")
    assert len(dbdeals.list_deals(store.db)) == 2


def test_reanalysis_replaces_an_articles_deals_and_drops_orphans(store):
    a = _store_article(store, "https://wire.example/a", "en", *EN_MOU, "2025-07-21")
    an = analysis("en", *EN_MOU, published="2025-07-21")
    store.save_analysis(a, an, an.sentence_of)  # the same analysis again: nothing doubles
    assert (_count(store, "deals"), _count(store, "deal_sources"), _count(store, "deal_parties")) == (1, 1, 2)
    empty = analysis("en", "Nothing to see here today.", [], published="2025-07-21")
    store.save_analysis(a, empty, empty.sentence_of)
    assert (_count(store, "deals"), _count(store, "deal_sources"), _count(store, "deal_parties")) == (0, 0, 0)


def test_deals_for_articles_and_partners(store):
    a = _store_article(store, "https://wire.example/a", "en", *EN_MOU, "2025-07-21")
    b = _store_article(store, "https://wire.example/b", "en", *EN_BOOKING, "2025-07-23")
    by_article = dbdeals.deals_for_articles(store.db, [a, b, 999])
    assert set(by_article) == {a, b}
    assert by_article[b][0]["kind"] == "partnership"
    openai = store.db.execute("SELECT id FROM entities WHERE name = 'OpenAI'").fetchone()[0]
    partners = {r["name"]: r for r in dbdeals.partners(store.db, openai)}
    assert set(partners) == {"Royaume-Uni", "Booking.com"}
    assert partners["Booking.com"]["deals"] == 1 and partners["Booking.com"]["last_deal"] == "2025-07-23"
    assert [r["name"] for r in dbdeals.partners(store.db, openai, since="2025-07-22")] == ["Booking.com"]


# -- the CLI, as a user runs it -------------------------------------------------------------------------


@pytest.fixture
def demo_db(tmp_path):
    path = tmp_path / "cli.db"
    s = Store(str(path))
    _store_article(s, "https://wire.example/uk-openai", "en", *EN_MOU, "2025-07-21")
    _store_article(s, "https://gazette.example/ru-openai", "fr", *FR_MOU, "2025-07-22")
    _store_article(s, "https://wire.example/booking", "en", *EN_BOOKING, "2025-07-23")
    _store_article(s, "https://gazette.example/booster", "fr", *FR_FUND, "2025-07-21")
    s.close()
    return str(path)


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_query_deals_cli(demo_db):
    out = _cli("query", "deals", "--db", demo_db, "--entity", "OpenAI", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["kind"] for r in rows] == ["partnership", "partnership"]
    names = [{p["canonical"] for p in r["parties"]} for r in rows]
    assert {"OpenAI", "Booking.com"} in names and {"OpenAI", "Royaume-Uni"} in names
    assert max(len(r["sources"]) for r in rows) == 2

    funding = json.loads(_cli("query", "deals", "--db", demo_db, "--kind", "public_funding", "--min-amount", "1e6",
                              "--json").stdout)
    assert len(funding) == 1 and funding[0]["amount_text"] == "25 M€"
    recent = json.loads(_cli("query", "deals", "--db", demo_db, "--since", "2025-07-23", "--json").stdout)
    assert [{p["canonical"] for p in r["parties"]} for r in recent] == [{"OpenAI", "Booking.com"}]

    table = _cli("query", "deals", "--db", demo_db, "--csv")
    assert table.returncode == 0
    rows_csv = list(csv.DictReader(io.StringIO(table.stdout)))
    assert len(rows_csv) == 3 and {"date", "kind", "parties", "amount", "sources"} <= set(rows_csv[0])


def test_query_partners_and_entity_view_cli(demo_db):
    out = _cli("query", "partners", "OpenAI", "--db", demo_db, "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["entity"]["name"] == "OpenAI"
    assert {r["name"] for r in result["partners"]} == {"Royaume-Uni", "Booking.com"}
    entity = json.loads(_cli("query", "entity", "OpenAI", "--db", demo_db, "--json").stdout)
    assert {d["kind"] for d in entity["deals"]} == {"partnership"} and len(entity["deals"]) == 2
    assert any("Booking.com" in d["deal"] for d in entity["deals"])
    text = _cli("query", "entity", "OpenAI", "--db", demo_db)
    assert "deals" in text.stdout and "partnership: " in text.stdout


def test_query_deals_refuses_bad_input(demo_db, tmp_path):
    bad = _cli("query", "deals", "--db", demo_db, "--since", "July")
    assert bad.returncode != 0 and "--since must be a date" in bad.stderr
    unknown = _cli("query", "partners", "Nobody Inc", "--db", demo_db)
    assert unknown.returncode != 0 and "no entity called" in unknown.stderr
    missing = _cli("query", "deals", "--db", str(tmp_path / "none.db"))
    assert missing.returncode != 0 and "no database" in missing.stderr


def test_analyze_json_carries_the_deals(tmp_path):
    f = tmp_path / "a.txt"
    text = ("AMD has agreed to acquire the Finnish lab Silo AI for $665m in cash.\n"
            "The global market for generative AI could be worth $1.3tn by 2032, analysts estimate.")
    f.write_text(text, "utf-8")
    out = _cli("analyze", str(f), "--published", "2024-07-10", "--lang", "en", "--no-topics", "--json")
    assert out.returncode == 0, out.stderr
    deals = json.loads(out.stdout)["deals"]
    assert len(deals) == 1  # the market size is no deal
    d = deals[0]
    assert d["kind"] == "acquisition" and d["status"] == "announced"
    assert {(p["canonical"], p["role"]) for p in d["parties"]} == {("AMD", "buyer"), ("Silo AI", "target")}
    assert d["amount"]["text"] == "$665m" and d["amount"]["unit"] == "USD" and d["amount"]["eur"] > 0
    assert d["date"] == {"value": "2024-07-10", "precision": "day"}
    assert text[d["start"]:d["end"]] == d["text"]


def test_datasette_canned_queries_for_deals_and_partners(demo_db):
    import sqlite3

    from db.datasette_plugins.veille_functions import _norm
    from db.serve import CANNED, TABLES

    def canned(query, **params):
        conn = sqlite3.connect(demo_db)
        conn.create_function("veille_norm", 1, _norm)
        sql = CANNED[query]["sql"]
        args = dict.fromkeys(("name", "kind", "since", "min"), "")
        cur = conn.execute(sql, {k: v for k, v in {**args, **params}.items() if f":{k}" in sql})
        cols = [c[0] for c in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
        conn.close()
        return rows

    assert len(canned("deals")) == 3
    mine = canned("deals", name="OPENAI")
    assert {r["kind"] for r in mine} == {"partnership"} and max(r["sources"] for r in mine) == 2
    assert [r["eur"] for r in canned("deals", kind="public_funding", min="1e6")] == [25e6]
    assert canned("deals", since="2025-07-23")[0]["parties"] in (
        "Booking.com (partner); OpenAI (partner)", "OpenAI (partner); Booking.com (partner)")
    partners = {r["name"]: r for r in canned("partners", name="OpenAI")}
    assert set(partners) == {"Royaume-Uni", "Booking.com"} and partners["Royaume-Uni"]["deals"] == 1
    assert {"deals", "deal_parties", "deal_sources"} <= set(TABLES)
