"""What one crawl process costs before and after `crawler.launch`: a fresh interpreter per crawl
(`python -m crawler.crawl`, the way before) against crawls forked from the launch server.

Each crawl reads one feed and stores its one article from a site served on 127.0.0.1, so the
figures are nearly all start-up: imports, Scrapy's engine, the pipelines. Wall seconds per crawl
(median of `--crawls`) and CPU seconds per crawl (the children's user + system time; for the
launch server, its own preload counted once and shown apart). Both ways run in this process,
one after the other. Prints JSON with the core count and the ratios.

    python benchmarks/crawl_start.py [--crawls 5]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.crawl_throughput import serve  # noqa: E402 (after the path it needs)

SETTINGS = {"VEILLE_ONLY_LOOPBACK": "True", "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
            "LOG_LEVEL": "WARNING"}
ARTICLE = ("<html lang='fr'><head><title>Bpifrance ouvre un appel à projets</title></head><body><article>"
           "<h1>Bpifrance ouvre un appel à projets</h1>"
           + "".join(f"<p>La banque publique soutient les jeunes entreprises de l'intelligence artificielle, "
                     f"paragraphe {i} de ce texte écrit pour le banc d'essai.</p>" for i in range(6))
           + "</article></body></html>")


def _site_files(base: str) -> dict[str, tuple[bytes, str]]:
    feed = (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Banc</title><link>{base}/</link>"
            f"<item><title>Bpifrance ouvre un appel à projets</title><link>{base}/article.html</link>"
            f"<pubDate>Tue, 01 Dec 2026 08:00:00 +0000</pubDate></item></channel></rss>")
    return {"/feed.xml": (feed.encode("utf-8"), "application/rss+xml"),
            "/article.html": (ARTICLE.encode("utf-8"), "text/html; charset=utf-8")}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--crawls", type=int, default=5)
    args = p.parse_args()
    import psutil

    from crawler.crawl import crawl_command, crawl_in_subprocess

    files: dict[str, tuple[bytes, str]] = {}
    with serve("127.0.0.1", files) as base, tempfile.TemporaryDirectory() as work:
        files.update(_site_files(base))  # the feed links to the base URL, known once it listens
        sources = Path(work, "sources.toml")
        sources.write_text(f'[[source]]\nname = "Banc"\nhomepage = "{base}/"\nlang = "fr"\n'
                           f'feeds = ["{base}/feed.xml"]\nsitemaps = []\n', "utf-8")
        fresh_wall, fresh_cpu = [], []
        for i in range(args.crawls):
            cpu0, t0 = _children_cpu(), time.perf_counter()
            subprocess.run(crawl_command(str(Path(work, f"fresh{i}.db")), str(sources), settings=SETTINGS),
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            fresh_wall.append(time.perf_counter() - t0)
            fresh_cpu.append(_children_cpu() - cpu0)
        forked_wall = []
        for i in range(args.crawls):
            t0 = time.perf_counter()
            stats = crawl_in_subprocess(str(Path(work, f"forked{i}.db")), str(sources), settings=SETTINGS, timeout=120)
            assert stats.get("item_scraped_count") == 1, stats
            forked_wall.append(time.perf_counter() - t0)
        launch_servers = [c for c in psutil.Process().children() if "crawler.launch" in " ".join(c.cmdline())]
        times = launch_servers[0].cpu_times()
    preload = times.user + times.system
    forked_cpu = (times.children_user + times.children_system) / args.crawls
    fresh = {"wall": statistics.median(fresh_wall), "cpu": statistics.median(fresh_cpu)}
    forked = {"wall": statistics.median(forked_wall[1:] or forked_wall), "cpu": forked_cpu}
    print(json.dumps({
        "cores": os.cpu_count(), "crawls": args.crawls,
        "fresh_interpreter_seconds_per_crawl": {k: round(v, 3) for k, v in fresh.items()},
        "forked_seconds_per_crawl": {k: round(v, 3) for k, v in forked.items()},
        "first_forked_crawl_wall_seconds": round(forked_wall[0], 3),  # the server starts and preloads
        "launch_server_preload_cpu_seconds": round(preload, 3),
        "runs": {"fresh_wall": [round(x, 3) for x in fresh_wall], "forked_wall": [round(x, 3) for x in forked_wall]},
        "ratios": {"wall": round(fresh["wall"] / forked["wall"], 2), "cpu": round(fresh["cpu"] / forked["cpu"], 2)},
    }, indent=2))


if __name__ == "__main__":
    main()
