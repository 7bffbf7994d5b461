"""Run a Scrapy crawl of the watch list, in this process or in a child process.

Twisted's reactor cannot be restarted, so one process runs one crawl; callers that need
several (tests, `veille demo`, a long-running scheduler) use `crawl_in_subprocess`.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable


def run_crawl(
    db: str,
    sources: str | None = None,
    spider: str = "sources",
    settings: dict | None = None,
    since: str | None = None,
    only: str | None = None,
) -> dict:
    """Crawl with the real Scrapy engine in this process; returns Scrapy's stats."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    s = get_project_settings()
    s.set("VEILLE_DB", db, priority="cmdline")
    if sources:
        s.set("VEILLE_SOURCES", sources, priority="cmdline")
    for k, v in (settings or {}).items():
        s.set(k, v, priority="cmdline")
    process = CrawlerProcess(s, install_root_handler=True)
    crawler = process.create_crawler(spider)
    kwargs = {k: v for k, v in (("since", since), ("only", only)) if v}
    process.crawl(crawler, **kwargs)
    process.start()
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in crawler.stats.get_stats().items()}


def crawl_command(db: str, sources: str | None = None, spider: str = "sources", settings: dict | None = None,
                  since: str | None = None, stats_path: str | None = None, only: str | None = None) -> list[str]:
    """The command line that runs one crawl in a child process."""
    cmd = [sys.executable, "-m", "crawler.crawl", "--db", db, "--spider", spider]
    if stats_path:
        cmd += ["--stats", stats_path]
    if sources:
        cmd += ["--sources", sources]
    if since:
        cmd += ["--since", since]
    if only:
        cmd += ["--only", only]
    for k, v in (settings or {}).items():
        cmd += ["-s", f"{k}={v}"]
    return cmd


def crawl_in_subprocess(db: str, sources: str | None = None, spider: str = "sources",
                        settings: dict | None = None, since: str | None = None, timeout: float = 600,
                        log_file: str | None = None, on_progress: Callable[[dict], None] | None = None,
                        only: str | None = None) -> dict:
    """Run `run_crawl` in a fresh Python process; returns its stats. Raises on failure.

    `on_progress(counters)` is called about once a second with the child's live counters
    (sources, pages, articles, duplicates, known, errors).
    """
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as out:
        stats_path = out.name
    settings = dict(settings or {})
    progress_path = None
    if on_progress is not None:
        progress_path = stats_path[:-5] + ".progress.json"
        settings["VEILLE_PROGRESS"] = progress_path
    cmd = crawl_command(db, sources, spider, settings, since, stats_path, only)
    stderr = open(log_file, "w") if log_file else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + timeout
        while True:
            try:
                proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    raise subprocess.TimeoutExpired(cmd, timeout) from None
                if progress_path:
                    _report(progress_path, on_progress)
        if progress_path:
            _report(progress_path, on_progress)
    finally:
        if log_file:
            stderr.close()
        if progress_path and os.path.exists(progress_path):
            os.unlink(progress_path)
    try:
        with open(stats_path) as fh:
            stats = json.load(fh)
    except (OSError, ValueError):
        stats = {}
    finally:
        os.unlink(stats_path)
    if proc.returncode != 0:
        raise RuntimeError(f"crawl failed (exit {proc.returncode}); see {log_file or 'the log'}")
    return stats


def _report(path: str, on_progress: Callable[[dict], None]) -> None:
    try:
        with open(path) as fh:
            on_progress(json.load(fh))
    except (OSError, ValueError):
        pass  # not written yet


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Run one veille crawl (used by `veille crawl` and tests).")
    p.add_argument("--db", required=True)
    p.add_argument("--sources")
    p.add_argument("--spider", default="sources")
    p.add_argument("--since")
    p.add_argument("--only")
    p.add_argument("--stats")
    p.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = p.parse_args(argv)
    settings = dict(kv.split("=", 1) for kv in args.settings)
    stats = run_crawl(args.db, args.sources, args.spider, settings, args.since, args.only)
    if args.stats:
        with open(args.stats, "w") as fh:
            json.dump(stats, fh, default=str)
    logging.getLogger(__name__).info("crawl finished: %s", stats.get("finish_reason"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
