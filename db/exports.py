"""`veille export`: every row of a table in the export contract's shape, in id order.

Every table carries its `id`, so the exports join: `mentions.article_id` and
`amounts.article_id` name `articles.id`, `mentions.entity_id` names `entities.id`, and a copy's
`duplicate_of` names its original (whose address is repeated as `duplicate_of_url`, for readers
who keep only some articles).
"""
from __future__ import annotations

from db.filters import QueryError

_EXPORTS = {
    "articles": """SELECT a.id, a.url, a.canonical_url, a.title, a.text, a.published, a.lang, a.source,
                     a.duplicate_of, o.url AS duplicate_of_url
                   FROM articles a LEFT JOIN articles o ON o.id = a.duplicate_of ORDER BY a.id""",
    "entities": """SELECT e.id, e.name, e.label, e.kb_id,
                     (SELECT group_concat(alias, '|') FROM aliases al WHERE al.entity_id = e.id) AS aliases,
                     (SELECT coalesce(sum(articles), 0) FROM entity_days d WHERE d.entity_id = e.id) AS articles
                   FROM entities e ORDER BY e.id""",
    "mentions": """SELECT m.id, m.article_id, m.entity_id, e.name AS entity, m.text, m.label, m.start, m."end",
                     m.sentence FROM mentions m JOIN entities e ON e.id = m.entity_id ORDER BY m.id""",
    "amounts": """SELECT id, article_id, text, value, unit, kind, eur, start, "end", sentence
                  FROM amounts ORDER BY id""",
}
EXPORTABLE = tuple(_EXPORTS)


def export_table(db, what: str):
    """Every row of `what` (articles, entities, mentions or amounts) as dicts, in id order (a generator)."""
    if what not in _EXPORTS:
        raise QueryError(f"cannot export {what!r}: choose {', '.join(_EXPORTS)}")
    cur = db.execute(_EXPORTS[what])
    cols = [c[0] for c in cur.description]
    for r in cur:
        yield dict(zip(cols, r))


def export_articles(db):
    """Every article with its id and, for a copy, its original's id and URL (a generator)."""
    return export_table(db, "articles")
