"""The SQL that matches articles to an alert subscription, and queues the matches in the outbox.

`hits()` builds one bound query per subscription and chunk of article ids, driven by its most
selective index (FTS5 for the query, mentions for an entity, amounts for a minimum), so an
article's row (and its long text) is read only for candidates.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from db.schema import transaction

HIT_OPEN, HIT_CLOSE = "\x02", "\x03"  # snippet markers around matched terms


@dataclass
class Criteria:
    """What the SQL needs of a subscription: its filters, with entity names already resolved to ids."""
    query: str | None
    entity_ids: list[int]
    topic: str | None
    lang: str | None
    min_amount: float | None
    deal: str | None = None  # a deal kind or "any": then entities are its parties, min_amount its amount


ANY_DEAL = "any"


def _deal_conds(c: Criteria) -> tuple[list[str], list]:
    """Conditions on a deal `d` that `c` asks for: its kind, every entity of `c` among the parties
    of that one deal, an amount of at least the minimum."""
    conds, params = ["1"], []
    if c.deal != ANY_DEAL:
        conds.append("d.kind = ?")
        params.append(c.deal)
    if c.min_amount is not None:
        conds.append("d.amount_eur >= ?")
        params.append(c.min_amount)
    for eid in c.entity_ids:
        conds.append("EXISTS (SELECT 1 FROM deal_parties p WHERE p.deal_id = d.id AND p.entity_id = ?)")
        params.append(eid)
    return conds, params


def deal_ids(db, c: Criteria, article_ids: list[int]) -> dict[int, list[int]]:
    """{article id: ids of the deals it reports that `c` asks for}, for a match's reasons."""
    conds, params = _deal_conds(c)
    out: dict[int, list[int]] = {}
    for aid, did in db.execute(
            "SELECT DISTINCT s.article_id, d.id FROM deal_sources s JOIN deals d ON d.id = s.deal_id"
            f" WHERE s.article_id IN (SELECT value FROM json_each(?)) AND {' AND '.join(conds)}"
            " ORDER BY s.article_id, d.id", [json.dumps(article_ids), *params]):
        out.setdefault(aid, []).append(did)
    return out


def parse_query(query: str) -> None:
    """Nothing: raises sqlite3.OperationalError when FTS5 cannot parse `query` (checked apart from any database)."""
    import sqlite3

    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, text, tokenize='unicode61 remove_diacritics 2')")
        conn.execute("INSERT INTO t VALUES ('', '')")  # FTS5 parses the query only when it has rows
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", [query]).fetchall()
    finally:
        conn.close()


def unscanned(db, chunk: int) -> list[int]:
    """Ids of analysed articles not yet matched against the subscriptions, oldest first."""
    return [r[0] for r in db.execute(
        "SELECT a.id FROM articles a WHERE a.status != 'new' AND NOT EXISTS "
        "(SELECT 1 FROM alert_scanned s WHERE s.article_id = a.id) ORDER BY a.id LIMIT ?", [chunk])]


def eligible(db, ids: list[int]) -> list[int]:
    """The ids among `ids` of analysed articles that are not copies of another (copies never alert)."""
    if not ids:
        return []
    return [r[0] for r in db.execute(
        "SELECT id FROM articles WHERE id IN (SELECT value FROM json_each(?)) AND duplicate_of IS NULL"
        " AND status != 'new' ORDER BY id", [json.dumps(ids)])]


def recent_ids(db, since_iso: str) -> list[int]:
    """Analysed originals published or stored since `since_iso` (for a dry run)."""
    return [r[0] for r in db.execute(
        "SELECT id FROM articles WHERE (published >= ? OR fetched_at >= ?) AND duplicate_of IS NULL"
        " AND status != 'new' ORDER BY id", [since_iso[:10], since_iso])]


def has_topics(db) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'article_topics'").fetchone() is not None


def _head(c: Criteria, lo: int, hi: int) -> tuple[str, list, list[int], bool]:
    """The driving query, its parameters, the entity ids still to filter on, whether amounts drove it."""
    if c.query:
        return ("SELECT rowid AS id, snippet(articles_fts, -1, char(2), char(3), '…', 24) AS snip"
                " FROM articles_fts WHERE articles_fts MATCH ? AND rowid BETWEEN ? AND ?",
                [c.query, lo, hi], [] if c.deal else c.entity_ids, False)
    if c.deal:
        # entities and amount are the deal's own (deal_filter), not mentions or quoted sums
        return ("SELECT DISTINCT article_id AS id, NULL AS snip FROM deal_sources WHERE article_id BETWEEN ? AND ?",
                [lo, hi], [], False)
    if c.entity_ids:
        return ("SELECT DISTINCT article_id AS id, NULL AS snip FROM mentions WHERE entity_id = ?"
                " AND article_id BETWEEN ? AND ?", [c.entity_ids[0], lo, hi], c.entity_ids[1:], False)
    if c.min_amount is not None:
        return ("SELECT DISTINCT article_id AS id, NULL AS snip FROM amounts INDEXED BY idx_amounts_article"
                " WHERE article_id BETWEEN ? AND ? AND kind = 'money' AND eur >= ?",
                [lo, hi, c.min_amount], [], True)
    return "SELECT id, NULL AS snip FROM articles WHERE id BETWEEN ? AND ?", [lo, hi], [], False


def _sql_for(c: Criteria, ids: list[int], ids_json: str | None, on_topic: float) -> tuple[str, list]:
    lo, hi = min(ids), max(ids)
    head, params, entity_ids, amount_driven = _head(c, lo, hi)
    where = ["h.id IN (SELECT value FROM json_each(?))"]
    rest: list = [ids_json or json.dumps(ids)]
    for eid in entity_ids:
        # idx_mentions_entity (entity_id, article_id): one range read per entity
        where.append("h.id IN (SELECT article_id FROM mentions WHERE entity_id = ? AND article_id BETWEEN ? AND ?)")
        rest += [eid, lo, hi]
    if c.deal:
        conds, deal_params = _deal_conds(c)
        where.append("EXISTS (SELECT 1 FROM deal_sources s JOIN deals d ON d.id = s.deal_id"
                     f" WHERE s.article_id = h.id AND {' AND '.join(conds)})")
        rest += deal_params
    elif c.min_amount is not None and not amount_driven:
        # unary + keeps SQLite on idx_amounts_article (a lookup per candidate) rather than a scan
        # of every large amount in the database through an index on (kind, eur)
        where.append("EXISTS (SELECT 1 FROM amounts x WHERE x.article_id = h.id AND +x.kind = 'money'"
                     " AND +x.eur >= ?)")
        rest.append(c.min_amount)
    if c.topic:
        # every article has a score on every topic: the subscription wants those on it
        where.append("h.id IN (SELECT article_id FROM article_topics WHERE topic = ? AND score >= ?)")
        rest += [c.topic, on_topic]
    join = ""
    if c.lang:
        join = " JOIN articles a ON a.id = h.id"
        where.append("a.lang = ?")
        rest.append(c.lang)
    # MATERIALIZED: run the driving index once; flattened, SQLite would push the other filters
    # into FTS5 as one MATCH per candidate id
    sql = f"WITH h AS MATERIALIZED ({head}) SELECT h.id, h.snip FROM h{join} WHERE {' AND '.join(where)}"
    return sql + " ORDER BY h.id", params + rest


def hits(db, c: Criteria, ids: list[int], *, on_topic: float, ids_json: str | None = None) -> list[tuple]:
    """(article id, snippet or None) of the articles among `ids` matching `c`; raises sqlite3.Error."""
    sql, params = _sql_for(c, ids, ids_json, on_topic)
    return db.execute(sql, params).fetchall()


def mentioned(db, article_ids: list[int], entity_ids: list[int]) -> dict[int, list[str]]:
    """{article id: names of the given entities it mentions}."""
    if not entity_ids or not article_ids:
        return {}
    out: dict[int, list[str]] = {}
    for aid, name in db.execute(
            "SELECT DISTINCT m.article_id, e.name FROM mentions m JOIN entities e ON e.id = m.entity_id"
            " WHERE m.article_id IN (SELECT value FROM json_each(?)) AND m.entity_id IN"
            " (SELECT value FROM json_each(?)) ORDER BY m.article_id, e.id",
            [json.dumps(article_ids), json.dumps(entity_ids)]):
        out.setdefault(aid, []).append(name)
    return out


def large_amounts(db, article_ids: list[int], min_eur: float) -> dict[int, list[dict]]:
    """{article id: [{text, eur}] of its money amounts of at least `min_eur`, largest first}."""
    out: dict[int, list[dict]] = {}
    for aid, text, eur in db.execute(
            "SELECT article_id, text, eur FROM amounts WHERE article_id IN (SELECT value FROM json_each(?))"
            " AND kind = 'money' AND eur >= ? ORDER BY eur DESC", [json.dumps(article_ids), min_eur]):
        out.setdefault(aid, []).append({"text": text, "eur": eur})
    return out


def queue(db, rows: list[tuple], scanned: list[int]) -> int:
    """How many outbox rows were new; `rows` are (subscription, article, why, created, due, status).

    `UNIQUE (subscription_id, article_id)`: matching the same articles again, or after a crash
    half-way, never queues an article twice. The scan marks commit in the same transaction.
    """
    with transaction(db) as conn:
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO outbox (subscription_id, article_id, why, created_at, due_at, status,"
            " next_attempt_at) VALUES (?,?,?,?,?,?,?)", [(*r, r[4]) for r in rows])
        added = conn.total_changes - before
        conn.executemany("INSERT OR IGNORE INTO alert_scanned (article_id) VALUES (?)", [(i,) for i in scanned])
    return added
