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
from datetime import UTC, datetime

from crawler import launch
from nlp.errors import VeilleError

LOG_ROTATE_BYTES = 10 * 1024 * 1024  # past this, <db>.crawl.log moves to <db>.crawl.log.1 (one kept)
SOURCE_ERROR_EXIT = 3  # the child's exit status when the sources file is unusable


class CrawlError(VeilleError, RuntimeError):
    """The crawl child failed. (A RuntimeError too, for callers written before VeilleError.)"""


class CrawlTimeout(CrawlError):
    """The crawl ran past its time limit and was stopped."""


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

    from crawler.sources import load_sources

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    s = get_project_settings()
    s.set("VEILLE_DB", db, priority="cmdline")
    if sources:
        s.set("VEILLE_SOURCES", sources, priority="cmdline")
    for k, v in (settings or {}).items():
        s.set(k, v, priority="cmdline")
    # read here, not only in the spider: an error raised inside Scrapy's start() is logged and
    # the crawl "finishes" with 0 sources and exit 0, which a cron job cannot tell from success
    load_sources(s.get("VEILLE_SOURCES"))
    process = CrawlerProcess(s, install_root_handler=True)
    crawler = process.create_crawler(spider)
    kwargs = {k: v for k, v in (("since", since), ("only", only)) if v}
    process.crawl(crawler, **kwargs)
    process.start()
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in crawler.stats.get_stats().items()}


def crawl_args(db: str, sources: str | None = None, spider: str = "sources", settings: dict | None = None,
               since: str | None = None, stats_path: str | None = None, only: str | None = None) -> list[str]:
    """The arguments of `main` (and of `python -m crawler.crawl`) for one crawl."""
    args = ["--db", db, "--spider", spider]
    if stats_path:
        args += ["--stats", stats_path]
    if sources:
        args += ["--sources", sources]
    if since:
        args += ["--since", since]
    if only:
        args += ["--only", only]
    for k, v in (settings or {}).items():
        args += ["-s", f"{k}={v}"]
    return args


def crawl_command(*args, **kwargs) -> list[str]:
    """The command line that runs one crawl in a fresh interpreter (the arguments of `crawl_args`)."""
    return [sys.executable, "-m", "crawler.crawl", *crawl_args(*args, **kwargs)]


def start_log(log_file: str, args: list[str], rotate_bytes: int = LOG_ROTATE_BYTES) -> None:
    """Append a header line naming this run to `log_file`, where the crawl then appends its log.

    Appending keeps the log of the previous runs (a cron job's failure is read after the next
    run started); past `rotate_bytes` the old log moves to `<log>.1`, so it never grows unbounded.
    """
    try:
        if os.path.getsize(log_file) > rotate_bytes:
            os.replace(log_file, log_file + ".1")
    except FileNotFoundError:
        pass
    when = datetime.now(UTC).isoformat(timespec="seconds")
    with open(log_file, "a", encoding="utf-8") as fh:
        fh.write(f"\n===== veille crawl {when} pid {os.getpid()}: -m crawler.crawl {' '.join(args)}\n")


def crawl_in_subprocess(db: str, sources: str | None = None, spider: str = "sources",
                        settings: dict | None = None, since: str | None = None, timeout: float = 600,
                        log_file: str | None = None, on_progress: Callable[[dict], None] | None = None,
                        only: str | None = None) -> dict:
    """Run `run_crawl` in a process of its own (`crawler.launch`); returns its stats.

    Raises SourceError (before starting anything) when the sources file is unusable,
    CrawlTimeout past `timeout` seconds, CrawlError when the child fails.
    `on_progress(counters)` is called about once a second with the child's live counters
    (sources, pages, articles, duplicates, known, errors).
    """
    from crawler.sources import load_sources

    settings = dict(settings or {})
    load_sources(sources or settings.get("VEILLE_SOURCES"))  # a broken file fails here, in one line
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as out:
        stats_path = out.name
    progress_path = None
    if on_progress is not None:
        progress_path = stats_path[:-5] + ".progress.json"
        settings["VEILLE_PROGRESS"] = progress_path
    args = crawl_args(db, sources, spider, settings, since, stats_path, only)
    if log_file:
        start_log(log_file, args)
    try:
        try:
            proc = launch.start("crawler.crawl", args, stderr=log_file or launch.DISCARD)
        except OSError as exc:
            raise CrawlError(f"could not start the crawl: {exc}") from exc
        _wait(proc, timeout, progress_path, on_progress, log_file)
    finally:
        if progress_path and os.path.exists(progress_path):
            os.unlink(progress_path)
    try:
        with open(stats_path) as fh:
            stats = json.load(fh)
    except (OSError, ValueError):
        stats = {}
    finally:
        os.unlink(stats_path)
    if proc.returncode == SOURCE_ERROR_EXIT:
        raise CrawlError(f"crawl refused its sources file; see {log_file or 'the log'}")
    if proc.returncode != 0:
        raise CrawlError(f"crawl failed (exit {proc.returncode}); see {log_file or 'the log'}")
    return stats


def _wait(proc, timeout: float, progress_path: str | None, on_progress, log_file: str | None) -> None:
    """Wait for the crawl child, reporting progress; kill it and raise CrawlTimeout past `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            proc.wait(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise CrawlTimeout(
                    f"crawl stopped after its time limit of {_duration(timeout)}; the articles stored so far"
                    f" are kept and the next crawl resumes from there (log: {log_file or 'none'})"
                ) from None
            if progress_path:
                _report(progress_path, on_progress)
    if progress_path:
        _report(progress_path, on_progress)


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    return f"{seconds:g} s"


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
    from crawler.sources import SourceError

    try:
        stats = run_crawl(args.db, args.sources, args.spider, settings, args.since, args.only)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return SOURCE_ERROR_EXIT
    if args.stats:
        with open(args.stats, "w") as fh:
            json.dump(stats, fh, default=str)
    logging.getLogger(__name__).info("crawl finished: %s", stats.get("finish_reason"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
