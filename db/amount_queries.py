"""The money table: amounts found in articles, biggest EUR equivalent first, with their sentence."""
from __future__ import annotations

import re
from datetime import date

from db.entity_lookup import article_count
from db.filters import (
    Filters,
    QueryError,
    article_clause,
    published_clause,
    sentence_around,
)
from db.reads import rows

AMOUNT_COLUMNS = """am.id, am.article_id, a.published, a.source, a.title, a.url, am.text, am.value, am.unit,
              am.kind, am.eur, am.sentence, am.start, am."end\""""


def with_context(db, found: list[dict]) -> list[dict]:
    """Rows of amounts with `sentence_text` and a filled `eur` (dated rates when missing)."""
    if not found:
        return found
    ids = sorted({r["article_id"] for r in found})
    marks = ",".join("?" * len(ids))
    texts = dict(db.execute(f"SELECT id, text FROM articles WHERE id IN ({marks})", ids).fetchall())
    for r in found:
        r["sentence_text"] = sentence_around(texts.get(r["article_id"], ""), r["start"], r["end"])
        if r.get("eur") is None and r.get("kind") == "money":
            try:
                from nlp.rates import to_eur

                on = date.fromisoformat(r["published"][:10]) if r.get("published") else None
                r["eur"] = to_eur(r["value"], r["unit"], on)
            except (ValueError, TypeError):  # a bad date or value leaves the equivalent empty
                r["eur"] = None
    return found



# Which end the money query starts from. From the entity: ~1.3 amounts per article of it, all
# read. From the amounts, biggest first: ~50 / (share of articles naming it x ~0.15 same
# sentence) read. Both cost the same near 16 x sqrt(articles) articles; below that the entity
# drives. None: computed from the database size.
_ENTITY_DRIVEN_BELOW: int | None = None


def _entity_driven_below(db) -> int:
    if _ENTITY_DRIVEN_BELOW is not None:
        return _ENTITY_DRIVEN_BELOW
    n = db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    return int(16 * n ** 0.5)


def _amount_conditions(db, f: Filters, kind: str, currency, min_eur, max_eur) -> tuple[list[str], list]:
    """The WHERE conditions (and their parameters) of `amounts` on `am` and `a`."""
    cond, params = ["am.kind = ?"], [kind]
    if currency:
        if not re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
            raise QueryError(f"--currency takes an ISO 4217 code such as EUR, USD, GBP; got {currency!r}")
        cond.append("am.unit = ?")
        params.append(currency.strip().upper())
    if min_eur is not None:
        cond.append("am.eur >= ?")
        params.append(float(min_eur))
    if max_eur is not None:
        cond.append("am.eur <= ?")
        params.append(float(max_eur))
    where, aparams = article_clause(db, f)
    dates, dparams = published_clause(f)
    return [*cond, where, *dates], [*params, *aparams, *dparams]


# an amount in a sentence naming the entity bound to the last parameter
SAME_SENTENCE = ("EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = am.article_id"
                 " AND m.sentence = am.sentence AND m.entity_id = ?)")


def amounts(db, f: Filters | None = None, *, currency: str | None = None, min_eur: float | None = None,
            max_eur: float | None = None, entity_id: int | None = None, kind: str = "money",
            limit: int = 50) -> list[dict]:
    """Amounts, biggest EUR equivalent first, with their sentence; `entity_id`: same sentence."""
    cond, params = _amount_conditions(db, f or Filters(), kind, currency, min_eur, max_eur)
    where = " AND ".join(cond)
    if entity_id is None:
        sql = f"""SELECT {AMOUNT_COLUMNS} FROM amounts am JOIN articles a ON a.id = am.article_id
            WHERE {where} ORDER BY am.eur DESC LIMIT ?"""
        qparams = [*params, limit]
    elif article_count(db, entity_id) < _entity_driven_below(db):
        # CROSS JOIN keeps SQLite from reordering: the entity's articles first
        sql = f"""SELECT {AMOUNT_COLUMNS} FROM entity_articles ea CROSS JOIN amounts am ON am.article_id = ea.article_id
            JOIN articles a ON a.id = am.article_id
            WHERE ea.entity_id = ? AND {where} AND {SAME_SENTENCE}
            ORDER BY am.eur DESC LIMIT ?"""
        qparams = [entity_id, *params, entity_id, limit]
    else:
        sql = f"""SELECT {AMOUNT_COLUMNS} FROM amounts am JOIN articles a ON a.id = am.article_id
            WHERE {where} AND {SAME_SENTENCE} ORDER BY am.eur DESC LIMIT ?"""
        qparams = [*params, entity_id, limit]
    return with_context(db, rows(db.execute(sql, qparams)))
