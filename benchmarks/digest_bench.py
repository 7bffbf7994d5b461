"""Time and peak memory to build the weekly brief of a 20,000-article week (JSON).

    python benchmarks/digest_bench.py [--articles 20000] [--events 2500] [--db /tmp/digest-bench.db]

Builds a synthetic database: one week of `--articles` articles telling `--events` events
(Zipf-sized: a few events in hundreds of outlets' articles, most in one or two), in French
and English, with entities, money and dates, plus seven lighter weeks before it for the
charts. Article embeddings are cached as the issue's target assumes (`embed_cached` finds
them: vectors around one centre per event); summary sentences are embedded by the real
multilingual USE encoder on the first ("cold") build and read from the cache on the second.

Baseline, measured in the same run: the previous brief (rows + `brief.build` without
stories), so `ratio_*` says what stories, summaries and charts cost on top of reading the week.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ("données modèle calcul start-up financement régulation souveraineté cloud puces semi-conducteurs "
         "recherche talents cybersécurité santé industrie énergie centre partenariat investissement "
         "gouvernement ministère appel projet lancement accord plateforme agents robotique").split()
EN_WORDS = ("data model compute startup funding regulation sovereignty cloud chips semiconductors research "
            "talent cybersecurity health industry energy centre partnership investment government ministry "
            "call project launch agreement platform agents robotics").split()
ACTORS = ["OpenAI", "Bpifrance", "Mistral AI", "Commission européenne", "Nvidia", "Google", "Microsoft",
          "DSIT", "CNIL", "Meta", "Anthropic", "Hugging Face", "France 2030", "Sam Altman", "Clara Chappaz",
          "Arthur Mensch", "Jensen Huang", "Peter Kyle", "Amazon", "Scaleway"]


def _sentence(rnd: random.Random, words: list[str], actor: str) -> str:
    body = " ".join(rnd.choice(words) for _ in range(rnd.randint(10, 18)))
    return f"{actor} {body}."


def build_db(path: str, n_articles: int, n_events: int, seed: int = 7) -> dict:
    from db.store import Store
    from nlp.embed import article_text as item_text
    from nlp.embed import text_key

    rnd = random.Random(seed)
    rng = np.random.default_rng(seed)
    store = Store(path)
    db = store.db
    conn = db.conn
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    ent_ids = {}
    for name in ACTORS:
        label = "PER" if " " in name and name not in ("Mistral AI", "Hugging Face", "Commission européenne",
                                                      "France 2030") else "ORG"
        cur = conn.execute("INSERT INTO entities (name, label, norm) VALUES (?, ?, ?)", [name, label, name.lower()])
        ent_ids[name] = cur.lastrowid
    week_start = date(2025, 7, 21)
    centres = rng.normal(size=(n_events, 512)).astype(np.float32)
    sizes = 1.0 / np.arange(1, n_events + 1) ** 0.9
    event_of = rng.choice(n_events, size=n_articles, p=sizes / sizes.sum())
    history = n_articles // 8  # seven lighter weeks before, for the 8-week chart
    total = n_articles + 7 * history
    art_rows, vec_rows, ment_rows, amt_rows, date_rows = [], [], [], [], []
    for i in range(total):
        in_week = i < n_articles
        ev = int(event_of[i]) if in_week else int(rng.integers(n_events))
        day = week_start + timedelta(days=rnd.randint(0, 6)) if in_week else \
            week_start - timedelta(days=rnd.randint(1, 49))
        lang = "fr" if rnd.random() < 0.6 else "en"
        words = WORDS if lang == "fr" else EN_WORDS
        actors = [ACTORS[(ev + k) % len(ACTORS)] for k in range(2)]
        title = f"{actors[0]} — événement {ev} ({' '.join(rnd.choice(words) for _ in range(5))})"
        sents = [_sentence(rnd, words, actors[k % 2]) for k in range(6)]
        money = f"{rnd.randint(2, 900)} millions d'euros"
        sents[1] = sents[1][:-1] + f" avec {money}."
        text = " ".join(sents)
        aid = i + 1
        art_rows.append((aid, f"https://s{aid % 60}.example/{aid}", f"https://s{aid % 60}.example/{aid}", f"k{aid}",
                         f"Source {aid % 60}", title, text, day.isoformat(), lang, f"h{aid}", "enriched",
                         "2025-08-01T00:00:00+00:00"))
        v = centres[ev] + rng.normal(scale=0.55, size=512).astype(np.float32)
        vec_rows.append((text_key(item_text(title, text)), "use-multilingual-v3", (v / np.linalg.norm(v)).tobytes()))
        for k, a in enumerate(actors):
            pos = text.find(a)
            ment_rows.append((aid, ent_ids[a], a, "ORG", pos, pos + len(a), 0 if k == 0 else 1))
        pos = text.find(money)
        amt_rows.append((aid, money, float(money.split()[0]) * 1e6, "EUR", "money", float(money.split()[0]) * 1e6,
                         pos, pos + len(money), 1))
        if rnd.random() < 0.1:
            date_rows.append((aid, "15 octobre 2025", "2025-10-15", "day", 0, 0, 15))
    conn.executemany("INSERT INTO articles (id, url, canonical_url, url_key, source, title, text, published, lang,"
                     " content_hash, status, fetched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", art_rows)
    conn.executemany("INSERT INTO embeddings (content_hash, model, vector) VALUES (?,?,?)", vec_rows)
    conn.executemany('INSERT INTO mentions (article_id, entity_id, text, label, start, "end", sentence)'
                     " VALUES (?,?,?,?,?,?,?)", ment_rows)
    conn.executemany('INSERT INTO amounts (article_id, text, value, unit, kind, eur, start, "end", sentence)'
                     " VALUES (?,?,?,?,?,?,?,?,?)", amt_rows)
    conn.executemany('INSERT INTO dates (article_id, text, value, precision, start, "end", relative)'
                     " VALUES (?,?,?,?,?,?,?)", date_rows)
    conn.execute("COMMIT")
    store.close()
    return {"articles_in_week": n_articles, "articles_total": total, "events": n_events}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=20000)
    ap.add_argument("--events", type=int, default=2500)
    ap.add_argument("--db", default="/tmp/veille-digest-bench.db")
    args = ap.parse_args()

    from db import reads as queries
    from db.store import Store
    from digests import brief
    from digests.render import render
    from digests.weekly import make_digest, resolve_period
    from nlp.embed import get_encoder

    for suffix in ("", "-wal", "-shm"):
        Path(args.db + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    shape = build_db(args.db, args.articles, args.events)
    load_s = time.perf_counter() - t0
    encoder = get_encoder("use")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    store = Store(args.db)
    period = resolve_period("2025-W30", None, None, None)
    t0 = time.perf_counter()
    rows = queries.articles_between(store.db, period.start, period.end)
    ids = [r["id"] for r in rows]
    base = brief.build(period.label, rows, queries.mentions_of(store.db, ids), queries.amounts_of(store.db, ids), "fr")
    baseline_s = time.perf_counter() - t0

    timings = {}
    for run in ("cold", "warm"):
        t0 = time.perf_counter()
        d = make_digest(store.db, period, "fr", encoder=encoder)
        built_s = time.perf_counter() - t0
        html = render(d, "html")
        timings[run] = {"build_s": round(built_s, 2), "total_s": round(time.perf_counter() - t0, 2)}
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "benchmark": "digest", "cores": os.cpu_count(), **shape, "articles_read": len(rows),
        "stories_in_brief": len(d.stories), "largest_story": max(len(s.articles) for s in d.stories),
        "html_kb": round(len(html.encode()) / 1024), "load_s": round(load_s, 1),
        "baseline_simple_brief_s": round(baseline_s, 2), **{f"{k}_{m}": v for k, t in timings.items() for m, v in t.items()},
        "ratio_cold_vs_baseline": round(timings["cold"]["total_s"] / max(baseline_s, 1e-9), 1),
        "ratio_warm_vs_baseline": round(timings["warm"]["total_s"] / max(baseline_s, 1e-9), 1),
        "peak_rss_mb": round(peak), "rss_before_brief_mb": round(rss_before),
        "baseline_articles": len(base.articles),
    }, indent=2))


if __name__ == "__main__":
    main()
