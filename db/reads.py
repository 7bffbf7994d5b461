"""Plain reads of the stored articles for the brief, the alerts and `veille db stats`."""
from __future__ import annotations

from collections import defaultdict


def rows(cursor) -> list[dict]:
    """Every row of `cursor` as a dict keyed by column name."""
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r)) for r in cursor.fetchall()]


def articles_between(db, start: str, end: str, *, include_duplicates: bool = False) -> list[dict]:
    """Articles published in [start, end] (ISO dates), with their duplicates' ids."""
    dup = "" if include_duplicates else "AND a.duplicate_of IS NULL"
    return rows(
        db.execute(
            f"""SELECT a.id, a.url, a.title, a.text, a.published, a.lang, a.source, a.status, a.duplicate_of,
                   (SELECT group_concat(d.source, '|') FROM articles d WHERE d.duplicate_of = a.id) AS copies
            FROM articles a
            WHERE a.published BETWEEN ? AND ? {dup}
            ORDER BY a.published DESC, a.id""",
            [start, end],
        )
    )


def _by_article(db, sql: str, article_ids: list[int]) -> dict[int, list[dict]]:
    """Rows of `sql` (which has one `{marks}` slot for the ids) grouped by their article_id."""
    out: dict[int, list[dict]] = defaultdict(list)
    if not article_ids:
        return out
    marks = ",".join("?" * len(article_ids))
    for row in rows(db.execute(sql.format(marks=marks), article_ids)):
        out[row["article_id"]].append(row)
    return out


def mentions_of(db, article_ids: list[int]) -> dict[int, list[dict]]:
    """Entities mentioned in each article: canonical name, label and mention count."""
    return _by_article(db, """SELECT m.article_id, e.id AS entity_id, e.name, e.label, e.kb_id, count(*) AS n
        FROM mentions m JOIN entities e ON e.id = m.entity_id
        WHERE m.article_id IN ({marks})
        GROUP BY m.article_id, e.id ORDER BY n DESC, e.name""", article_ids)


def amounts_of(db, article_ids: list[int]) -> dict[int, list[dict]]:
    """Amounts found in each article, in text order."""
    return _by_article(db, """SELECT article_id, text, value, unit, kind, eur, start, "end", sentence
        FROM amounts WHERE article_id IN ({marks}) ORDER BY article_id, start""", article_ids)


def latest_published(db) -> str | None:
    row = db.execute("SELECT max(published) FROM articles WHERE published IS NOT NULL").fetchone()
    return row[0] if row else None


def recent_languages(db, since: str) -> set[str]:
    """Languages of the articles published since `since` (ISO date; the published index)."""
    return {r[0] for r in db.execute("SELECT DISTINCT lang FROM articles WHERE published >= ? AND lang IS NOT NULL",
                                     [since])}


# tables other migrations add: counted when this database has them
_OPTIONAL_TABLES = ("stories", "topics", "subscriptions", "outbox", "digests", "source_health")


def stats(db) -> dict:
    """Row counts of `veille db stats`."""
    def q(sql):
        return db.execute(sql).fetchone()[0]

    return {
        "articles": q("SELECT count(*) FROM articles"),
        "duplicates": q("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"),
        "enriched": q("SELECT count(*) FROM articles WHERE status = 'enriched'"),
        "pending": q("SELECT count(*) FROM articles WHERE status = 'new'"),
        "skipped": q("SELECT count(*) FROM articles WHERE status = 'skipped'"),
        "entities": q("SELECT count(*) FROM entities"),
        "mentions": q("SELECT count(*) FROM mentions"),
        "dates": q("SELECT count(*) FROM dates"),
        "amounts": q("SELECT count(*) FROM amounts"),
        "sources": q("SELECT count(DISTINCT source) FROM articles"),
        **{t: q(f"SELECT count(*) FROM [{t}]") for t in _OPTIONAL_TABLES if t in set(db.table_names())},
    }
