"""Many-site throughput: a watch list of many small sites, crawled, analysed and stored.

Builds SITES loopback sites (one address each, 127.0.0.2...) of 2-10 articles: the corpus
pages of ../shared/corpus/extraction (read at run time, never copied), then templated French
articles once the corpus is used up. Each site has a robots.txt, an RSS feed (half its
articles) and a news sitemap (the other half); some are slow (every page delayed), some fail
(feed and sitemap answer 503, or article pages 500, or nothing listens). Then, in one run:

1. `extraction_baseline`: `build_article` over the same pages, one process;
2. `crawl`: `veille crawl --no-enrich` alone: fetch-window pages/s (first to last request the
   servers saw) and Scrapy's start-to-finish;
3. `enrich`: enrichment alone on that database, models loaded first (timed apart);
4. `watch`: `veille watch --rounds 1` on a fresh database: the crawl in its child process while
   the watch process analyses what it stores; crawl + analysis + store articles/s over the
   round, against the slower of stages 2 and 3 alone.

Politeness delays are off (loopback). Prints JSON with `os.cpu_count()` and peak memory.

    python benchmarks/many_sites.py [--sites 60] [--processes 2] [--seed 4]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.crawl_throughput import extraction_baseline, load_pages
from tests.watch_sites import varied_text

CRAWL = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "VEILLE_ONLY_LOOPBACK=True",
         "-s", "CONCURRENT_REQUESTS=32", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "RETRY_BACKOFF_BASE=0.5"]
REQUESTS: list[float] = []  # time.time() of every request any site answered
LOCK = threading.Lock()


def templated(seed: int) -> bytes:
    title = f"Chronique régionale numéro {seed}"
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f"<nav>Accueil</nav><article><h1>{title}</h1>{varied_text(seed, sentences=14)}</article>"
            "<footer>Mentions légales</footer></body></html>").encode()


def plan(n_sites: int, corpus: list[tuple[str, bytes]], rng: random.Random) -> list[dict]:
    """Each site: its pages [(slug, body)], and whether it is slow or failing (and how)."""
    pages = list(corpus)
    sites = []
    for i in range(n_sites):
        size = rng.choice([2, 2, 3, 3, 4, 5, 6, 8, 10])
        own = [(f"c{j}", pages.pop(0)[1]) if pages else (f"t{j}", templated(i * 100 + j)) for j in range(size)]
        fault = {3: "feeds_503", 17: "feeds_503", 29: "articles_500", 41: "articles_500", 53: "dead"}.get(i)
        sites.append({"name": f"Site {i + 1:02d}", "host": f"127.0.0.{i + 2}", "pages": own,
                      "delay": 0.3 if i % 10 == 7 else 0.0, "fault": fault})
    return sites


def files_of(site: dict, base: str) -> dict[str, tuple[int, bytes, str]]:
    pages, fault = site["pages"], site["fault"]
    half = len(pages) // 2
    day = "Mon, 30 Nov 2026 08:00:00 +0000"
    items = "".join(f"<item><title>{slug}</title><link>{base}/{slug}.html</link><pubDate>{day}</pubDate></item>"
                    for slug, _ in pages[:half])
    urls = "".join(f"<url><loc>{base}/{slug}.html</loc><lastmod>2026-11-30</lastmod></url>" for slug, _ in pages[half:])
    entry = 503 if fault == "feeds_503" else 200
    out = {"/robots.txt": (200, b"User-agent: *\nAllow: /\n", "text/plain"),
           "/feed.xml": (entry, f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}'
                                f"</channel></rss>".encode(), "application/rss+xml"),
           "/sitemap.xml": (entry, f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
                                   .encode(), "application/xml")}
    for k, (slug, body) in enumerate(pages):
        broken = fault == "articles_500" and k % 2 == 0
        out[f"/{slug}.html"] = (500, b"error", "text/plain") if broken else (200, body, "text/html")
    return out


@contextmanager
def serve(site: dict):
    files: dict = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            with LOCK:
                REQUESTS.append(time.time())
            status, body, ctype = files.get(self.path.split("?")[0], (404, b"not found", "text/plain"))
            if site["delay"] and self.path.endswith(".html"):
                time.sleep(site["delay"])
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    if site["fault"] == "dead":  # a bound socket that never listens: connections refused
        with socket.socket() as s:
            s.bind((site["host"], 0))
            yield f"http://{site['host']}:{s.getsockname()[1]}"
        return
    server = ThreadingHTTPServer((site["host"], 0), Handler)
    server.daemon_threads = True
    base = f"http://{site['host']}:{server.server_address[1]}"
    files.update(files_of(site, base))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def window() -> dict:
    """Requests the servers answered since the last call, and the span from first to last."""
    with LOCK:
        times = sorted(REQUESTS)
        REQUESTS.clear()
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return {"requests": len(times), "fetch_window_s": round(span, 2),
            "fetch_window_pages_per_s": round(len(times) / span, 1) if span else None}


def run(cmd: list[str]) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:5])} failed: {out.stderr[-3000:]}")
    return out, time.perf_counter() - t0


def crawl_alone(sources: str, db: str) -> dict:
    out, wall = run([sys.executable, "-m", "crawler.cli", "crawl", "--db", db, "--sources", sources, "--no-enrich",
                     "--json", *CRAWL])
    stats = json.loads(out.stdout)["stats"]
    seconds = (datetime.fromisoformat(stats["finish_time"]) - datetime.fromisoformat(stats["start_time"])).total_seconds()
    stored = stats.get("veille/articles_stored", 0)
    return {**window(), "pages": stats.get("response_received_count", 0), "articles_stored": stored,
            "errors": stats.get("veille/errors", 0), "scrapy_seconds": round(seconds, 2),
            "wall_seconds": round(wall, 2), "articles_per_s_wall": round(stored / wall, 2),
            "peak_rss_mb_crawler": round(stats.get("memusage/max", 0) / 2**20, 1)}


def enrich_alone(db: str, processes: int) -> dict:
    """Enrichment of everything the crawl stored, in this process, with the models loaded first."""
    from crawler.commands.run import enrich_options
    from crawler.config import load_config
    from crawler.cycle import Models, enrich_and_queue
    from db.store import Store

    options = enrich_options(load_config(None), processes)
    with Store(db) as store:
        t0 = time.perf_counter()
        models = Models(store, options, processes=processes, langs={"fr", "en", "de"})
        loaded = time.perf_counter() - t0
        try:
            t1 = time.perf_counter()
            report, _ = enrich_and_queue(store, options, [], models=models)
            seconds = time.perf_counter() - t1
        finally:
            models.close()
    return {"analysed": report.analysed, "model_load_s": round(loaded, 1), "seconds": round(seconds, 2),
            "articles_per_s": round(report.analysed / seconds, 2)}


def watch_round(sources: str, db: str, processes: int) -> dict:
    _, wall = run([sys.executable, "-m", "crawler.cli", "watch", "--db", db, "--sources", sources, "--rounds", "1",
                     "--every", "1h", "--processes", str(processes), *CRAWL])
    last = json.loads(Path(db).with_name(Path(db).stem + ".watch.json").read_text("utf-8"))["last_round"]
    return {**window(), "stored": last["stored"], "analysed": last["analysed"], "round_seconds": last["seconds"],
            "crawl_seconds_in_round": last["crawl_seconds"], "analysed_during_crawl": last["analysed_during_crawl"],
            "wall_seconds_with_model_load": round(wall, 1),
            "articles_per_s_round": round(last["analysed"] / last["seconds"], 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "extraction"))
    ap.add_argument("--sites", type=int, default=60)
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 2, help="analysis processes")
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)
    sites = plan(args.sites, load_pages(Path(args.corpus)), random.Random(args.seed))
    pages = [(slug, body) for s in sites for slug, body in s["pages"]]
    baseline = extraction_baseline(pages)
    work = Path(tempfile.mkdtemp(prefix="veille-many-"))
    with ExitStack() as stack:
        lines = []
        for site in sites:
            base = stack.enter_context(serve(site))
            lines += ["[[source]]", f'name = "{site["name"]}"', f'homepage = "{base}/"', 'lang = "fr"',
                      f'feeds = ["{base}/feed.xml"]', f'sitemaps = ["{base}/sitemap.xml"]', ""]
        sources = work / "sources.toml"
        sources.write_text("\n".join(lines), "utf-8")
        window()
        crawled = crawl_alone(str(sources), str(work / "crawl.db"))
        shutil.copy(work / "crawl.db", work / "enrich.db")
        enriched = enrich_alone(str(work / "enrich.db"), args.processes)
        watched = watch_round(str(sources), str(work / "watch.db"), args.processes)
    cores = os.cpu_count() or 1
    slower = min(crawled["articles_per_s_wall"], enriched["articles_per_s"])
    print(json.dumps({
        "benchmark": "many_sites", "cores": cores, "sites": args.sites,
        "slow_sites": sum(bool(s["delay"]) for s in sites), "failing_sites": sum(bool(s["fault"]) for s in sites),
        "article_pages": len(pages), "corpus_pages": sum(slug.startswith("c") for slug, _ in pages),
        "extraction_baseline_pages_per_s": round(baseline, 1),
        "crawl": crawled,
        "fetch_window_vs_one_process_extraction": round((crawled["fetch_window_pages_per_s"] or 0) / baseline, 2),
        "fetch_window_vs_all_cores_extraction": round((crawled["fetch_window_pages_per_s"] or 0) / (baseline * cores), 2),
        "enrich": enriched, "watch": watched,
        "end_to_end_vs_slower_stage": round(watched["articles_per_s_round"] / slower, 2),
        "peak_rss_mb_any_child": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "peak_rss_mb_benchmark_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
