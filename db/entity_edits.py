"""Edits of the entity base: aliases, merges, renames, promotion of recurring unknowns, type votes.

The database rows and the user's knowledge-base file (`<db>.kb.jsonl`, next to the database)
change together: the rows fix what is stored, the file makes the next enrichment (which
re-links mentions through the knowledge base) agree with them. Every function takes an open
`sqlite_utils.Database` on an autocommit connection and writes in one transaction.
"""
from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from db.schema import transaction
from nlp.errors import VeilleError
from nlp.kb import TYPES, KnowledgeBase, normalise, slugify

log = logging.getLogger(__name__)

# tie-break of equal votes, as in nlp.entities.vote_types: the label most often right for names
_LABEL_PRIORITY = {"ORG": 0, "PER": 1, "LOC": 2, "PROG": 3, "MISC": 4}
PROMOTE_MIN_SOURCES = 3


class EntityEditError(VeilleError, ValueError):
    """An edit that cannot be made (unknown entity, name taken, merge into itself)."""


@dataclass
class EntityRow:
    id: int
    name: str
    label: str
    kb_id: str | None


def user_kb_path(db_path: str | Path) -> Path:
    """The user's knowledge-base file of a database: `veille.db` -> `veille.kb.jsonl`."""
    p = Path(db_path)
    return p.with_name(p.stem + ".kb.jsonl")


def load_kb(db_path: str | Path) -> KnowledgeBase:
    """The packaged knowledge base plus the user's edits for this database (when there are any)."""
    path = user_kb_path(db_path)
    return KnowledgeBase.load(path) if path.exists() else KnowledgeBase.load()


def find_entity(db, name: str) -> EntityRow:
    """The stored entity called `name` (its name, an alias or its knowledge-base id)."""
    key = normalise(name)
    if not key:
        raise EntityEditError("an entity name cannot be empty")
    row = db.execute("SELECT id, name, label, kb_id FROM entities WHERE norm = ?", [key]).fetchone()
    row = row or db.execute("SELECT id, name, label, kb_id FROM entities WHERE kb_id = ?", [name]).fetchone()
    if row is None:
        rows = db.execute(
            "SELECT DISTINCT e.id, e.name, e.label, e.kb_id FROM aliases a JOIN entities e ON e.id = a.entity_id"
            " WHERE a.alias_norm = ? ORDER BY e.id", [key]).fetchall()
        if len(rows) > 1:
            raise EntityEditError(f"{name!r} is an alias of several entities: "
                                  + ", ".join(r[1] for r in rows) + "; use the canonical name")
        row = rows[0] if rows else None
    if row is None:
        raise EntityEditError(f"no entity named {name!r} in the database")
    return EntityRow(*row)


def _kb_entry(kb: KnowledgeBase, ent: EntityRow):
    """The knowledge-base entry of a stored entity, created as a user entry when it has none."""
    entry = kb.get(ent.kb_id) if ent.kb_id else None
    if entry is None:
        eid = ent.kb_id or _free_id(kb, ent.name)
        label = ent.label if ent.label in TYPES else "MISC"
        entry = kb.add(ent.name, label, id=eid)
    return entry


def _free_id(kb: KnowledgeBase, name: str) -> str:
    base = slugify(name)
    eid, n = base, 2
    while eid in kb:
        eid, n = f"{base}-{n}", n + 1
    return eid


def _insert_alias(conn, entity_id: int, alias: str) -> None:
    conn.execute("INSERT OR IGNORE INTO aliases (alias_norm, entity_id, alias) VALUES (?, ?, ?)",
                 [normalise(alias), entity_id, alias])


def _with_free_form(db, name: str, form: str, what: str) -> EntityRow:
    """The entity `name`, after checking that `form` is not empty and names no other entity."""
    if not normalise(form):
        raise EntityEditError(f"{what} cannot be empty")
    ent = find_entity(db, name)
    other = db.execute("SELECT name FROM entities WHERE norm = ? AND id <> ?", [normalise(form), ent.id]).fetchone()
    if other:
        raise EntityEditError(f"{form!r} is already the entity {other[0]!r}: merge them instead "
                              f"(veille entities merge {other[0]!r} {ent.name!r})")
    return ent


def add_alias(db, kb: KnowledgeBase, kb_path: str | Path, name: str, alias: str) -> EntityRow:
    """Give the entity `name` another surface form; returns the entity."""
    alias = alias.strip()
    ent = _with_free_form(db, name, alias, "an alias")
    entry = _kb_entry(kb, ent)
    kb.add_alias(entry.id, alias)
    kb.save_user(kb_path)
    with transaction(db) as conn:
        _insert_alias(conn, ent.id, alias)
        conn.execute("UPDATE entities SET kb_id = ? WHERE id = ?", [entry.id, ent.id])
    ent.kb_id = entry.id
    return ent


def rename(db, kb: KnowledgeBase, kb_path: str | Path, name: str, new_name: str) -> EntityRow:
    """Change the canonical name of an entity; the old name stays as an alias."""
    new_name = new_name.strip()
    ent = _with_free_form(db, name, new_name, "the new name")
    entry = _kb_entry(kb, ent)
    aliases = [a for a in [*entry.aliases, entry.name] if a != new_name]
    kb.add(new_name, entry.type, aliases, id=entry.id, country=entry.country, description=entry.description,
           case_sensitive=entry.case_sensitive)
    kb.save_user(kb_path)
    with transaction(db) as conn:
        _insert_alias(conn, ent.id, ent.name)
        conn.execute("DELETE FROM aliases WHERE entity_id = ? AND alias_norm = ?", [ent.id, normalise(new_name)])
        conn.execute("UPDATE entities SET name = ?, norm = ?, kb_id = ? WHERE id = ?",
                     [new_name, normalise(new_name), entry.id, ent.id])
    return EntityRow(ent.id, new_name, ent.label, entry.id)


def merge(db, kb: KnowledgeBase, kb_path: str | Path, source: str, target: str) -> EntityRow:
    """Fold the entity `source` into `target`: its mentions, aliases and name move; returns the target."""
    src, dst = find_entity(db, source), find_entity(db, target)
    if src.id == dst.id:
        raise EntityEditError(f"{source!r} and {target!r} are already the same entity ({dst.name})")
    entry = _kb_entry(kb, dst)
    src_aliases = [r[0] for r in db.execute("SELECT alias FROM aliases WHERE entity_id = ?", [src.id])]
    src_entry = kb.get(src.kb_id) if src.kb_id else None
    forms = [src.name, *src_aliases, *(src_entry.surface_forms() if src_entry else [])]
    for form in dict.fromkeys(forms):
        if normalise(form) != normalise(entry.name):
            kb.add_alias(entry.id, form)
    kb.save_user(kb_path)
    with transaction(db) as conn:
        # the roll-up triggers move the per-day counts with each mention
        conn.execute("UPDATE mentions SET entity_id = ? WHERE entity_id = ?", [dst.id, src.id])
        for form in dict.fromkeys([src.name, *src_aliases]):
            _insert_alias(conn, dst.id, form)
        conn.execute("DELETE FROM entities WHERE id = ?", [src.id])
        conn.execute("UPDATE entities SET kb_id = ? WHERE id = ?", [entry.id, dst.id])
    if src_entry is not None:
        log.warning("%s stays in the packaged knowledge base; its forms now also point to %s",
                    src_entry.name, entry.name)
    return EntityRow(dst.id, dst.name, dst.label, entry.id)


# -- growth and votes -----------------------------------------------------------------------------


def promote(db, kb: KnowledgeBase, kb_path: str | Path, min_sources: int = PROMOTE_MIN_SOURCES,
            dry_run: bool = False, entity_ids: list[int] | None = None) -> list[dict]:
    """Unknown entities (no knowledge-base id) named by at least `min_sources` distinct sources
    become canonical user entities; returns what was (or, with `dry_run`, would be) promoted.

    Names of one word in lower case or labelled MISC are left alone: they are more often
    headline words than actors. `entity_ids` limits the candidates (enrichment passes the
    entities its articles named, so a run costs what it analysed, not the whole database).
    """
    if min_sources < 1:
        raise EntityEditError("min_sources must be at least 1")
    only = ""
    params: list = []
    if entity_ids is not None:
        if not entity_ids:
            return []
        only = "AND e.id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(sorted(set(entity_ids))))
    rows = db.execute(
        f"""SELECT e.id, e.name, e.label, count(DISTINCT a.source) AS sources, count(*) AS mentions
        FROM entities e JOIN mentions m ON m.entity_id = e.id JOIN articles a ON a.id = m.article_id
        WHERE e.kb_id IS NULL AND a.source IS NOT NULL AND e.label <> 'MISC' {only}
        GROUP BY e.id HAVING count(DISTINCT a.source) >= ? ORDER BY sources DESC, e.name""",
        [*params, min_sources]).fetchall()
    out = []
    for eid, name, label, n_sources, n_mentions in rows:
        if not any(c.isupper() for c in name):
            continue
        entry = kb.lookup(name)
        item = {"id": eid, "name": name, "label": label, "sources": n_sources, "mentions": n_mentions,
                "kb_id": entry.id if entry else None}
        out.append(item)
        if dry_run:
            continue
        aliases = [r[0] for r in db.execute("SELECT alias FROM aliases WHERE entity_id = ?", [eid])]
        if entry is None:  # not linked when it was stored, but the knowledge base may know it since
            entry = kb.add(name, label if label in TYPES else "ORG", aliases, id=_free_id(kb, name),
                           description=f"promoted: named by {n_sources} sources")
        item["kb_id"] = entry.id
    if out and not dry_run:
        kb.save_user(kb_path)  # the file first: a kill before the rows leaves them to the next run
        with transaction(db) as conn:
            conn.executemany("UPDATE entities SET kb_id = ? WHERE id = ? AND kb_id IS NULL",
                             [(item["kb_id"], item["id"]) for item in out])
        log.info("promoted %d recurring entities to the knowledge base", len(out))
    return out


def vote_labels(db, kb: KnowledgeBase | None = None, entity_ids: list[int] | None = None) -> int:
    """Set `entities.label` to the vote over all its mentions in the database; returns how many changed.

    Same rule as `nlp.entities.vote_types` within a document: the knowledge-base type wins,
    otherwise the majority label, ties broken by ORG > PER > LOC > PROG > MISC. Counted in SQL
    so that a frequent entity costs one grouped read, not one row per mention.
    """
    sql = "SELECT m.entity_id, m.label, count(*) FROM mentions m"
    params: list = []
    if entity_ids is not None:
        if not entity_ids:
            return 0
        sql += " WHERE m.entity_id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(sorted(set(entity_ids))))
    votes: dict[int, Counter] = defaultdict(Counter)
    for eid, label, n in db.execute(sql + " GROUP BY m.entity_id, m.label", params):
        votes[eid][label] += n
    if not votes:
        return 0
    current = {}
    ids = sorted(votes)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        current.update({r[0]: (r[1], r[2]) for r in db.execute(
            f"SELECT id, label, kb_id FROM entities WHERE id IN ({','.join('?' * len(chunk))})", chunk)})
    changes = []
    for eid, counter in votes.items():
        if eid not in current:
            continue
        label, kb_id = current[eid]
        entry = kb.get(kb_id) if kb is not None and kb_id else None
        voted = entry.type if entry is not None else max(
            counter.items(), key=lambda kv: (kv[1], -_LABEL_PRIORITY.get(kv[0], 9)))[0]
        if voted != label:
            changes.append((voted, eid))
    if changes:
        with transaction(db) as conn:
            conn.executemany("UPDATE entities SET label = ? WHERE id = ?", changes)
    return len(changes)
