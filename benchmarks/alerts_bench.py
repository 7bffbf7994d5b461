"""Alert benchmarks: matching throughput and the delay from an article stored to its mail delivered.

    python benchmarks/alerts_bench.py [--articles 10000] [--subscriptions 1000] [--mails 20]

Prints one JSON object. Baselines are measured in the same run: reading every article once
(for matching) and a bare smtplib send to the same server (for delivery delay).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import smtplib
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db.store import NewArticle, Store, now_iso  # noqa: E402
from digests import alerts, delivery  # noqa: E402
from nlp.types import Analysis, EntityMention  # noqa: E402

# A news-like vocabulary: Zipf-distributed word frequencies over a large lexicon, so a query
# term is as rare as real query terms are (most subscriptions match a few articles, not a third).
BASE = ("ia intelligence artificielle données cloud souveraineté startup levée fonds programme europe "
        "régulation cybersécurité semiconducteurs calcul santé énergie mobilité quantique robotique "
        "modèle langage licorne investissement innovation recherche université brevet industrie").split()
SYLLABLES = "ba be bi bo bu da de di do du fa fe fi fo ga ge gi go la le li lo ma me mi mo na ne ni no".split()
ENTITIES = ["OpenAI", "Mistral AI", "Bpifrance", "Commission européenne", "CNIL", "Google", "Microsoft",
            "Paris", "Berlin", "Londres", "Nvidia", "Anthropic", "Hugging Face", "France 2030", "Arcep"] + [
            f"Société {i}" for i in range(185)]


def lexicon(rng: random.Random, size: int = 20_000) -> tuple[list[str], list[float]]:
    words = list(BASE)
    seen = set(words)
    while len(words) < size:
        w = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words, [1 / (r + 1) for r in range(size)]


def fill(db, n: int, rng: random.Random, words: list[str], weights: list[float]) -> None:
    """n analysed articles, written in bulk (the FTS triggers index them as on a crawl)."""
    conn = db.conn
    conn.execute("BEGIN")
    ent_ids = {}
    for name in ENTITIES:
        from nlp.kb import normalise

        ent_ids[name] = conn.execute("INSERT INTO entities (name, label, norm) VALUES (?, 'ORG', ?)",
                                     [name, normalise(name)]).lastrowid
    ts = now_iso()
    for i in range(n):
        ents = rng.sample(ENTITIES, 3)
        body = rng.choices(words, weights, k=300) + ents
        rng.shuffle(body)
        text = " ".join(body) + "."
        title = " ".join(rng.choices(words, weights, k=8) + [ents[0]])
        url = f"http://bench.invalid/{i}"
        aid = conn.execute(
            "INSERT INTO articles (url, canonical_url, url_key, source, title, text, published, lang, content_hash,"
            " status, fetched_at, enriched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [url, url, url, f"source {i % 40}", title, text, "2025-07-24", "fr",
             hashlib.sha1(text.encode()).hexdigest(), "enriched", ts, ts]).lastrowid
        conn.executemany('INSERT INTO mentions (article_id, entity_id, text, label, start, "end") VALUES (?,?,?,?,0,1)',
                         [(aid, ent_ids[e], e, "ORG") for e in ents])
        if rng.random() < 0.3:
            eur = 10 ** rng.uniform(4, 9)
            conn.execute('INSERT INTO amounts (article_id, text, value, unit, kind, eur, start, "end")'
                         " VALUES (?, ?, ?, 'EUR', 'money', ?, 0, 1)", [aid, f"{eur:.0f} euros", eur, eur])
    conn.execute("COMMIT")


def subscriptions(n: int, rng: random.Random, words: list[str]) -> list[alerts.Subscription]:
    subs = []
    for i in range(n):
        kind = i % 4
        a, b, c = rng.sample(words[20:3000], 3)  # topical words: neither stop words nor hapaxes
        if kind == 0:
            kw = dict(query=f"{a} AND ({b} OR {c})")
        elif kind == 1:
            kw = dict(query=f'"{a} {b}"')
        elif kind == 2:
            kw = dict(entities=[rng.choice(ENTITIES)], min_amount=10 ** rng.uniform(6, 8.5))
        else:
            kw = dict(query=f"{a} {b} {c}", entities=[rng.choice(ENTITIES)], lang="fr")
        subs.append(alerts.parse(f"s{i}", notify="ntfy://bench", **kw))
    return subs


def bench_matching(n_articles: int, n_subs: int, work: Path, chunk: int) -> dict:
    rng = random.Random(7)
    words, weights = lexicon(rng)
    store = Store(str(work / "match.db"))
    db = store.db
    for sub in subscriptions(n_subs, rng, words):
        alerts.save(db, sub)  # start_after = 0: every article is new to them
    fill(db, n_articles, rng, words, weights)
    t = time.perf_counter()
    rows = db.execute("SELECT id, title, text FROM articles").fetchall()
    baseline = time.perf_counter() - t
    t = time.perf_counter()
    report = alerts.match_new(db, chunk=chunk)
    seconds = time.perf_counter() - t
    store.close()
    return {"articles": n_articles, "subscriptions": n_subs, "chunk": chunk, "seconds": round(seconds, 3),
            "articles_per_s": round(n_articles / seconds), "queued": report.queued,
            "errors": len(report.errors), "read_all_articles_s": round(baseline, 4),
            "ratio_to_one_read_pass": round(seconds / baseline, 1), "rows_read": len(rows)}


def bench_delay(n_mails: int, work: Path) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from alert_receivers import Mailbox, wait_for

    box = Mailbox().start()
    store = Store(str(work / "delay.db"))
    try:
        alerts.save(store.db, alerts.parse("delay", query="OpenAI", notify=box.url()))
        delays, raw = [], []
        for i in range(n_mails):
            text = f"OpenAI ouvre un bureau numéro {i} à Paris."
            t = time.perf_counter()
            stored = store.add_article(NewArticle(
                url=f"http://bench.invalid/d{i}", canonical_url=f"http://bench.invalid/d{i}",
                url_key=f"d{i}", source="bench", title=f"OpenAI {i}", text=text, published="2025-07-24",
                author=None, lang="fr", content_hash=hashlib.sha1(text.encode()).hexdigest()))
            store.save_analysis(stored.id, Analysis("fr", f"OpenAI {i}", "2025-07-24", None, text,
                                                    entities=[EntityMention("OpenAI", "ORG", "OpenAI", 0, 6)]))
            before = len(box.messages)
            alerts.match_new(store.db)
            delivery.deliver_due(store.db, timeout=10)
            wait_for(lambda before=before: len(box.messages) > before)
            delays.append(time.perf_counter() - t)
            t = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", box.port, timeout=10) as smtp:
                smtp.sendmail("a@example.org", ["b@example.org"], f"Subject: raw {i}\r\n\r\nraw\r\n")
            wait_for(lambda before=before: len(box.messages) > before + 1)
            raw.append(time.perf_counter() - t)
        assert len(box.messages) == 2 * n_mails
    finally:
        store.close()
        box.stop()
    med = statistics.median(delays)
    return {"mails": n_mails, "median_ms": round(med * 1000, 1),
            "p95_ms": round(sorted(delays)[int(0.95 * (len(delays) - 1))] * 1000, 1),
            "raw_smtp_median_ms": round(statistics.median(raw) * 1000, 1),
            "ratio_to_raw_smtp": round(med / statistics.median(raw), 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--articles", type=int, default=10_000)
    p.add_argument("--subscriptions", type=int, default=1_000)
    p.add_argument("--mails", type=int, default=20)
    p.add_argument("--chunk", type=int, default=10_000, help="articles matched per query")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="veille-alerts-bench-") as tmp:
        work = Path(tmp)
        out = {"benchmark": "alerts", "cores": os.cpu_count(), "python": sys.version.split()[0],
               "when": datetime.now(UTC).isoformat(timespec="seconds"),
               "matching": bench_matching(args.articles, args.subscriptions, work, args.chunk),
               "store_to_mail": bench_delay(args.mails, work)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
