"""Article extraction from HTML with trafilatura: main text and metadata, or None for non-articles.

A page that fails returns None with a logged reason: one bad page never stops a batch.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 200  # shorter extractions are listings, error pages or paywalls, not articles
META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.IGNORECASE)


@dataclass
class Extracted:
    text: str
    title: str | None
    published: str | None  # YYYY-MM-DD
    author: str | None
    lang: str | None  # as the page declares it (<html lang>), not detected


def decode_html(body: bytes, declared: str | None = None) -> str:
    """Text of an HTML page: the declared or <meta> charset, else UTF-8, else cp1252 (never fails)."""
    candidates = []
    if declared:
        candidates.append(declared)
    m = META_CHARSET.search(body[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "ignore"))
    candidates += ["utf-8", "cp1252"]
    for enc in candidates:
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def extract_article(html: str, url: str | None = None, *, min_chars: int = MIN_TEXT_CHARS) -> Extracted | None:
    """The article in `html`, or None when the page holds no article text."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            include_comments=False,  # comments are readers' words, not the article's
            include_tables=True,
            with_metadata=True,
            deduplicate=False,
            # htmldate's extensive search scans the whole page for date-like strings: 1.5x the cost
            # of extraction for the rare page without date metadata (the feed's date covers those).
            # Measured on the shared corpus: identical text F1 on every set, 17 -> 27 pages/s.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as exc:  # trafilatura raises many kinds on hostile markup
        log.warning("extraction failed for %s: %s", url or "<html>", exc)
        return None
    if doc is None:
        return None
    text = (doc.text or "").strip()
    if len(text) < min_chars:
        log.info("no article text in %s (%d chars)", url or "<html>", len(text))
        return None
    lang = doc.language
    if not lang:
        m = re.search(r"<html[^>]*\blang=[\"']?([a-zA-Z]{2})", html[:2000])
        lang = m.group(1).lower() if m else None
    return Extracted(
        text=text,
        title=(doc.title or None),
        published=(doc.date or None),
        author=(doc.author or None),
        lang=lang,
    )
