"""Editing and growing the entity base: aliases, merges, renames, promotion and type votes."""
import json

import pytest
from click.testing import CliRunner

from crawler.cli import main
from db.entity_edits import (
    EntityEditError,
    add_alias,
    find_entity,
    load_kb,
    merge,
    promote,
    rename,
    user_kb_path,
    vote_labels,
)
from db.store import NewArticle
from nlp.dedup import content_hash
from nlp.types import Analysis, EntityMention


def _article(store, n: int, source: str, text: str) -> int:
    url = f"https://{source.lower()}.example/a{n}"
    art = NewArticle(url=url, canonical_url=url, url_key=url[8:], source=source, title=f"Article {n}",
                     text=text, published=f"2025-07-{10 + n:02d}", author=None, lang="fr",
                     content_hash=content_hash(text))
    return store.add_article(art).id


def _mentions(store, article_id: int, text: str, *mentions: tuple[str, str, str, str | None]) -> None:
    """Save an analysis with (surface, label, canonical, kb_id) mentions found in `text`."""
    ents = [EntityMention(s, label, canon, text.index(s), text.index(s) + len(s), kb_id)
            for s, label, canon, kb_id in mentions]
    store.save_analysis(article_id, Analysis(lang="fr", title=None, published=None, author=None, text=text,
                                             entities=ents))


@pytest.fixture
def populated(store):
    """Three sources: OpenAI (known), 'Open AI' stored apart, and Zéphyrine Labs, an unknown start-up."""
    texts = [
        ("Gazette", "OpenAI et Zéphyrine Labs signent un accord. Open AI confirme."),
        ("Courrier", "Zéphyrine Labs lève des fonds auprès de Bpifrance."),
        ("Wire", "Zéphyrine Labs opens an office in Lyon; la startup grandit."),
    ]
    ids = [_article(store, n, src, t) for n, (src, t) in enumerate(texts, 1)]
    _mentions(store, ids[0], texts[0][1], ("OpenAI", "ORG", "OpenAI", "openai"),
              ("Zéphyrine Labs", "PER", "Zéphyrine Labs", None), ("Open AI", "ORG", "Open AI", None))
    _mentions(store, ids[1], texts[1][1], ("Zéphyrine Labs", "ORG", "Zéphyrine Labs", None),
              ("Bpifrance", "ORG", "Bpifrance", "bpifrance"))
    _mentions(store, ids[2], texts[2][1], ("Zéphyrine Labs", "ORG", "Zéphyrine Labs", None),
              ("startup", "MISC", "startup", None))
    return store


def test_find_entity_by_name_alias_or_kb_id_and_clear_error(populated):
    db = populated.db
    assert find_entity(db, "openai").name == "OpenAI"
    assert find_entity(db, "zephyrine labs").name == "Zéphyrine Labs"  # accents and case ignored
    with pytest.raises(EntityEditError, match="no entity named"):
        find_entity(db, "Anthropic")
    with pytest.raises(EntityEditError, match="empty"):
        find_entity(db, "  ")


def test_alias_is_stored_and_saved_for_the_next_enrichment(populated):
    kb = load_kb(populated.path)
    ent = add_alias(populated.db, kb, user_kb_path(populated.path), "OpenAI", "Open A.I.")
    assert ent.kb_id == "openai"
    aliases = {r[0] for r in populated.db.execute("SELECT alias FROM aliases WHERE entity_id = ?", [ent.id])}
    assert "Open A.I." in aliases
    # a fresh knowledge base read from the user's file links the new form
    reloaded = load_kb(populated.path)
    assert reloaded.lookup("Open A.I.").id == "openai"
    # an alias that is another entity's name is refused, with the merge to run instead
    with pytest.raises(EntityEditError, match="merge"):
        add_alias(populated.db, kb, user_kb_path(populated.path), "OpenAI", "Bpifrance")


def test_merge_moves_mentions_and_rollups_and_keeps_the_name_as_alias(populated):
    from db.entity_queries import entity_profile

    db = populated.db
    kb = load_kb(populated.path)
    target = merge(db, kb, user_kb_path(populated.path), "Open AI", "OpenAI")
    assert target.name == "OpenAI"
    assert db.execute("SELECT count(*) FROM entities WHERE name = 'Open AI'").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM mentions WHERE entity_id = ?", [target.id]).fetchone()[0] == 2
    # the per-day roll-up followed the mentions (one article names both forms: counted once)
    assert db.execute("SELECT sum(mentions) FROM entity_days WHERE entity_id = ?", [target.id]).fetchone()[0] == 2
    assert find_entity(db, "Open AI").id == target.id  # the old name is an alias now
    assert load_kb(populated.path).lookup("Open AI").id == "openai"
    with pytest.raises(EntityEditError, match="same entity"):
        merge(db, kb, user_kb_path(populated.path), "Open AI", "OpenAI")
    assert entity_profile(db, "OpenAI") is not None


def test_rename_keeps_the_old_name_as_alias_and_refuses_a_taken_name(populated):
    db = populated.db
    kb = load_kb(populated.path)
    path = user_kb_path(populated.path)
    row = rename(db, kb, path, "Zéphyrine Labs", "Zéphyrine Labs SAS")
    assert row.name == "Zéphyrine Labs SAS" and row.kb_id
    assert find_entity(db, "Zéphyrine Labs").id == row.id
    assert load_kb(populated.path).lookup("Zéphyrine Labs").name == "Zéphyrine Labs SAS"
    with pytest.raises(EntityEditError, match="already the entity"):
        rename(db, kb, path, "Zéphyrine Labs SAS", "Bpifrance")


def test_unknown_entity_named_by_three_sources_is_promoted(populated):
    db = populated.db
    kb = load_kb(populated.path)
    path = user_kb_path(populated.path)
    assert promote(db, kb, path, min_sources=4) == []
    zid = find_entity(db, "Zéphyrine Labs").id
    assert promote(db, kb, path, min_sources=3, dry_run=True, entity_ids=[zid + 100]) == []  # not a candidate
    dry = promote(db, kb, path, min_sources=3, dry_run=True)
    assert [r["name"] for r in dry] == ["Zéphyrine Labs"] and not path.exists()
    done = promote(db, kb, path, min_sources=3)
    assert done[0]["sources"] == 3 and done[0]["kb_id"]
    # 'startup' (lower case, MISC) and 'Open AI' (one source) stay unknown
    assert db.execute("SELECT kb_id FROM entities WHERE name = 'Zéphyrine Labs'").fetchone()[0] == done[0]["kb_id"]
    assert db.execute("SELECT kb_id FROM entities WHERE name = 'startup'").fetchone()[0] is None
    assert load_kb(populated.path).lookup("Zéphyrine Labs") is not None
    assert promote(db, load_kb(populated.path), path, min_sources=3) == []  # nothing twice


def test_type_vote_across_the_database_corrects_a_wrong_label(populated):
    db = populated.db
    # the first article labelled Zéphyrine Labs PER; two others say ORG
    db.execute("UPDATE entities SET label = 'PER' WHERE name = 'Zéphyrine Labs'")
    # a known entity takes its knowledge-base type whatever the mentions say
    db.execute("UPDATE mentions SET label = 'PER' WHERE text = 'Bpifrance'")
    db.execute("UPDATE entities SET label = 'PER' WHERE name = 'Bpifrance'")
    changed = vote_labels(db, load_kb(populated.path))
    labels = dict(db.execute("SELECT name, label FROM entities"))
    assert labels["Zéphyrine Labs"] == "ORG" and labels["Bpifrance"] == "ORG" and changed == 2
    assert vote_labels(db, load_kb(populated.path)) == 0  # settled
    assert vote_labels(db, None, []) == 0


def test_cli_edits_with_json_and_clear_errors(populated):
    runner = CliRunner()
    db = str(populated.path)
    res = runner.invoke(main, ["entities", "alias", "Bpifrance", "Banque publique d'investissement", "--db", db,
                               "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["kb_id"] == "bpifrance"
    res = runner.invoke(main, ["entities", "promote", "--dry-run", "--json", "--db", db], catch_exceptions=False)
    assert [r["name"] for r in json.loads(res.output)] == ["Zéphyrine Labs"]
    res = runner.invoke(main, ["entities", "merge", "Nobody", "OpenAI", "--db", db])
    assert res.exit_code != 0 and "no entity named 'Nobody'" in res.output and "Traceback" not in res.output


def test_a_failed_write_of_the_user_file_keeps_the_previous_edits(populated, monkeypatch):
    import nlp.kb

    path = user_kb_path(populated.path)
    kb = load_kb(populated.path)
    add_alias(populated.db, kb, path, "OpenAI", "Open A.I.")
    before = path.read_text("utf-8")

    def broken(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(nlp.kb.json, "dumps", broken)
    with pytest.raises(OSError):
        add_alias(populated.db, kb, path, "Bpifrance", "BPI France")
    monkeypatch.undo()
    assert path.read_text("utf-8") == before
    # the rows were not touched either: the file is written first
    assert "BPI France" not in {r[0] for r in populated.db.execute("SELECT alias FROM aliases")}


def test_every_edit_is_logged_and_the_next_enrichment_sees_them_all(populated):
    """Two `veille entities alias` in a row, each loading the knowledge base afresh as the CLI
    does: both forms survive into the knowledge base the next enrichment loads."""
    runner = CliRunner()
    db = str(populated.path)
    for name, form in [("OpenAI", "Open A.I."), ("Bpifrance", "Banque publique d'investissement")]:
        res = runner.invoke(main, ["entities", "alias", name, form, "--db", db], catch_exceptions=False)
        assert res.exit_code == 0, res.output
    kb = load_kb(populated.path)  # what `run_enrichment` links mentions with
    assert kb.lookup("Open A.I.").id == "openai"
    assert kb.lookup("Banque publique d'investissement").id == "bpifrance"
    lines = [json.loads(x) for x in user_kb_path(populated.path).read_text("utf-8").splitlines()]
    assert [(r["op"], r["alias"]) for r in lines] == [("alias", "Open A.I."), ("alias", "Banque publique d'investissement")]
    assert all(r["at"].endswith("+00:00") for r in lines)


def test_an_edit_logged_but_killed_before_the_rows_is_applied_by_the_next_run(populated):
    from db import edit_log
    from db.entity_edits import replay_edits

    path = user_kb_path(populated.path)
    # the first half of an edit, as a process killed right after the log's fsync leaves it
    edit_log.append(path, {"op": "alias", "entity": "Bpifrance", "alias": "BPI France", "kb_id": "bpifrance",
                           "entries": [{"id": "bpifrance", "name": "Bpifrance", "type": "ORG",
                                        "aliases": ["BPI France"]}]})
    def aliases():
        return {r[0] for r in populated.db.execute("SELECT alias FROM aliases")}

    assert "BPI France" not in aliases()
    # the next edit replays it first, then applies itself; each line applies once
    add_alias(populated.db, load_kb(populated.path), path, "OpenAI", "Open A.I.")
    assert {"BPI France", "Open A.I."} <= aliases()
    assert replay_edits(populated.db, populated.path) == 0
    # a line cut short by a kill is skipped, and the next edit still gets a line of its own
    with path.open("a", encoding="utf-8") as f:
        f.write('{"op": "alias", "entity": "Ope')
    add_alias(populated.db, load_kb(populated.path), path, "OpenAI", "OAI")
    assert "OAI" in aliases() and json.loads(path.read_text("utf-8").splitlines()[-1])["alias"] == "OAI"
    assert load_kb(populated.path).lookup("BPI France").id == "bpifrance"


def test_a_log_of_the_old_format_still_loads(populated):
    path = user_kb_path(populated.path)
    path.write_text(json.dumps({"id": "zephyrine-labs", "name": "Zéphyrine Labs", "type": "ORG",
                                "aliases": ["Zephy"]}) + "\n", "utf-8")
    assert load_kb(populated.path).lookup("zephy").id == "zephyrine-labs"
    add_alias(populated.db, load_kb(populated.path), path, "Zéphyrine Labs", "ZL Paris")
    kb = load_kb(populated.path)
    assert kb.lookup("ZL Paris") is not None and kb.lookup("zephy").id == "zephyrine-labs"


def test_runs_over_the_same_log_share_one_knowledge_base_and_an_edit_never_leaks(populated, tmp_path):
    """Enrichment's spaCy pipeline is cached per knowledge base: databases whose logs agree (here:
    none yet) get the same object, and an edit first takes its knowledge base out of the sharing."""
    other_db = tmp_path / "other" / "veille.db"
    kb = load_kb(populated.path)
    assert load_kb(other_db) is kb
    add_alias(populated.db, kb, user_kb_path(populated.path), "OpenAI", "Open A.I.")
    assert kb.lookup("Open A.I.").id == "openai"  # the caller's own object follows its edit...
    fresh = load_kb(other_db)
    assert fresh is not kb and fresh.lookup("Open A.I.") is None  # ...no other database sees it
    assert load_kb(populated.path) is load_kb(populated.path) and load_kb(populated.path).lookup("Open A.I.")
