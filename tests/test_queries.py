"""Query paths of `veille query` over a small real database: results, filters, bad input, migration."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from crawler.cli import main
from db import amount_queries, rankings
from db.amount_queries import amounts
from db.entity_queries import cooccurrence, entity_profile, find_entity, timeline
from db.filters import Filters, QueryError
from db.rankings import top_entities
from db.search import search_articles
from db.store import NewArticle, Store
from nlp.dedup import content_hash
from nlp.types import AmountMention, Analysis, EntityMention

# (published, lang, source, title, sentences, entities (surface, canonical, label), amounts (surface, value, unit))
CORPUS = [
    ("2025-07-01", "fr", "Gazette", "Bpifrance lance IA Booster",
     ["Bpifrance lance IA Booster France 2030 avec 25 millions d'euros pour les PME.",
      "OpenAI ouvre un bureau à Paris."],
     [("Bpifrance", "Bpifrance", "ORG"), ("IA Booster France 2030", "IA Booster France 2030", "PROG"),
      ("OpenAI", "OpenAI", "ORG"), ("Paris", "Paris", "LOC")],
     [("25 millions d'euros", 25e6, "EUR")]),
    ("2025-07-08", "fr", "Courrier", "La réglementation européenne de l'IA",
     ["La Commission européenne précise la réglementation.", "Bpi France finance 3 millions d'euros de projets.",
      "Mistral AI lève 600 millions d'euros."],
     [("Commission européenne", "Commission européenne", "ORG"), ("Bpi France", "Bpifrance", "ORG"),
      ("Mistral AI", "Mistral AI", "ORG")],
     [("3 millions d'euros", 3e6, "EUR"), ("600 millions d'euros", 600e6, "EUR")]),
    ("2025-07-15", "en", "Wire", "UK and OpenAI sign a memorandum",
     ["The UK signed a memorandum with OpenAI.", "The government commits £2bn to AI Growth Zones.",
      "Sam Altman welcomed the deal in London."],
     [("UK", "Royaume-Uni", "LOC"), ("OpenAI", "OpenAI", "ORG"), ("AI Growth Zones", "AI Growth Zones", "PROG"),
      ("Sam Altman", "Sam Altman", "PER")],
     [("£2bn", 2e9, "GBP")]),
    ("2025-07-16", "fr", "Gazette", "OpenAI à Paris",
     ["OpenAI recrute à Paris.", "Open AI et Mistral AI se disputent les talents."],
     [("OpenAI", "OpenAI", "ORG"), ("Paris", "Paris", "LOC"), ("Open AI", "OpenAI", "ORG"),
      ("Mistral AI", "Mistral AI", "ORG")],
     []),
    ("2025-07-17", "fr", "Courrier", "Mistral AI et Bpifrance",
     ["Mistral AI signe avec Bpifrance un prêt de 50 millions d'euros.", "Le Tour de France passe à Paris."],
     [("Mistral AI", "Mistral AI", "ORG"), ("Bpifrance", "Bpifrance", "ORG"), ("Paris", "Paris", "LOC")],
     [("50 millions d'euros", 50e6, "EUR")]),
]
RATES = {"EUR": 1.0, "GBP": 1.17}


def add(store: Store, i: int, published, lang, source, title, sentences, ents, amts) -> int:
    text = " ".join(sentences)
    starts, pos = [], 0
    for s in sentences:
        starts.append(pos)
        pos += len(s) + 1
    url = f"https://{source.lower()}.example/{i}"
    art = store.add_article(NewArticle(url=url, canonical_url=url, url_key=url[8:], source=source, title=title,
                                       text=text, published=published, author=None, lang=lang,
                                       content_hash=content_hash(text)))
    seen: dict[str, int] = {}

    def find(surface):  # the next occurrence, so two mentions of one name get their own offsets
        start = text.index(surface, seen.get(surface, 0))
        seen[surface] = start + 1
        return start

    entities = []
    for surface, canonical, label in ents:
        s = find(surface)
        entities.append(EntityMention(surface, label, canonical, s, s + len(surface)))
    amounts = []
    for surface, value, unit in amts:
        s = find(surface)
        amounts.append(AmountMention(surface, value, unit, "money", s, s + len(surface), value * RATES[unit]))
    analysis = Analysis(lang=lang, title=title, published=published, author=None, text=text, entities=entities,
                        amounts=amounts, sentence_starts=starts)
    store.save_analysis(art.id, analysis, analysis.sentence_of)
    return art.id


def build(path: str) -> list[int]:
    store = Store(path)
    try:
        return [add(store, i, *row) for i, row in enumerate(CORPUS)]
    finally:
        store.close()


@pytest.fixture
def db(db_path):
    build(db_path)
    store = Store(db_path)
    yield store.db
    store.close()


def recount(db) -> tuple[list, list]:
    """The roll-ups as they should be, recomputed from mentions."""
    pairs = db.execute(
        """SELECT m.article_id, m.entity_id, coalesce(a.published, substr(a.fetched_at, 1, 10)), count(*)
        FROM mentions m JOIN articles a ON a.id = m.article_id GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
    days = db.execute(
        """SELECT day, entity_id, count(*), sum(n) FROM (
             SELECT m.article_id, m.entity_id, coalesce(a.published, substr(a.fetched_at, 1, 10)) AS day, count(*) AS n
             FROM mentions m JOIN articles a ON a.id = m.article_id GROUP BY 1, 2) GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
    return pairs, days


def stored(db) -> tuple[list, list]:
    return (db.execute("SELECT article_id, entity_id, day, mentions FROM entity_articles ORDER BY 1, 2").fetchall(),
            db.execute("SELECT day, entity_id, articles, mentions FROM entity_days ORDER BY 1, 2").fetchall())


# -- schema ---------------------------------------------------------------------------------------


def test_a_database_of_the_first_schema_is_upgraded_in_place(db_path, monkeypatch):
    import db.schema as schema

    everything = list(schema.MIGRATIONS)
    # a database made before the query-path migration existed: no roll-ups, no triggers
    monkeypatch.setattr(schema, "MIGRATIONS", [m for m in everything if m[0] != 2])
    ids = build(db_path)
    old = Store(db_path)
    assert "entity_days" not in old.db.table_names()
    before = old.db.execute("SELECT count(*) FROM mentions").fetchone()[0]
    old.close()
    monkeypatch.setattr(schema, "MIGRATIONS", everything)
    new = Store(db_path)
    assert 2 in schema.applied(new.db)
    assert new.db.execute("SELECT count(*) FROM mentions").fetchone()[0] == before
    assert new.db["articles"].count == len(ids)
    assert stored(new.db) == recount(new.db) and stored(new.db)[0]
    assert entity_profile(new.db, "Bpifrance", Filters(since="2025-07-01"))["articles"] == 3
    new.close()


def test_rollups_stay_exact_through_reanalysis_date_fixes_and_deletes(db):
    assert stored(db) == recount(db)
    store_like = Store.__new__(Store)
    store_like.db = db
    add(store_like, 1, *CORPUS[1])  # same URL: the article exists, its analysis is replaced
    assert stored(db) == recount(db)
    db.execute("UPDATE articles SET published = '2025-07-20' WHERE id = 1")
    assert stored(db) == recount(db)
    db.execute("UPDATE mentions SET entity_id = (SELECT id FROM entities WHERE name = 'Paris') WHERE id = 1")
    assert stored(db) == recount(db)
    db.execute("DELETE FROM articles WHERE id = 2")
    assert stored(db) == recount(db)
    assert db.execute("SELECT count(*) FROM entity_days WHERE articles <= 0").fetchone()[0] == 0


def test_wal_and_foreign_keys_are_on(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


# -- articles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("search,titles", [
    ('"réglementation européenne"', {"La réglementation européenne de l'IA"}),
    ("reglementation", {"La réglementation européenne de l'IA"}),  # accents ignored
    ("memorandum OR Tour", {"UK and OpenAI sign a memorandum", "Mistral AI et Bpifrance"}),
    ("OpenAI NOT Paris", {"UK and OpenAI sign a memorandum"}),
    ("bpifr*", {"Bpifrance lance IA Booster", "Mistral AI et Bpifrance"}),
    ("title:mistral", {"Mistral AI et Bpifrance"}),
])
def test_search_understands_fts_syntax(db, search, titles):
    assert {r["title"] for r in search_articles(db, search)} == titles


def test_search_ranks_titles_first_and_marks_snippets(db):
    rows = search_articles(db, "Mistral")
    assert rows[0]["title"] == "Mistral AI et Bpifrance"
    assert "[Mistral]" in rows[0]["snippet"]
    assert rows[0]["ranked_over"] == 3 and rows[0]["more"] is False


def test_search_depth_ranks_only_the_most_recent_matches(db):
    rows = search_articles(db, "OpenAI", depth=1)
    assert len(rows) == 1 and rows[0]["title"] == "OpenAI à Paris" and rows[0]["more"] is True
    assert len(search_articles(db, "OpenAI", depth=0)) == 3


def test_search_filters(db):
    f = Filters(since="2025-07-10", lang="fr", source="gazette")
    assert [r["title"] for r in search_articles(db, "OpenAI", f)] == ["OpenAI à Paris"]
    assert search_articles(db, "OpenAI", Filters(until="2025-07-01"))[0]["published"] == "2025-07-01"


@pytest.mark.parametrize("bad", ['"unterminated', "foo AND (", "nosuchcolumn:x", "   ", "AND"])
def test_bad_fts_syntax_is_a_query_error(db, bad):
    with pytest.raises(QueryError):
        search_articles(db, bad)


# -- entities -------------------------------------------------------------------------------------


def test_entity_profile(db):
    p = entity_profile(db, "bpi france", Filters(since="2025-06-30", until="2025-07-20"))  # an alias
    assert (p["name"], p["label"]) == ("Bpifrance", "ORG")
    assert "Bpi France" in p["aliases"]
    assert p["articles"] == 3 and p["mentions"] == 3
    assert [w["week"] for w in p["weeks"]] == ["2025-W27", "2025-W28", "2025-W29"]
    co = {c["name"]: c["articles"] for c in p["cooccurring"]}
    assert co["Mistral AI"] == 2 and "Bpifrance" not in co
    assert [a["published"] for a in p["latest"]] == ["2025-07-17", "2025-07-08", "2025-07-01"]
    # money in a sentence naming Bpifrance, never Mistral AI's 600 M€ of another sentence
    assert {a["value"] for a in p["amounts"]} == {25e6, 3e6, 50e6}
    assert p["amounts"][0]["sentence_text"].startswith("Mistral AI signe avec Bpifrance")


def test_entity_window_defaults_to_the_weeks_before_the_latest_day(db):
    p = entity_profile(db, "OpenAI", weeks=1)
    assert p["window"] == {"since": "2025-07-11", "until": "2025-07-17"}
    assert p["articles"] == 2 and p["mentions"] == 3


def test_unknown_entity_gets_the_closest_names(db):
    with pytest.raises(QueryError, match="closest: .*Bpifrance"):
        entity_profile(db, "Bpifranse")


def test_top_entities_and_rising(db):
    r = top_entities(db, Filters(since="2025-07-14", until="2025-07-20"), label="ORG", min_articles=2)
    assert r["previous_period"] == {"since": "2025-07-07", "until": "2025-07-13"}
    top = [(t["name"], t["articles"], t["previous"]) for t in r["top"]]
    assert top == [("OpenAI", 2, 0), ("Mistral AI", 2, 1), ("Bpifrance", 1, 1)]  # ties: first seen first
    assert [t["name"] for t in r["rising"]] == ["OpenAI", "Mistral AI"]
    assert all(t["label"] == "ORG" for t in r["top"])


def test_top_entities_default_is_the_latest_iso_week_and_both_paths_agree(db):
    r = top_entities(db)
    assert r["period"] == {"since": "2025-07-14", "until": "2025-07-20"}
    assert r == top_entities(db, Filters(since="2025-07-14", until="2025-07-20"))
    counts = rankings._period_counts(db, Filters(), "2025-07-14", "2025-07-20", "2025-07-07", None)  # the day path
    by_days = sorted((c for c in counts if c[1]), key=lambda c: (-c[1], c[0]))
    assert [(t["id"], t["articles"], t["previous"]) for t in r["top"]] == [tuple(c) for c in by_days]
    days = top_entities(db, Filters(since="2025-07-14", until="2025-07-20", lang="fr"))
    weeks_fr = {t["name"]: t["articles"] for t in days["top"]}
    assert weeks_fr == {"Mistral AI": 2, "OpenAI": 1, "Bpifrance": 1, "Paris": 2}
    assert top_entities(db, days=3)["period"] == {"since": "2025-07-15", "until": "2025-07-17"}


def test_top_entities_with_article_filters(db):
    r = top_entities(db, Filters(since="2025-07-14", until="2025-07-20", lang="en"))
    assert {t["name"] for t in r["top"]} == {"Royaume-Uni", "OpenAI", "AI Growth Zones", "Sam Altman"}


@pytest.mark.parametrize("entity_driven", [True, False])
def test_amounts_table(db, monkeypatch, entity_driven):
    monkeypatch.setattr(amount_queries, "_ENTITY_DRIVEN_BELOW", 10**9 if entity_driven else 0)  # both plans agree
    bpi = find_entity(db, "Bpifrance")["id"]
    rows = amounts(db, currency="EUR", min_eur=1e6, entity_id=bpi)
    assert [r["value"] for r in rows] == [50e6, 25e6, 3e6]
    assert rows[0]["sentence_text"] == "Mistral AI signe avec Bpifrance un prêt de 50 millions d'euros."
    assert [r["value"] for r in amounts(db, min_eur=1e8)] == [2e9, 600e6]
    assert amounts(db, currency="GBP")[0]["eur"] == pytest.approx(2.34e9)


def test_amounts_fill_a_missing_eur_from_dated_rates(db):
    db.execute("UPDATE amounts SET eur = NULL WHERE unit = 'GBP'")
    row = amounts(db, currency="gbp")[0]
    assert row["eur"] and row["eur"] > 2e9


def test_timeline_and_cooccurrence(db):
    t = timeline(db, "OpenAI", by="month")
    assert t["points"] == [{"month": "2025-07", "articles": 3, "mentions": 4}]
    assert [p["day"] for p in timeline(db, "OpenAI", by="day")["points"]] == ["2025-07-01", "2025-07-15", "2025-07-16"]
    c = cooccurrence(db, "OpenAI", "Mistral AI")
    assert c["articles"] == 1 and c["latest"][0]["sentence"] == "Open AI et Mistral AI se disputent les talents."
    c = cooccurrence(db, "Paris", "OpenAI")
    assert c["articles"] == 2 and c["latest"][0]["published"] == "2025-07-16"
    with pytest.raises(QueryError, match="same entity"):
        cooccurrence(db, "OpenAI", "OPENAI")


# -- bad input ------------------------------------------------------------------------------------

INJECTIONS = ["x' OR '1'='1", "fr; DROP TABLE articles; --", "Gazette\" OR 1=1 --"]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_filters_are_bound_parameters(db, evil):
    f = Filters(lang=evil, source=evil)
    assert search_articles(db, "OpenAI", f) == []
    assert top_entities(db, f)["top"] == []
    assert amounts(db, f) == []
    with pytest.raises(QueryError):
        entity_profile(db, evil)
    assert db["articles"].count == len(CORPUS)


@pytest.mark.parametrize("kw", [{"since": "2025-13-01"}, {"until": "hier"}, {"since": "2025-07-10", "until": "2025-07-01"}])
def test_bad_dates_are_query_errors(kw):
    with pytest.raises(QueryError):
        Filters(**kw)


def test_topic_filter_uses_article_topics(db):
    if "article_topics" not in db.table_names():  # the topics feature's migration, when absent
        db.execute("CREATE TABLE article_topics (article_id INTEGER, topic TEXT, score REAL)")
    db.execute("INSERT INTO article_topics VALUES (3, 'Politique IA', 0.9)")
    # every article is scored on every topic: a low score is not "on" the topic
    db.execute("INSERT INTO article_topics SELECT id, 'Politique IA', 0.1 FROM articles WHERE id <> 3")
    f = Filters(topic="politique ia")
    assert [r["id"] for r in search_articles(db, "OpenAI", f)] == [3]
    assert {t["name"] for t in top_entities(db, f, days=30)["top"]} == {"Royaume-Uni", "OpenAI", "AI Growth Zones",
                                                                          "Sam Altman"}
    db.execute("DROP TABLE article_topics")
    with pytest.raises(QueryError, match="no topics"):
        search_articles(db, "OpenAI", f)


# -- command line ---------------------------------------------------------------------------------


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_cli_json_and_csv(db_path):
    build(db_path)
    res = run("query", "entity", "OpenAI", "--db", db_path, "--since", "2025-07-01", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["articles"] == 3
    res = run("query", "amounts", "--db", db_path, "--currency", "EUR", "--min", "1e6", "--entity", "Bpifrance", "--csv")
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert [float(r["value"]) for r in rows] == [50e6, 25e6, 3e6] and "sentence_text" in rows[0]
    res = run("query", "entities", "--db", db_path, "--type", "org", "--since", "2025-07-14", "--until", "2025-07-20")
    assert res.exit_code == 0 and "Mistral AI" in res.output and "rising" in res.output
    res = run("query", "articles", "réglementation", "--db", db_path)
    assert "La réglementation européenne" in res.output
    res = run("query", "timeline", "Paris", "--db", db_path, "--csv")
    assert res.output.splitlines()[0].startswith("section,week")
    res = run("query", "cooccur", "Paris", "OpenAI", "--db", db_path, "--json")
    assert json.loads(res.output)["articles"] == 2


@pytest.mark.parametrize("args,message", [
    (["articles", "foo AND ("], "invalid search"),
    (["entity", "Bpifranse"], "closest: Bpifrance"),
    (["entities", "--since", "juillet"], "YYYY-MM-DD"),
    (["amounts", "--currency", "euros!"], "ISO 4217"),
    (["articles", "x", "--json", "--csv"], "one of --json and --csv"),
])
def test_cli_bad_input_is_one_clear_line(db_path, args, message):
    build(db_path)
    res = run("query", *args, "--db", db_path)
    assert res.exit_code == 1 and message in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_cli_does_not_create_a_missing_database(tmp_path):
    res = run("query", "entity", "x", "--db", str(tmp_path / "none.db"))
    assert res.exit_code == 1 and "no database" in res.output and not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("what", ["entities", "mentions", "amounts"])
def test_export_jsonl_and_csv(db_path, what):
    build(db_path)
    lines = run("export", what, "--db", db_path).output.splitlines()
    rows = [json.loads(x) for x in lines]
    table = {"entities": "entities", "mentions": "mentions", "amounts": "amounts"}[what]
    store = Store(db_path)
    assert len(rows) == store.db[table].count > 0
    store.close()
    out = run("export", what, "--db", db_path, "--format", "csv").output
    assert len(list(csv.DictReader(io.StringIO(out)))) == len(rows)
    if what == "entities":
        bpi = next(r for r in rows if r["name"] == "Bpifrance")
        assert bpi["articles"] == 3 and "Bpi France" in bpi["aliases"]


def test_db_stats_counts_the_tables(db_path):
    build(db_path)
    s = json.loads(run("db", "stats", "--db", db_path, "--json").output)
    assert s["articles"] == len(CORPUS) and s["amounts"] == 5


def test_export_articles_joins_with_mentions_and_copies(db_path):
    build(db_path)
    with Store(db_path) as store:  # a copy of article 1, published elsewhere
        orig = store.db.execute("SELECT url, title, text FROM articles WHERE id = 1").fetchone()
        copy = store.add_article(NewArticle(url="https://copy.example/x", canonical_url="https://copy.example/x",
                                            url_key="copy.example/x", source="Copie", title=orig[1], text=orig[2],
                                            published="2025-07-20", author=None, lang="fr",
                                            content_hash=content_hash(orig[2])))
    assert copy.duplicate_of == 1
    arts = [json.loads(x) for x in run("export", "articles", "--db", db_path).output.splitlines()]
    mentions = [json.loads(x) for x in run("export", "mentions", "--db", db_path).output.splitlines()]
    ids = {a["id"] for a in arts}
    assert len(ids) == len(CORPUS) + 1 and {m["article_id"] for m in mentions} <= ids
    dup = next(a for a in arts if a["id"] == copy.id)
    assert (dup["duplicate_of"], dup["duplicate_of_url"]) == (1, orig[0])
    assert all(a["duplicate_of_url"] is None for a in arts if a["id"] != copy.id)
    header = next(csv.reader(io.StringIO(run("export", "articles", "--db", db_path, "--format", "csv").output)))
    assert header[0] == "id" and header[-2:] == ["duplicate_of", "duplicate_of_url"]
