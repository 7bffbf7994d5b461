"""Generate a synthetic veille database shaped like real news, for the query benchmarks.

Prints JSON: row counts, seconds, rows/s, database size, cores.

The shape, not the words, is what matters to the query planner:
- 100k entities whose frequency follows a Zipf law (s=1.1): the head (OpenAI, Bpifrance, the
  Commission...) appears in most articles, the tail in a handful; ~30% have aliases;
- ~20 mentions per article spread over its sentences, ~1.5 amounts (money in EUR, USD, GBP
  from 10 kEUR to 10 bnEUR, counts, percentages) in sentences that name an actor, ~2 dates;
- articles over two years, ids roughly in publication order (crawls are), 35 sources in
  French, English and German, text drawn from a Zipf vocabulary so FTS posting lists are
  skewed like real ones, entity names and amounts written into the text at their offsets.

Writing is bulk `executemany` in large transactions with `PRAGMA synchronous=OFF`; the
roll-up triggers of migration 2 are dropped during the load and the roll-ups rebuilt with
two GROUP BY passes at the end (what the migration itself does on an existing database).

Example:
    python benchmarks/db_synthetic.py --articles 100000 --out /tmp/veille-100k.db
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HEAD = [  # the actors a French tech-watch team reads about every week, most frequent first
    ("OpenAI", "ORG", ["Open AI"]), ("Commission européenne", "ORG", ["Bruxelles", "la Commission"]),
    ("France", "LOC", []), ("Bpifrance", "ORG", ["BPI", "Bpi France"]), ("Paris", "LOC", []),
    ("Mistral AI", "ORG", ["Mistral"]), ("Union européenne", "ORG", ["UE", "EU"]),
    ("Emmanuel Macron", "PER", ["Macron"]), ("Google", "ORG", ["Alphabet"]), ("Microsoft", "ORG", []),
    ("France 2030", "PROG", []), ("Royaume-Uni", "LOC", ["UK", "United Kingdom"]),
    ("Nvidia", "ORG", []), ("Meta", "ORG", ["Facebook"]), ("Sam Altman", "PER", ["Altman"]),
    ("Berlin", "LOC", []), ("Allemagne", "LOC", ["Germany", "Deutschland"]), ("Amazon", "ORG", ["AWS"]),
    ("AI Act", "MISC", ["règlement sur l'IA"]), ("CNIL", "ORG", []), ("Thierry Breton", "PER", ["Breton"]),
    ("IA Booster France 2030", "PROG", ["IA Booster"]), ("Anthropic", "ORG", []),
    ("DSIT", "ORG", ["Department for Science, Innovation and Technology"]), ("Londres", "LOC", ["London"]),
    ("Hugging Face", "ORG", []), ("Station F", "LOC", []), ("Clara Chappaz", "PER", []),
    ("Arthur Mensch", "PER", ["Mensch"]), ("AI Growth Zones", "PROG", []),
]
FIRST = ["Marie", "Jean", "Sophie", "Pierre", "Claire", "Luc", "Anne", "Paul", "Julie", "Marc", "Léa", "Hugo",
         "Emma", "Louis", "Camille", "Thomas", "Sarah", "Nicolas", "Laura", "Antoine", "Inès", "Olivier",
         "Chloé", "Julien", "Manon", "Karim", "Yasmine", "Lukas", "Hannah", "Oliver", "Amelia", "James"]
SYL = ["ra", "ve", "no", "li", "ta", "mor", "quin", "dé", "sa", "tel", "ber", "ca", "lo", "mi", "ron", "ga",
       "pel", "vi", "dor", "za", "ké", "fa", "lan", "tri", "bo", "né", "gu", "ar", "ès", "ol"]
ORG_FORMS = ["{} Labs", "Groupe {}", "{} SA", "{} Technologies", "{} Capital", "Fondation {}", "{} AI",
             "{} Robotics", "Université de {}", "Agence {}", "{} Systems", "{} Partners"]
PROG_FORMS = ["Plan {} 2030", "Programme {}", "Fonds {}", "Initiative {}", "{} Horizon"]
COMMON = ("le la les de des du un une et en à pour avec sur dans par au aux qui que est sont a ont plus "
          "the of and to in for with on by is are was from that this at as it an be have "
          "der die das und mit für von ist im den zu auf").split()
TOPICAL = ("intelligence artificielle données numérique innovation startup financement investissement "
           "souveraineté régulation modèle calcul puissance cloud semi-conducteurs cybersécurité "
           "recherche entreprises industrie emploi formation énergie centre accord partenariat "
           "levée fonds milliards millions gouvernement ministre stratégie européenne marché "
           "croissance santé éducation infrastructure réseau talents brevets laboratoire "
           "artificial intelligence data compute chips regulation funding partnership policy "
           "government minister market growth energy datacenter model safety research").split()
SOURCES = [(f"Source {i:02d}", "fr" if i < 24 else ("en" if i < 33 else "de")) for i in range(35)]
CURRENCY = [("EUR", 1.0, 0.7), ("USD", 0.92, 0.2), ("GBP", 1.17, 0.1)]
SCALE_WORDS = {"EUR": ("millions d'euros", "milliards d'euros"), "USD": ("million dollars", "billion dollars"),
               "GBP": ("million livres sterling", "milliards de livres sterling")}


def zipf_cdf(n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return np.cumsum(w) / w.sum()


def synth_word(rnd, lo=2, hi=4) -> str:
    return "".join(rnd.choices(SYL, k=rnd.randint(lo, hi)))


def make_entities(rng, n: int) -> list[tuple[str, str, list[str]]]:
    """`n` entities (name, label, aliases), most frequent first, names unique once normalised."""
    from nlp.kb import normalise

    rnd = random.Random(int(rng.integers(0, 2**31)))  # numpy's choice is slow one item at a time
    out, seen = [], set()
    for name, label, aliases in HEAD[:n]:
        out.append((name, label, aliases))
        seen.add(normalise(name))
    labels = rng.choice(["ORG", "PER", "LOC", "PROG", "MISC"], size=n, p=[0.42, 0.33, 0.14, 0.06, 0.05])
    i = 0
    while len(out) < n:
        label = labels[i % n]
        i += 1
        base = synth_word(rnd).capitalize()
        if label == "PER":
            name = f"{rnd.choice(FIRST)} {base}"
        elif label == "ORG":
            name = rnd.choice(ORG_FORMS).format(base)
        elif label == "PROG":
            name = rnd.choice(PROG_FORMS).format(base)
        elif label == "LOC":
            name = base + rnd.choice(["", "ville", "bourg", "-sur-Mer", " Nord"])
        else:
            name = f"{base} {synth_word(rnd, 1, 2).upper()}"
        key = normalise(name)
        if key in seen:
            continue
        seen.add(key)
        aliases = []
        if rnd.random() < 0.3:
            aliases.append(name.split()[-1] if " " in name else name.upper())
        out.append((name, str(label), aliases))
    return out


_W: dict = {}


def _init_worker(ctx: dict) -> None:
    _W.update(ctx)
    _W["ent_cdf"] = zipf_cdf(ctx["n_entities"], 1.1)
    rnd = random.Random(ctx["seed"])
    _W["vocab"] = COMMON + TOPICAL + [synth_word(rnd) for _ in range(30_000)]
    _W["word_cdf"] = zipf_cdf(len(_W["vocab"]), 1.0)


def _make_batch(job: tuple[int, int]):
    """Rows of articles ids lo+1..hi: (articles, mentions, amounts, dates), deterministic per batch."""
    lo, hi = job
    rng = np.random.default_rng([_W["seed"], lo])
    surface, labels, names, vocab = _W["surface"], _W["labels"], _W["names"], _W["vocab"]
    n_articles, days = _W["n_articles"], _W["days"]
    start_day = date(2025, 7, 31) - timedelta(days=days)
    arts, ments, amts, dats = [], [], [], []
    n = hi - lo
    n_ment = np.maximum(rng.poisson(_W["mentions_per_article"], n), 3)
    ent_ids = np.searchsorted(_W["ent_cdf"], rng.random(int(n_ment.sum()))).tolist()
    n_sent = rng.integers(6, 15, n)
    words = np.searchsorted(_W["word_cdf"], rng.random(int(n_sent.sum()) * 16)).tolist()
    day_jitter = rng.integers(0, 4, n).tolist()
    src_of = rng.integers(0, len(SOURCES), n).tolist()
    w_at = 0
    e_at = 0
    for k in range(n):
        aid = lo + k + 1
        # crawls run in publication order, give or take a few days of late pick-ups
        day = start_day + timedelta(days=int((lo + k) / n_articles * days) - day_jitter[k])
        src, lang = SOURCES[src_of[k]]
        ents = ent_ids[e_at:e_at + int(n_ment[k])]
        e_at += int(n_ment[k])
        ns = int(n_sent[k])
        sent_of = rng.integers(0, ns, len(ents)).tolist()
        by_sent: dict[int, list[int]] = {}
        for e, so in zip(ents, sent_of):
            by_sent.setdefault(so, []).append(e)
        money_sents = set(rng.choice(sent_of, size=min(len(sent_of), int(rng.poisson(1.5)))).tolist())
        parts, pos = [], 0
        for s in range(ns):
            toks = [vocab[i] for i in words[w_at:w_at + 14]]
            w_at += 16
            # entity names at the head of their sentence, as in "Bpifrance annonce ..."
            for e in by_sent.get(s, ()):
                forms = surface[e]
                form = forms[0] if len(forms) == 1 or rng.random() < 0.85 else forms[1]
                ments.append((aid, e + 1, form, labels[e], pos, pos + len(form), s))
                parts.append(form)
                parts.append(" ")
                pos += len(form) + 1
            if s in money_sents:
                cur, rate = "EUR", 1.0
                r = rng.random()
                if r > 0.7:
                    cur, rate = ("USD", 0.92) if r < 0.9 else ("GBP", 1.17)
                value = float(10 ** rng.uniform(4, 10))
                if value >= 1e9:
                    text = f"{value / 1e9:.1f} {SCALE_WORDS[cur][1]}"
                else:
                    text = f"{value / 1e6:.1f} {SCALE_WORDS[cur][0]}"
                amts.append((aid, text, value, cur, "money", value * rate, pos, pos + len(text), s))
                parts.append(text)
                parts.append(" ")
                pos += len(text) + 1
            body = " ".join(toks) + ". "
            parts.append(body)
            pos += len(body)
            if s == 1:
                dtext = (day - timedelta(days=int(rng.integers(0, 30)))).isoformat()
                dats.append((aid, dtext, dtext, "day", 0, pos, pos + len(dtext)))
                parts.append(dtext + ". ")
                pos += len(dtext) + 2
        text = "".join(parts)
        top = names[ents[0]] if ents else ""
        title = f"{top} " + " ".join(vocab[i] for i in words[w_at - 16:w_at - 8])
        h = hashlib.sha1(text.encode()).hexdigest()
        url = f"https://{src.replace(' ', '').lower()}.example/{day.isoformat()}/{aid}"
        dup = int(rng.integers(max(1, aid - 500), aid)) if aid > 1 and rng.random() < 0.03 else None
        arts.append((aid, url, url, url[8:], src, title, text, day.isoformat(), None, lang, h,
                     int(rng.integers(0, 2**62)), dup, "enriched", day.isoformat() + "T08:00:00+00:00",
                     day.isoformat() + "T09:00:00+00:00"))
    return arts, ments, amts, dats


def load(path: str, n_articles: int, n_entities: int, mentions_per_article: float, seed: int,
         batch: int = 20_000, days: int = 730) -> dict:
    """Fill a new database at `path`; returns counts and timings."""
    from db.migrations import m0002_query_paths as m2
    from db.schema import connect
    from nlp.kb import normalise

    rng = np.random.default_rng(seed)
    if os.path.exists(path):
        raise SystemExit(f"{path} exists: remove it first")
    db = connect(path)
    conn = db.conn
    for pragma in ("synchronous = OFF", "cache_size = -400000", "temp_store = MEMORY"):
        conn.execute(f"PRAGMA {pragma}")
    for stmt in m2.drop_triggers_sql().splitlines():
        conn.execute(stmt)

    t0 = time.perf_counter()
    entities = make_entities(rng, n_entities)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO sources (name, lang, country, kind) VALUES (?, ?, ?, 'press')",
                     [(n, lang, {"fr": "FR", "en": "GB", "de": "DE"}[lang]) for n, lang in SOURCES])
    conn.executemany("INSERT INTO entities (id, name, label, kb_id, norm) VALUES (?, ?, ?, ?, ?)",
                     [(i + 1, name, label, f"kb{i + 1}" if i < 5000 else None, normalise(name))
                      for i, (name, label, _) in enumerate(entities)])
    conn.executemany("INSERT OR IGNORE INTO aliases (alias_norm, entity_id, alias) VALUES (?, ?, ?)",
                     [(normalise(a), i + 1, a) for i, (_, _, al) in enumerate(entities) for a in al])
    conn.execute("COMMIT")
    names = [e[0] for e in entities]
    surface = [[e[0], *e[2]] for e in entities]
    labels = [e[1] for e in entities]

    ctx = {"surface": surface, "labels": labels, "names": names, "n_articles": n_articles, "days": days,
           "n_entities": n_entities, "mentions_per_article": mentions_per_article, "seed": seed}
    counts = {"articles": 0, "mentions": 0, "amounts": 0, "dates": 0}
    t_load = time.perf_counter()
    jobs = [(lo, min(lo + batch, n_articles)) for lo in range(0, n_articles, batch)]
    # one process draws the next batch while this one writes the last: the two cores both work
    with multiprocessing.get_context("fork").Pool(1, initializer=_init_worker, initargs=(ctx,)) as pool:
        for arts, ments, amts, dats in pool.imap(_make_batch, jobs):
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO articles (id, url, canonical_url, url_key, source, title, text, published, author, lang,"
                " content_hash, simhash, duplicate_of, status, fetched_at, enriched_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", arts)
            conn.executemany('INSERT INTO mentions (article_id, entity_id, text, label, start, "end", sentence)'
                             " VALUES (?,?,?,?,?,?,?)", ments)
            conn.executemany('INSERT INTO amounts (article_id, text, value, unit, kind, eur, start, "end", sentence)'
                             " VALUES (?,?,?,?,?,?,?,?,?)", amts)
            conn.executemany('INSERT INTO dates (article_id, text, value, precision, relative, start, "end")'
                             " VALUES (?,?,?,?,?,?,?)", dats)
            conn.execute("COMMIT")
            counts["articles"] += len(arts)
            counts["mentions"] += len(ments)
            counts["amounts"] += len(amts)
            counts["dates"] += len(dats)
            done = counts["articles"]
            print(f"{done}/{n_articles} articles, {time.perf_counter() - t_load:.0f}s", file=sys.stderr, flush=True)
    t_rows = time.perf_counter() - t_load
    t1 = time.perf_counter()
    conn.execute("BEGIN")
    for stmt in m2.BACKFILL.strip().split(";\n"):
        if stmt.strip():
            conn.execute(stmt)
    conn.execute("COMMIT")
    db.executescript(m2.TRIGGERS)
    t_rollup = time.perf_counter() - t1
    t2 = time.perf_counter()
    conn.execute("PRAGMA analysis_limit = 2000")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    t_analyze = time.perf_counter() - t2
    conn.close()
    total = time.perf_counter() - t0
    return {
        "benchmark": "db_synthetic", "path": path, "cores": os.cpu_count(), **counts,
        "entities": n_entities,
        "pairs_seconds": round(t_rollup, 1), "rows_seconds": round(t_rows, 1), "analyze_seconds": round(t_analyze, 1),
        "seconds": round(total, 1), "articles_per_s": round(counts["articles"] / t_rows),
        "db_bytes": os.path.getsize(path), "db_gib": round(os.path.getsize(path) / 2**30, 2),
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, default=1_000_000)
    p.add_argument("--entities", type=int, default=100_000)
    p.add_argument("--mentions", type=float, default=20.0, help="mentions per article (mean)")
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--out", default="/tmp/veille-synthetic.db")
    a = p.parse_args(argv)
    print(json.dumps(load(a.out, a.articles, a.entities, a.mentions, a.seed), indent=2))


if __name__ == "__main__":
    main()
