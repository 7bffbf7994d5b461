"""Crawl throughput: the corpus pages served as several sites on loopback, crawled by `veille crawl`.

Reads ../shared/corpus/extraction at run time (never copied), serves its pages as SITES sites on
127.0.0.2, 127.0.0.3, ... each with an RSS feed (half its pages), a news sitemap (the other
half) and a robots.txt; runs `veille crawl --no-enrich` with politeness delays off, once with
extraction in threads and once in worker processes. Reports pages per second fetched,
extracted and stored (crawl start to finish, from Scrapy's stats), peak memory, and the ratio
to plain single-process extraction of the same pages measured in the same run. Prints JSON.

    python benchmarks/crawl_throughput.py [--sites 4] [--processes 2] [--modes=-1,0]

--modes lists VEILLE_EXTRACT_PROCESSES values, one crawl each: -1 is `veille crawl`'s default
(processes once the crawl passes 32 pages), 0 one extraction thread, N that many processes.
--serve SECONDS only serves the sites (for profiling a crawl by hand).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
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


def load_pages(corpus: Path) -> list[tuple[str, bytes]]:
    """(id, raw bytes) of every corpus page."""
    out = []
    for gt in sorted(corpus.glob("*/ground_truth.jsonl")):
        for line in gt.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append((row["id"], gzip.decompress((gt.parent / row["html_path"]).read_bytes())))
    return out


@contextmanager
def serve(host: str, files: dict[str, tuple[bytes, str]]):
    """Serve {path: (body, content type)} on host:0; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            found = files.get(self.path.split("?")[0])
            body, ctype = found or (b"not found", "text/plain")
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def site_files(base: str, pages: list[tuple[str, bytes]]) -> dict[str, tuple[bytes, str]]:
    files = {f"/articles/{pid}.html": (raw, "text/html") for pid, raw in pages}
    half = len(pages) // 2
    items = "".join(f"<item><title>{pid}</title><link>{base}/articles/{pid}.html</link>"
                    "<pubDate>Wed, 16 Jul 2025 08:00:00 +0000</pubDate></item>" for pid, _ in pages[:half])
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    files["/feed.xml"] = (feed.encode(), "application/rss+xml")
    urls = "".join(f"<url><loc>{base}/articles/{pid}.html</loc><lastmod>2025-07-16</lastmod></url>"
                   for pid, _ in pages[half:])
    sitemap = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    files["/sitemap-news.xml"] = (sitemap.encode(), "application/xml")
    files["/robots.txt"] = (b"User-agent: *\nAllow: /\n", "text/plain")
    return files


def extraction_baseline(pages: list[tuple[str, bytes]]) -> float:
    """Pages per second of `build_article` alone, one process (the crawl's extraction step)."""
    from crawler.items import PageItem
    from crawler.pipelines import build_article

    items = [PageItem(url=f"http://x.test/{pid}.html", source="s", body=raw) for pid, raw in pages]
    build_article(items[0])  # warm-up
    t0 = time.perf_counter()
    for it in items:
        build_article(it)
    return len(items) / (time.perf_counter() - t0)


def crawl(sources: str, db: str, processes: int) -> dict:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", "--db", db, "--sources", sources, "--no-enrich", "--json",
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "VEILLE_ONLY_LOOPBACK=True",
           "-s", "CONCURRENT_REQUESTS=32", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
           "-s", f"VEILLE_EXTRACT_PROCESSES={processes}", "-s", "LOG_LEVEL=INFO"]
    if processes > 0:  # a mode N measures N processes from the first page, as it always has
        cmd += ["-s", "VEILLE_EXTRACT_POOL_AFTER=0"]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"crawl failed: {out.stderr[-2000:]}")
    stats = json.loads(out.stdout)["stats"]
    start = datetime.fromisoformat(stats["start_time"])
    finish = datetime.fromisoformat(stats["finish_time"])
    seconds = (finish - start).total_seconds()
    stored = stats.get("veille/articles_stored", 0)
    pages = stats.get("response_received_count", 0)
    return {
        "extract_processes": processes,
        "pages_fetched": pages,
        "articles_stored": stored,
        "pages_without_article": stats.get("veille/pages_without_article", 0),
        "errors": stats.get("veille/errors", 0),
        "crawl_seconds": round(seconds, 2),
        "wall_seconds_with_startup": round(wall, 2),
        "pages_per_s": round(pages / seconds, 1),
        "articles_stored_per_s": round(stored / seconds, 1),
        "peak_rss_mb_crawler": round(stats.get("memusage/max", 0) / 2**20, 1),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "extraction"))
    ap.add_argument("--sites", type=int, default=4)
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--modes", help="comma-separated VEILLE_EXTRACT_PROCESSES values to run (default: 0,PROCESSES)")
    ap.add_argument("--serve", type=float, default=0,
                    help="only serve the sites for this many seconds (prints the sources file): for profiling")
    args = ap.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)
    pages = load_pages(Path(args.corpus))
    if not pages:
        print(json.dumps({"error": f"no pages under {args.corpus}"}))
        return 1
    baseline = 0.0 if args.serve else extraction_baseline(pages)
    work = Path(tempfile.mkdtemp(prefix="veille-bench-"))
    runs = []
    with ExitStack() as stack:
        groups = [pages[i :: args.sites] for i in range(args.sites)]
        lines = []
        for i, group in enumerate(groups):
            host = f"127.0.0.{i + 2}"  # one loopback address per site: separate download slots
            files: dict = {}
            base = stack.enter_context(serve(host, files))
            files.update(site_files(base, group))
            lines += ["[[source]]", f'name = "Site {i + 1}"', f'homepage = "{base}/"', 'lang = "en"',
                      f'feeds = ["{base}/feed.xml"]', f'sitemaps = ["{base}/sitemap-news.xml"]', ""]
        sources = work / "sources.toml"
        sources.write_text("\n".join(lines), "utf-8")
        if args.serve:
            print(sources, flush=True)
            time.sleep(args.serve)
            return 0
        modes = [int(m) for m in args.modes.split(",")] if args.modes else [0, args.processes]
        for processes in modes:
            runs.append(crawl(str(sources), str(work / f"p{processes}.db"), processes))
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    best = max(runs, key=lambda r: r["articles_stored_per_s"])
    print(json.dumps({
        "benchmark": "crawl_throughput",
        "cores": os.cpu_count(),
        "sites": args.sites,
        "pages_served": len(pages),
        "corpus_mb": round(sum(len(raw) for _, raw in pages) / 2**20, 1),
        "baseline_extraction_pages_per_s": round(baseline, 1),
        "runs": runs,
        "best_pages_per_s": best["pages_per_s"],
        "best_vs_extraction_baseline": round(best["articles_stored_per_s"] / baseline, 2),
        "peak_rss_mb_any_child": round(peak_children, 1),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
