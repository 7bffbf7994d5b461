"""One poll round's crawl, in a child process the watch loop can look at and stop.

Twisted's reactor cannot be restarted, so each round is a new crawl process (`crawler.crawl`'s
`main`, forked by `crawler.launch`) over a sources file of just the due sources.
Unlike `crawl_in_subprocess`, starting it does not block: the watch process analyses what the
child stores while it runs. The child gets its own session, so a Ctrl-C at the terminal reaches
only the watch process, which decides how the child stops.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import tempfile
import time
from pathlib import Path

from crawler import launch
from crawler.crawl import crawl_args
from crawler.sources import Source

log = logging.getLogger(__name__)

STOP_GRACE = 10.0  # seconds a stopping crawl may take to store what it fetched before it is killed


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def write_sources(sources: list[Source], path: str | Path) -> str:
    """A sources.toml holding exactly `sources` (what one round polls)."""
    lines = []
    for s in sources:
        lines.append("[[source]]")
        for name in ("name", "homepage", "lang", "country", "kind", "feeds", "sitemaps", "follow", "allow", "deny",
                     "max_depth"):
            lines.append(f"{name} = {_toml_value(getattr(s, name))}")
        lines.append("")
    Path(path).write_text("\n".join(lines), "utf-8")
    return str(path)


class CrawlChild:
    """A running crawl of `sources` into `db`; `poll()` until done, `stop()` to end it early."""

    def __init__(self, db: str, sources: list[Source], *, spider: str = "sources", settings: dict | None = None,
                 since: str | None = None, log_file: str | None = None):
        self._dir = tempfile.TemporaryDirectory(prefix="veille-watch-")
        self.stats_path = os.path.join(self._dir.name, "stats.json")
        sources_path = write_sources(sources, os.path.join(self._dir.name, "sources.toml"))
        args = crawl_args(db, sources_path, spider, dict(settings or {}), since, self.stats_path)
        self.log_file = log_file
        if log_file:
            open(log_file, "w").close()  # one round's log: the child appends to an empty file
        self.proc = launch.start("crawler.crawl", args, stderr=log_file or launch.DISCARD, new_session=True)
        self.started = time.monotonic()
        self.stopping_since: float | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> int | None:
        """The exit status once the crawl ended, else None; a stopping crawl past its grace is killed."""
        code = self.proc.poll()
        if code is None and self.stopping_since is not None and time.monotonic() - self.stopping_since > STOP_GRACE:
            log.warning("crawl %d still running %.0f s after SIGTERM: killed (what it had not stored is "
                        "fetched again next time)", self.pid, STOP_GRACE)
            self.proc.kill()
            code = self.proc.wait()
        return code

    def stop(self) -> None:
        """Ask the crawl to end: Scrapy closes gracefully on SIGTERM, storing what it extracted.

        The feed validators are saved only by a crawl that finished, so the next poll lists
        those feeds again and fetches whatever this crawl had not reached.
        """
        if self.stopping_since is None and self.proc.poll() is None:
            self.stopping_since = time.monotonic()
            self.proc.send_signal(signal.SIGTERM)

    def timed_out(self, timeout: float) -> bool:
        return time.monotonic() - self.started > timeout

    def result(self) -> dict:
        """Scrapy's stats (empty if the child died before writing them); closes the child's files."""
        self.proc.wait()
        try:
            with open(self.stats_path) as fh:
                stats = json.load(fh)
        except (OSError, ValueError):
            stats = {}
        self._dir.cleanup()
        return stats
