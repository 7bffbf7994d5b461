import sqlite3

import pytest

from db.schema import applied
from db.store import NewArticle, Store
from db.urls import known_url_keys
from nlp.dedup import LSH_BANDS, content_hash
from nlp.types import AmountMention, Analysis, DateMention, EntityMention

WIRE = (
    "Bpifrance lance IA Booster France 2030, un programme doté de 25 millions d'euros pour aider "
    "les PME et les ETI à adopter l'intelligence artificielle. Le dispositif s'inscrit dans le plan "
    "France 2030 et combine diagnostic, accompagnement par des experts et financement des projets. "
    "Les entreprises retenues bénéficieront d'un parcours de plusieurs mois avec des consultants spécialisés."
)


def make(url, text=WIRE, source="S"):
    return NewArticle(url=url, canonical_url=url, url_key=url.split("://")[1], source=source, title="T",
                      text=text, published="2025-07-16", author=None, lang="fr",
                      content_hash=content_hash(text))


def test_an_article_is_stored_once_per_url(store):
    first = store.add_article(make("https://a.org/1"))
    again = store.add_article(make("https://a.org/1"))
    assert first.created and not again.created and first.id == again.id
    assert store.db["articles"].count == 1


def test_exact_copy_elsewhere_is_linked_not_dropped(store):
    orig = store.add_article(make("https://a.org/1"))
    copy = store.add_article(make("https://b.org/x", WIRE.upper(), source="B"))
    assert copy.created and copy.duplicate_of == orig.id
    assert store.db["articles"].count == 2


def test_lightly_edited_copy_is_a_near_duplicate(store):
    orig = store.add_article(make("https://a.org/1"))
    edited = "Nouvelle initiative publique. " + WIRE.replace("plusieurs mois", "six mois") + " (avec agence)"
    copy = store.add_article(make("https://b.org/y", edited, source="B"))
    assert copy.duplicate_of == orig.id


def test_a_batch_is_stored_in_one_transaction_and_sees_its_own_copies(store):
    results = store.add_articles([make("https://a.org/1"), make("https://b.org/x", WIRE.upper()),
                                  make("https://a.org/1")])
    assert [r.created for r in results] == [True, True, False]
    assert results[1].duplicate_of == results[0].id and results[2].id == results[0].id
    bad = make("https://c.org/2", "Un autre texte sans rapport avec le premier, sur le cyclisme.")
    bad.content_hash = None  # violates NOT NULL after the first article of the batch is inserted
    with pytest.raises(sqlite3.IntegrityError):  # one bad article: the whole batch is rolled back
        store.add_articles([make("https://c.org/1", "Encore un texte différent, sur la météo de juillet."), bad])
    assert store.db["articles"].count == 2



def test_a_batch_finds_a_near_duplicate_of_its_own_earlier_article(store):
    edited = "Nouvelle initiative publique. " + WIRE.replace("plusieurs mois", "six mois") + " (avec agence)"
    orig, copy, other = store.add_articles([
        make("https://a.org/1"), make("https://b.org/y", edited, source="B"),
        make("https://c.org/z", "Le Conseil d'État examine un recours contre la plateforme de données de santé "
                                "hébergée hors d'Europe, et la CNIL publie ses recommandations."),
    ])
    assert copy.duplicate_of == orig.id and other.duplicate_of is None
    # only originals are indexed for near-duplicate search: one band set each, written once
    bands = store.db.execute("SELECT article_id, count(*) FROM minhash_bands GROUP BY article_id").fetchall()
    assert sorted(bands) == sorted([(orig.id, LSH_BANDS), (other.id, LSH_BANDS)])
    fetched = {r[0] for r in store.db.execute("SELECT fetched_at FROM articles")}
    assert len(fetched) == 1 and next(iter(fetched))  # the batch's write time, set once

def test_a_different_article_is_not_a_duplicate(store):
    store.add_article(make("https://a.org/1"))
    other = store.add_article(make("https://a.org/2", "Le Tour de France arrive à Lyon avec une étape de "
                                   "montagne très disputée entre les favoris du classement général. " * 3))
    assert other.duplicate_of is None


def test_analysis_replaces_the_previous_one(store):
    a = store.add_article(make("https://a.org/1"))
    analysis = Analysis(
        lang="fr", title="T", published="2025-07-16", author=None, text=WIRE,
        entities=[EntityMention("Bpifrance", "ORG", "Bpifrance", 0, 9, "bpifrance"),
                  EntityMention("France 2030", "PROG", "France 2030", 20, 31, "france-2030")],
        dates=[DateMention("2030", "2030", "year", 27, 31)],
        amounts=[AmountMention("25 millions d'euros", 25e6, "EUR", "money", 60, 79, 25e6)],
        sentence_starts=[0],
    )
    store.save_analysis(a.id, analysis, analysis.sentence_of)
    store.save_analysis(a.id, analysis, analysis.sentence_of)  # a re-run never duplicates rows
    assert store.db["mentions"].count == 2
    assert store.db["amounts"].count == 1 and store.db["dates"].count == 1
    assert store.db["entities"].count == 2
    status = store.db.execute("SELECT status FROM articles WHERE id = ?", [a.id]).fetchone()[0]
    assert status == "enriched" and store.count_pending() == 0


def test_skipped_language_is_recorded_with_its_reason(store):
    a = store.add_article(make("https://a.org/1"))
    store.save_analysis(a.id, Analysis(lang="pl", title=None, published=None, author=None, text="x",
                                       skipped="language pl is not analysed"))
    row = store.db.execute("SELECT status, skip_reason, lang FROM articles").fetchone()
    assert row == ("skipped", "language pl is not analysed", "pl")


def test_failed_analysis_leaves_nothing_half_written(store, monkeypatch):
    a = store.add_article(make("https://a.org/1"))
    bad = Analysis(lang="fr", title=None, published=None, author=None, text=WIRE,
                   entities=[EntityMention("Bpifrance", "ORG", "Bpifrance", 0, 9)],
                   amounts=[AmountMention("x", 1.0, "EUR", "money", 0, 1)])
    bad.amounts[0].start = None  # violates NOT NULL after the mentions are inserted
    with pytest.raises(sqlite3.IntegrityError):
        store.save_analysis(a.id, bad)
    assert store.db["mentions"].count == 0 and store.count_pending() == 1


def test_fts_is_diacritics_insensitive(store):
    store.add_article(make("https://a.org/1", WIRE + " Réglementation européenne."))
    hits = store.db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'reglementation'").fetchall()
    assert len(hits) == 1


def test_migrations_upgrade_an_older_database_in_place(db_path, monkeypatch):
    import db.schema as schema

    everything = list(schema.MIGRATIONS)
    monkeypatch.setattr(schema, "MIGRATIONS", everything[:1])  # the first released schema
    old = Store(db_path)
    old.db.execute(  # a row as the first schema stored it
        "INSERT INTO articles (url, canonical_url, url_key, source, text, content_hash, fetched_at)"
        " VALUES ('https://a.org/1', 'https://a.org/1', 'a.org/1', 'S', ?, 'h', '2025-07-16')", [WIRE])
    assert applied(old.db) == {1}
    old.close()
    monkeypatch.setattr(schema, "MIGRATIONS", everything)
    new = Store(db_path)
    assert applied(new.db) == {n for n, _, _ in everything}
    assert new.db["articles"].count == 1 and known_url_keys(db_path) == {"a.org/1"}
    new.close()
    again = Store(db_path)  # a second connect applies nothing
    assert schema.migrate(again.db) == []
    again.close()


def test_a_money_range_keeps_both_bounds_and_its_approximation_mark(store):
    a = store.add_article(make("https://a.org/range"))
    text = "Le fonds vise de 2 à 3 milliards d'euros, soit près de 25 M€ par an."
    analysis = Analysis(
        lang="fr", title="T", published="2025-07-16", author=None, text=text,
        amounts=[AmountMention("de 2 à 3 milliards d'euros", 2e9, "EUR", "money", 14, 40, 2e9, max=3e9, range=True),
                 AmountMention("près de 25 M€", 25e6, "EUR", "money", 47, 60, 25e6, approx=True)],
        sentence_starts=[0],
    )
    store.save_analysis(a.id, analysis, analysis.sentence_of)
    rows = store.db.execute("SELECT value, max, is_range, approx FROM amounts ORDER BY start").fetchall()
    assert rows == [(2e9, 3e9, 1, 0), (25e6, None, 0, 1)]
