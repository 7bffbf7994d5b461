"""Reads about one entity (or two): profile, timeline, co-occurrences, latest articles.

Counts come from the roll-ups of migration 2 (`entity_days`, `entity_articles`), which is what
keeps these paths fast at 10^6 articles; names are resolved by `db.entity_lookup`.
"""
from __future__ import annotations

from db.amount_queries import AMOUNT_COLUMNS, SAME_SENTENCE, with_context
from db.entity_lookup import article_count, closest_names, lookup
from db.filters import (
    Filters,
    QueryError,
    article_clause,
    by_week,
    iso_week,
    sentence_around,
    window,
)
from db.reads import rows

# co-occurrences and same-sentence amounts are counted over an entity's latest articles:
# an entity named in half a million articles would otherwise cost seconds for a ranking that
# a few hundred recent articles already settle
COOCCUR_SAMPLE = 1000


def find_entity(db, name: str) -> dict | None:
    """The entity called `name` (see `db.entity_lookup` for the precedence), or None."""
    best = lookup(db, name).best
    return best.as_dict() if best else None


def resolve_entity(db, name: str) -> dict:
    """The entity called `name`; QueryError naming the closest entities when there is none."""
    found = find_entity(db, name)
    if found:
        return found
    near = closest_names(db, name)
    hint = f"; closest: {', '.join(near)}" if near else ""
    raise QueryError(f"no entity called {name!r}{hint}")


def entity_days(db, entity_id: int, f: Filters, start: str, end: str) -> list[tuple]:
    """(day, articles, mentions) of one entity in [start, end], honouring article filters."""
    if not f.on_articles:
        return db.execute(
            "SELECT day, articles, mentions FROM entity_days WHERE entity_id = ? AND day BETWEEN ? AND ? ORDER BY day",
            [entity_id, start, end],
        ).fetchall()
    where, params = article_clause(db, f)
    return db.execute(
        f"""SELECT ea.day, count(*), sum(ea.mentions) FROM entity_articles ea
        JOIN articles a ON a.id = ea.article_id
        WHERE ea.entity_id = ? AND ea.day BETWEEN ? AND ? AND {where}
        GROUP BY ea.day ORDER BY ea.day""",
        [entity_id, start, end, *params],
    ).fetchall()


def _sample_cte(db, entity_id: int, f: Filters, start: str, end: str, sample: int) -> tuple[str, list]:
    """A `sample(article_id)` CTE: the entity's latest `sample` articles in the window."""
    where, params = article_clause(db, f)
    join = "JOIN articles a ON a.id = ea.article_id" if f.on_articles else ""
    return (
        f"""WITH sample AS MATERIALIZED (
            SELECT ea.article_id FROM entity_articles ea {join}
            WHERE ea.entity_id = ? AND ea.day BETWEEN ? AND ? AND {where if f.on_articles else '1'}
            ORDER BY ea.day DESC, ea.article_id DESC LIMIT ?)""",
        [entity_id, start, end, *(params if f.on_articles else []), sample],
    )


def cooccurring(db, entity_id: int, f: Filters, start: str, end: str, *, top: int = 10,
                sample: int = COOCCUR_SAMPLE) -> list[dict]:
    """Entities most often in the same articles as `entity_id` (over its latest `sample` articles)."""
    cte, params = _sample_cte(db, entity_id, f, start, end, sample)
    return rows(db.execute(
        f"""{cte}
        SELECT e.id, e.name, e.label, c.articles FROM (
            SELECT ea.entity_id, count(*) AS articles FROM sample s
            JOIN entity_articles ea ON ea.article_id = s.article_id
            WHERE ea.entity_id <> ? GROUP BY ea.entity_id ORDER BY articles DESC LIMIT ?) c
        JOIN entities e ON e.id = c.entity_id ORDER BY c.articles DESC, e.name""",
        [*params, entity_id, top],
    ))


def latest_articles(db, entity_id: int, f: Filters, start: str, end: str, *, limit: int = 10) -> list[dict]:
    """The entity's latest articles in the window (originals only), newest first."""
    where, params = article_clause(db, f)
    return rows(db.execute(
        f"""SELECT a.id, a.published, a.source, a.lang, a.title, a.url, ea.mentions
        FROM entity_articles ea JOIN articles a ON a.id = ea.article_id
        WHERE ea.entity_id = ? AND ea.day BETWEEN ? AND ? AND a.duplicate_of IS NULL AND {where}
        ORDER BY ea.day DESC, ea.article_id DESC LIMIT ?""",
        [entity_id, start, end, *params, limit],
    ))


def entity_profile(db, name: str, f: Filters | None = None, *, weeks: int = 12, top: int = 10,
                   latest: int = 10) -> dict:
    """One entity: type, aliases, mentions per week, co-occurring entities, latest articles, money."""
    f = f or Filters()
    e = resolve_entity(db, name)
    start, end = window(db, f, weeks * 7)
    aliases = [r[0] for r in db.execute("SELECT alias FROM aliases WHERE entity_id = ? ORDER BY alias", [e["id"]])]
    days = entity_days(db, e["id"], f, start, end)
    cte, params = _sample_cte(db, e["id"], f, start, end, COOCCUR_SAMPLE)
    money = rows(db.execute(
        f"""{cte}
        SELECT {AMOUNT_COLUMNS}
        FROM sample s JOIN amounts am ON am.article_id = s.article_id JOIN articles a ON a.id = am.article_id
        WHERE am.kind = 'money' AND {SAME_SENTENCE}
        ORDER BY am.eur DESC LIMIT ?""",
        [*params, e["id"], top],
    ))
    return {
        **e,
        "aliases": aliases,
        "window": {"since": start, "until": end},
        "articles": sum(d[1] for d in days),
        "mentions": sum(d[2] for d in days),
        "weeks": by_week(days),
        "cooccurring": cooccurring(db, e["id"], f, start, end, top=top),
        "latest": latest_articles(db, e["id"], f, start, end, limit=latest),
        "amounts": with_context(db, money),
    }


def timeline(db, name: str, f: Filters | None = None, *, by: str = "week") -> dict:
    """Articles and mentions of one entity per week (or day, or month) over the whole window."""
    f = f or Filters()
    e = resolve_entity(db, name)
    start, end = f.since or "0000-01-01", f.until or "9999-12-31"
    days = entity_days(db, e["id"], f, start, end)
    if by == "day":
        points = [{"day": d, "articles": n, "mentions": m} for d, n, m in days]
    elif by == "month":
        months: dict[str, list[int]] = {}
        for d, n, m in days:
            v = months.setdefault(d[:7], [0, 0])
            v[0] += n
            v[1] += m
        points = [{"month": k, "articles": v[0], "mentions": v[1]} for k, v in sorted(months.items())]
    elif by == "week":
        points = by_week(days)
    else:
        raise QueryError(f"--by takes day, week or month, got {by!r}")
    return {**e, "by": by, "points": points}


def cooccurrence(db, name_a: str, name_b: str, f: Filters | None = None, *, limit: int = 20,
                 weeks: int = 12) -> dict:
    """Articles naming both entities in the window (default: the latest `weeks` weeks): count,
    per week, the latest ones with a sentence naming both."""
    f = f or Filters()
    a, b = resolve_entity(db, name_a), resolve_entity(db, name_b)
    if a["id"] == b["id"]:
        raise QueryError(f"{name_a!r} and {name_b!r} are the same entity ({a['name']})")
    # walk the rarer entity's articles and probe the other's by primary key
    rare, other = sorted((a, b), key=lambda e: article_count(db, e["id"]))
    start, end = window(db, f, weeks * 7)
    where, params = article_clause(db, f)
    join = "JOIN articles a ON a.id = ea.article_id" if f.on_articles else ""
    shared = db.execute(
        f"""SELECT ea.article_id, ea.day FROM entity_articles ea {join}
        WHERE ea.entity_id = ? AND ea.day BETWEEN ? AND ? AND {where if f.on_articles else '1'}
          AND EXISTS (SELECT 1 FROM entity_articles eb WHERE eb.article_id = ea.article_id AND eb.entity_id = ?)
        ORDER BY ea.day DESC, ea.article_id DESC""",
        [rare["id"], start, end, *(params if f.on_articles else []), other["id"]],
    ).fetchall()
    weeks: dict[str, int] = {}
    for _aid, day in shared:
        weeks[iso_week(day)] = weeks.get(iso_week(day), 0) + 1
    latest_ids = [r[0] for r in shared[:limit]]
    latest = []
    if latest_ids:
        marks = ",".join("?" * len(latest_ids))
        arts = {r["id"]: r for r in rows(db.execute(
            f"SELECT id, published, source, lang, title, url, text FROM articles WHERE id IN ({marks})", latest_ids))}
        both = {}
        for aid, start_a, end_a in db.execute(
            f"""SELECT ma.article_id, min(ma.start, mb.start), max(ma."end", mb."end") FROM mentions ma
            JOIN mentions mb ON mb.article_id = ma.article_id AND mb.sentence = ma.sentence AND mb.entity_id = ?
            WHERE ma.entity_id = ? AND ma.article_id IN ({marks}) GROUP BY ma.article_id""",
            [b["id"], a["id"], *latest_ids],
        ):
            both[aid] = (start_a, end_a)
        for aid in latest_ids:
            art = arts[aid]
            text = art.pop("text")
            span = both.get(aid)
            art["sentence"] = sentence_around(text, *span) if span else None
            latest.append(art)
    return {
        "a": a, "b": b, "window": {"since": start, "until": end}, "articles": len(shared),
        "weeks": [{"week": k, "articles": v} for k, v in sorted(weeks.items())],
        "latest": latest,
    }
