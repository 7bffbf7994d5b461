"""Latency of each `veille query` path, ingestion rate and size, on a synthetic database.

Prints JSON: p50/p95/max milliseconds per query path (warm cache, parameters spread over hot,
middling and rare entities and terms), the same entity week counts computed from raw
`mentions` as a baseline (ratio = what the roll-ups save), ingestion rates through
`Store.add_articles` (batches of VEILLE_STORE_BATCH, as the crawler stores them; one transaction
per article for comparison) and `Store.save_analysis` against a raw `executemany` baseline, the
database size and the core count.

Example:
    python benchmarks/db_synthetic.py --articles 100000 --out /tmp/v100k.db
    python benchmarks/db_queries.py --db /tmp/v100k.db
    python benchmarks/db_queries.py --db /tmp/v100k.db --ingest 3000 --ingest-only
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEARCHES = ["OpenAI", "Bpifrance AND financement", '"intelligence artificielle"', "souverain*",
            "Mistral OR Anthropic", "cloud NOT Google", "Station F", "quinza*", "laboratoire AND brevets",
            "Hugging Face"]


def timed(fn, runs: int) -> tuple[list[float], list[float]]:
    """(wall ms, CPU ms) of `runs` calls. On a shared machine CPU time is what a dedicated
    one would see (the database sits in the page cache); both are reported."""
    wall, cpu = [], []
    for i in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn(i)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def _pct(ms: list[float], p: float) -> float:
    ms = sorted(ms)
    return round(ms[min(len(ms) - 1, int(round(p * (len(ms) - 1))))], 1)


def summary(times: tuple[list[float], list[float]]) -> dict:
    wall, cpu = times
    return {"n": len(wall), "p50_ms": round(statistics.median(wall), 1), "p95_ms": _pct(wall, 0.95),
            "max_ms": round(max(wall), 1), "cpu_p50_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": _pct(cpu, 0.95)}


def pick_entities(db) -> dict[str, list[str]]:
    """Entity names by frequency band: the head (in most articles), the middle, the tail."""
    ranked = db.execute(
        """SELECT e.name, t.n FROM (SELECT entity_id, sum(articles) AS n FROM entity_days GROUP BY entity_id) t
        JOIN entities e ON e.id = t.entity_id ORDER BY t.n DESC"""
    ).fetchall()
    n = len(ranked)
    return {
        "hot": [r[0] for r in ranked[:5]],
        "middle": [r[0] for r in ranked[50:55]] + [r[0] for r in ranked[500:505]],
        "rare": [r[0] for r in ranked[n // 2:n // 2 + 5]] + [r[0] for r in ranked[-5:]],
    }


def bench_queries(path: str, runs: int) -> dict:
    from types import SimpleNamespace

    from db import amount_queries, entity_lookup, entity_queries, filters, rankings, search
    from db.schema import connect

    # one name per read, as the benchmark's keys have always been
    q = SimpleNamespace(entity_profile=entity_queries.entity_profile, top_entities=rankings.top_entities,
                        Filters=filters.Filters, find_entity=entity_queries.find_entity, amounts=amount_queries.amounts,
                        search_articles=search.search_articles, timeline=entity_queries.timeline,
                        cooccurrence=entity_queries.cooccurrence, closest_entities=entity_lookup.closest_names,
                        entity_days=entity_queries.entity_days)

    db = connect(path, readonly=True)
    names = pick_entities(db)
    everyone = names["hot"] + names["middle"] + names["rare"]
    latest = db.execute("SELECT max(day) FROM entity_days").fetchone()[0]
    out: dict = {"entities_sampled": names}

    def each(fn, params):
        fn(params[0])  # warm the pages this path reads
        return summary(timed(lambda i: fn(params[i % len(params)]), max(runs, len(params))))

    out["entity"] = each(lambda n: q.entity_profile(db, n), everyone)
    out["entity_hot"] = each(lambda n: q.entity_profile(db, n), names["hot"])
    out["entities_top"] = each(lambda lab: q.top_entities(db, label=lab, top=20), [None, "ORG", "PER", "LOC", "PROG"])
    weeks_back = [q.Filters(since=d, until=e) for d, e in (("2025-02-24", "2025-03-02"), ("2024-11-11", "2024-11-17"),
                                                           ("2024-06-03", "2024-06-09"))]
    out["entities_top_other_weeks"] = each(lambda f: q.top_entities(db, f, label="ORG"), weeks_back)
    out["entities_top_last_7_days"] = each(lambda lab: q.top_entities(db, label=lab, days=7), [None, "ORG"])
    out["entities_top_lang_filter"] = each(lambda lab: q.top_entities(db, q.Filters(lang="fr"), label=lab),
                                           [None, "ORG"])

    def money(n):
        eid = q.find_entity(db, n)["id"] if n else None
        return q.amounts(db, currency="EUR", min_eur=1e6, entity_id=eid)

    out["amounts"] = each(money, [None] + everyone)
    out["amounts_since"] = each(lambda n: q.amounts(db, q.Filters(since="2025-07-01"), min_eur=1e6), [None])
    out["search_top20"] = each(lambda s: q.search_articles(db, s, limit=20), SEARCHES)
    out["search_top20_filtered"] = each(
        lambda s: q.search_articles(db, s, q.Filters(lang="fr", since="2025-01-01"), limit=20), SEARCHES)
    out["search_top20_exact_depth0"] = each(lambda s: q.search_articles(db, s, limit=20, depth=0),
                                            ["Station F", "quinza*", "laboratoire AND brevets"])
    out["timeline"] = each(lambda n: q.timeline(db, n), everyone)
    pairs = [(a, b) for a in names["hot"][:2] for b in names["middle"][:3] + names["rare"][:2]]
    out["cooccur"] = each(lambda p: q.cooccurrence(db, *p), pairs)
    out["cooccur_hot_pair"] = each(lambda p: q.cooccurrence(db, *p), [(names["hot"][0], names["hot"][1])])
    out["unknown_entity_suggestions"] = each(lambda n: q.closest_entities(db, n), ["Bpifranse", "Open Al"])

    # baseline: an entity's articles per week from raw mentions, as without the roll-ups
    hot_id = q.find_entity(db, names["hot"][0])["id"]
    since = db.execute("SELECT date(?, '-83 days')", [latest]).fetchone()[0]

    def raw_weeks(_):
        return db.execute(
            """SELECT substr(a.published, 1, 10), count(DISTINCT m.article_id), count(*) FROM mentions m
            JOIN articles a ON a.id = m.article_id WHERE m.entity_id = ? AND a.published BETWEEN ? AND ?
            GROUP BY 1""", [hot_id, since, latest]).fetchall()

    def rollup_weeks(_):
        return q.entity_days(db, hot_id, q.Filters(), since, latest)

    base = summary(timed(raw_weeks, 3))
    fast = summary(timed(rollup_weeks, 10))
    out["baseline_hot_entity_12_weeks"] = {"raw_mentions": base, "rollup": fast,
                                           "speedup": round(base["p50_ms"] / max(fast["p50_ms"], 0.01), 1)}
    db.conn.close()
    return out


def ingest_rows(path: str, n: int) -> list[dict]:
    """`n` articles with their mentions and amounts, taken from the synthetic database and made new.

    Spread evenly over the database (every k-th article), so any database of n articles or more works.
    """
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    total = conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
    step = max(1, min(97, total // max(n, 1)))
    arts = conn.execute(
        "SELECT id, source, title, text, published, lang FROM articles WHERE id % ? = 0 ORDER BY id LIMIT ?",
        [step, n],
    ).fetchall()
    out = []
    for aid, source, title, text, published, lang in arts:
        ments = conn.execute(
            """SELECT m.text, m.label, e.name, m.start, m."end", m.sentence FROM mentions m
            JOIN entities e ON e.id = m.entity_id WHERE m.article_id = ?""", [aid]).fetchall()
        amts = conn.execute('SELECT text, value, unit, kind, eur, start, "end", sentence FROM amounts'
                            " WHERE article_id = ?", [aid]).fetchall()
        out.append({"source": source, "title": title, "text": f"Ingestion {aid}. " + text,
                    "published": published, "lang": lang, "mentions": ments, "amounts": amts, "key": aid})
    conn.close()
    return out


def _new_articles(rows: list[dict]) -> list:
    """NewArticles for `rows` under URLs never stored before, fingerprints included."""
    from db.store import NewArticle
    from nlp.dedup import content_hash, minhash

    news = []
    for r in rows:  # fingerprints belong to extraction (the crawler's workers), not to the database
        url = f"https://ingest.example/{r['key']}/{os.getpid()}/{time.time_ns()}"
        sig, shingles = minhash(r["text"])
        news.append(NewArticle(url=url, canonical_url=url, url_key=url[8:], source=r["source"], title=r["title"],
                               text=r["text"], published=r["published"], author=None, lang=r["lang"],
                               content_hash=content_hash(r["text"]), minhash=sig, shingles=shingles))
    return news


def bench_ingest(rows: list[dict], target: str, batch: int = 50, per_article_into: str | None = None) -> dict:
    """Articles/s into `target` the way the crawler stores them (`Store.add_articles`, `batch` per
    transaction, as StorePipeline with VEILLE_STORE_BATCH), then `save_analysis`, against a raw
    `executemany` baseline in the same run; with `per_article_into`, one transaction per article
    (`Store.add_article`) into that other, fresh database for comparison."""
    from db.store import Store
    from nlp.types import AmountMention, Analysis, EntityMention

    news = _new_articles(rows)
    analyses = []
    for r in rows:
        analyses.append((Analysis(
            lang=r["lang"], title=r["title"], published=r["published"], author=None, text=r["text"],
            entities=[EntityMention(t, lab, name, s, e) for t, lab, name, s, e, _ in r["mentions"]],
            amounts=[AmountMention(t, v, u, k, s, e, eur) for t, v, u, k, eur, s, e, _ in r["amounts"]],
        ), {m[3]: m[5] for m in r["mentions"]} | {a[5]: a[7] for a in r["amounts"]}))
    store = Store(target)
    t0, c0 = time.perf_counter(), time.process_time()
    ids = []
    for i in range(0, len(news), batch):
        ids += [s.id for s in store.add_articles(news[i : i + batch])]
    t_articles, c_articles = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    for aid, (analysis, by_offset) in zip(ids, analyses):
        store.save_analysis(aid, analysis, lambda off, m=by_offset: m.get(off))
    t_analysis = time.perf_counter() - t0
    # baseline: the same rows in one executemany, no lookups, no dedup, FTS trigger still on
    conn = store.db.conn
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO articles (url, canonical_url, url_key, source, title, text, published, lang, content_hash,"
        " status, fetched_at) VALUES (?,?,?,?,?,?,?,?,?,'new','2025-07-31')",
        [(a.url + "/raw", a.url, a.url_key + "/raw", a.source, a.title, a.text, a.published, a.lang,
          a.content_hash + "r") for a in news])
    conn.execute("COMMIT")
    t_raw = time.perf_counter() - t0
    mentions = sum(len(a[0].entities) for a in analyses)
    store.close()
    n = len(news)
    out = {"articles": n, "mentions": mentions, "batch": batch,
           "add_articles_per_s": round(n / t_articles), "add_articles_cpu_ms_each": round(1000 * c_articles / n, 3),
           "save_analysis_per_s": round(n / t_analysis), "raw_executemany_per_s": round(n / t_raw),
           "add_articles_vs_raw": round(t_raw / t_articles, 3)}
    if per_article_into:
        single = Store(per_article_into)
        again = _new_articles(rows)
        t0 = time.perf_counter()
        for a in again:
            single.add_article(a)
        t_single = time.perf_counter() - t0
        single.close()
        out["add_article_one_transaction_each_per_s"] = round(n / t_single)
        out["batched_vs_one_transaction_each"] = round(t_single / t_articles, 2)
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="/tmp/veille-synthetic.db")
    p.add_argument("--runs", type=int, default=40, help="timed runs per query path")
    p.add_argument("--ingest", type=int, default=3000, help="articles for the ingestion figures (0: skip)")
    p.add_argument("--ingest-into", choices=["fresh", "big", "both"], default="both",
                   help="ingest into a new database, into --db itself (it grows), or both")
    p.add_argument("--ingest-batch", type=int, default=50, help="articles per transaction (VEILLE_STORE_BATCH)")
    p.add_argument("--ingest-only", action="store_true",
                   help="skip the query latencies; --db is only read (the source of the ingested rows)")
    a = p.parse_args(argv)
    if not os.path.exists(a.db):
        raise SystemExit(f"no database at {a.db}: run benchmarks/db_synthetic.py first")
    if a.ingest_only:
        rows = ingest_rows(a.db, a.ingest)
        result = {"benchmark": "db_ingest", "cores": os.cpu_count(), "source_db": a.db}
        with tempfile.TemporaryDirectory() as tmp:
            result["ingest"] = {"fresh_db": bench_ingest(rows, f"{tmp}/fresh.db", a.ingest_batch, f"{tmp}/single.db")}
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    from db.migrations import m0002_query_paths as m2
    from db.schema import connect

    db = connect(a.db)  # brings the benchmark database to the current schema
    # a database generated by an earlier migration 2: add its newer roll-up and indexes
    db.executescript(m2.drop_triggers_sql())
    db.executescript(m2.TABLES)
    if (db.execute("SELECT count(*) FROM entity_weeks").fetchone()[0] == 0
            and db.execute("SELECT count(*) FROM entity_days").fetchone()[0]):
        db.executescript(m2.BACKFILL_WEEKS)
    db.executescript(m2.TRIGGERS)
    articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    mentions = db.execute("SELECT count(*) FROM mentions").fetchone()[0]
    n_entities = db.execute("SELECT count(*) FROM entities").fetchone()[0]
    db.conn.close()
    result = {"benchmark": "db_queries", "cores": os.cpu_count(), "db": a.db, "articles": articles,
              "mentions": mentions, "entities": n_entities,
              "db_bytes": os.path.getsize(a.db), "db_gib": round(os.path.getsize(a.db) / 2**30, 2),
              "queries": bench_queries(a.db, a.runs)}
    if a.ingest:
        rows = ingest_rows(a.db, a.ingest)
        result["ingest"] = {}
        if a.ingest_into in ("fresh", "both"):
            with tempfile.TemporaryDirectory() as tmp:
                result["ingest"]["fresh_db"] = bench_ingest(rows, f"{tmp}/fresh.db", a.ingest_batch,
                                                            f"{tmp}/single.db")
        if a.ingest_into in ("big", "both"):
            result["ingest"]["into_db"] = bench_ingest(rows, a.db, a.ingest_batch)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
