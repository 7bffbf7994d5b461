"""One resolver from a name to a stored entity: precedence, accents, ambiguity, and the SQL twin."""
import sqlite3

import pytest

from db.datasette_plugins.veille_functions import _norm
from db.entity_edits import EntityEditError
from db.entity_edits import find_entity as edit_find
from db.entity_lookup import entity_sql, lookup
from db.entity_queries import find_entity as query_find
from db.store import NewArticle
from nlp.dedup import content_hash
from nlp.types import Analysis, EntityMention


def _article(store, n, text, *mentions):
    url = f"https://ex.example/{n}"
    aid = store.add_article(NewArticle(url=url, canonical_url=url, url_key=url[8:], source=f"S{n}", title=None,
                                       text=text, published=f"2025-07-{10 + n:02d}", author=None, lang="fr",
                                       content_hash=content_hash(text))).id
    ents = [EntityMention(s, "ORG", canon, text.index(s), text.index(s) + len(s), kb) for s, canon, kb in mentions]
    store.save_analysis(aid, Analysis(lang="fr", title=None, published=None, author=None, text=text, entities=ents))


@pytest.fixture
def tangled(store):
    """'Orange' is a canonical name and also an alias of Orange Bank; 'BPI' is an alias of two
    entities (Bpifrance in three articles, Banque Populaire Italienne in one); 'mistral' is the
    kb id of Mistral AI and an alias of nobody."""
    _article(store, 1, "Orange et BPI.", ("Orange", "Orange", None), ("BPI", "Bpifrance", "bpifrance"))
    _article(store, 2, "Orange Bank, dite Orange, et BPI.", ("Orange Bank", "Orange Bank", None),
             ("Orange", "Orange Bank", None), ("BPI", "Bpifrance", "bpifrance"))
    _article(store, 3, "La BPI finance.", ("BPI", "Bpifrance", "bpifrance"))
    _article(store, 4, "Mistral AI et la BPI italienne.", ("Mistral AI", "Mistral AI", "mistral"),
             ("BPI", "Banque Populaire Italienne", None))
    # the store files the alias 'BPI' for each entity it was written for
    assert store.db.execute("SELECT count(*) FROM aliases WHERE alias_norm = 'bpi'").fetchone()[0] == 2
    return store


def _sql_pick(path, name):
    conn = sqlite3.connect(path)
    conn.create_function("veille_norm", 1, _norm)
    row = conn.execute(f"SELECT name FROM entities WHERE id = {entity_sql(':name')}", {"name": name}).fetchone()
    conn.close()
    return row[0] if row else None


def test_canonical_name_beats_alias_beats_kb_id(tangled):
    db = tangled.db
    hit = lookup(db, "ORANGE")
    assert (hit.via, hit.best.name, hit.ambiguous) == ("name", "Orange", False)  # not Orange Bank's alias
    assert lookup(db, "Mistral").via == "kb_id" and lookup(db, "Mistral").best.name == "Mistral AI"
    assert lookup(db, "bpi france").found is False and lookup(db, "  ").found is False
    assert lookup(db, "bpifrance").via == "name"  # the canonical name, before the kb id of the same spelling


def test_a_shared_alias_is_ambiguous_readers_take_the_busiest_edits_refuse(tangled):
    db = tangled.db
    hit = lookup(tangled.db, "bpi")
    assert hit.via == "alias" and hit.ambiguous and hit.unique is None
    assert [m.name for m in hit.matches] == ["Bpifrance", "Banque Populaire Italienne"]  # 3 articles, then 1
    assert query_find(db, "Bpi")["name"] == "Bpifrance"
    with pytest.raises(EntityEditError, match="alias of several entities: Bpifrance, Banque Populaire"):
        edit_find(db, "BPI")


def test_the_canned_queries_resolve_names_exactly_like_the_cli(tangled):
    for name in ["orange", "ORANGE BANK", "bpi", "mistral", "Mistral AI", "nobody", "Bpifrance"]:
        best = lookup(tangled.db, name).best
        assert _sql_pick(tangled.path, name) == (best.name if best else None), name
