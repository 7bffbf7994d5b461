"""The live progress line of `veille crawl`: sources, pages, articles, errors, on stderr."""
from __future__ import annotations

import sys


class CrawlProgress:
    """A tqdm bar over pages fetched, its postfix showing the other counters; silent when not a TTY."""

    def __init__(self, file=None):
        self.file = file or sys.stderr
        self.bar = None

    def __enter__(self):
        from tqdm import tqdm

        self.bar = tqdm(total=None, desc="crawl", unit="page", disable=None, file=self.file, leave=False)
        return self

    def update(self, counters: dict) -> None:
        """Show the child crawl's latest counters (the dict written by crawler.extensions.ProgressFile)."""
        if self.bar is None or self.bar.disable:
            return
        pages = int(counters.get("pages", 0))
        self.bar.update(max(0, pages - self.bar.n))
        self.bar.set_postfix(
            sources=counters.get("sources", 0),
            articles=counters.get("articles", 0),
            dups=counters.get("duplicates", 0),
            errors=counters.get("errors", 0),
            refresh=True,
        )

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
        return False
