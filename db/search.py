"""Full-text search over the articles (FTS5, BM25), for `veille query articles` and the
"search" canned query of `veille serve`, which are built from the same constants here."""
from __future__ import annotations

import json
import sqlite3

from db.filters import Filters, QueryError, article_clause, published_clause
from db.reads import rows

FTS_HELP = 'use words, "exact phrases", AND / OR / NOT, NEAR(a b), prefix*'

# BM25 needs the positions of every match; for a term in most articles that is seconds at 10^6
# articles, so by default the `depth` most recent matches are ranked (exact when fewer match)
SEARCH_DEPTH = 1000
SEARCH_LIMIT = 20
# the title weighs five times the text: a word in the headline says what the article is about
RANK_SQL = "bm25(articles_fts, 5.0, 1.0)"
SNIPPET_SQL = "snippet(articles_fts, 1, '[', ']', '…', 16)"


def search_articles(db, query: str, f: Filters | None = None, *, limit: int = SEARCH_LIMIT,
                    depth: int = SEARCH_DEPTH, include_duplicates: bool = False) -> list[dict]:
    """Articles matching an FTS5 query, best first (BM25, title weighs 5x), with a snippet.

    Ranks the `depth` most recent matching articles (0: all of them); each row says in
    `ranked_over` how many were ranked, and `more` whether older matches were left out.
    """
    f = f or Filters()
    if not query or not query.strip():
        raise QueryError(f"empty search: {FTS_HELP}")
    if limit < 1 or depth < 0:
        raise QueryError("--limit must be at least 1 and --depth at least 0")
    where, params = article_clause(db, f)
    dates, dparams = published_clause(f)
    where = " AND ".join([where, *dates] + ([] if include_duplicates else ["a.duplicate_of IS NULL"]))
    depth_sql = int(depth) + 1 if depth else -1  # one more tells whether older matches exist
    sql = f"""WITH cand AS MATERIALIZED (
            SELECT f.rowid AS id, {RANK_SQL} AS score
            FROM articles_fts f JOIN articles a ON a.id = f.rowid
            WHERE articles_fts MATCH ? AND {where}
            ORDER BY f.rowid DESC LIMIT ?),
        ranked AS MATERIALIZED (SELECT id, score FROM cand ORDER BY id DESC LIMIT ?),
        best AS MATERIALIZED (SELECT id, score FROM ranked ORDER BY score LIMIT ?)
        SELECT a.id, a.title, a.url, a.source, a.published, a.lang, round(best.score, 3) AS score,
               (SELECT count(*) FROM cand) AS ranked_over
        FROM best JOIN articles a ON a.id = best.id ORDER BY best.score, a.id"""
    try:
        found = rows(db.execute(sql, [query, *params, *dparams, depth_sql, int(depth) or -1, int(limit)]))
        snippets = _snippets(db, query, [r["id"] for r in found])
    except sqlite3.OperationalError as exc:
        msg = str(exc)
        if "fts5" in msg or "no such column" in msg or "unterminated" in msg or "syntax" in msg:
            raise QueryError(f"invalid search {query!r} ({msg}): {FTS_HELP}") from None
        raise
    for r in found:
        r["snippet"] = snippets.get(r["id"])
        r["more"] = bool(depth) and r["ranked_over"] > depth
        r["ranked_over"] = min(r["ranked_over"], depth) if depth else r["ranked_over"]
    return found


def _snippets(db, query: str, ids: list[int]) -> dict[int, str]:
    """Snippets of the articles `ids` for an FTS query, from one pass over their rowid range.

    One MATCH over the range, with snippet() computed only for the wanted rows: a lookup per
    rowid would set the query up once per row, and a prefix query ("souverain*") costs ~13 ms
    to set up on a million articles (20 rows: 270 ms, against 16 ms this way).
    """
    if not ids:
        return {}
    found = db.execute(
        f"""SELECT id, snip FROM (
            SELECT rowid AS id, CASE WHEN rowid IN (SELECT value FROM json_each(?))
                                THEN {SNIPPET_SQL} END AS snip
            FROM articles_fts WHERE articles_fts MATCH ? AND rowid BETWEEN ? AND ?)
        WHERE snip IS NOT NULL""", [json.dumps(ids), query, min(ids), max(ids)])
    return dict(found.fetchall())


def canned_search_sql(article_filters: str) -> str:
    """The search of `search_articles` as one Datasette canned query over :q, :since, :until.

    `article_filters` is the canned queries' condition on the articles alias `a` (lang and
    source). Same ranking, depth, limit and snippets as the CLI, in one statement.
    """
    return f"""WITH cand AS MATERIALIZED (
    SELECT f.rowid AS id, {RANK_SQL} AS score
    FROM articles_fts f JOIN articles a ON a.id = f.rowid
    WHERE articles_fts MATCH :q AND a.duplicate_of IS NULL AND {article_filters}
      AND (:since = '' OR a.published >= :since) AND (:until = '' OR a.published <= :until)
    ORDER BY f.rowid DESC LIMIT {SEARCH_DEPTH}),
  best AS MATERIALIZED (SELECT id, score FROM cand ORDER BY score LIMIT {SEARCH_LIMIT}),
  snips AS MATERIALIZED (
    SELECT rowid AS id, CASE WHEN rowid IN (SELECT id FROM best) THEN {SNIPPET_SQL} END AS snippet
    FROM articles_fts WHERE articles_fts MATCH :q
      AND rowid BETWEEN (SELECT min(id) FROM best) AND (SELECT max(id) FROM best))
SELECT a.published, a.source, a.title, snips.snippet, a.url
FROM best JOIN articles a ON a.id = best.id JOIN snips ON snips.id = best.id
ORDER BY best.score"""
