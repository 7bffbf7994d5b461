"""Escaping of crawled text for the Markdown and links that briefs and alerts send.

Titles, snippets and links come from web pages anyone can write: in Markdown they must stay
text (no raw HTML, no link, no emphasis they did not ask for), and a link must not run code.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit


def md_text(s: str | None) -> str:
    """`s` on one line, backslash-escaped so that no raw HTML, link or emphasis gets through."""
    s = " ".join((s or "").split())
    for ch in "\\<>[]*_`":
        s = s.replace(ch, "\\" + ch)
    return s.replace("|", "/")


def safe_url(url: str | None) -> str:
    """`url` when it is a web or mail link, else "#": a crawled `javascript:` link must not become clickable."""
    url = (url or "").strip()
    scheme = urlsplit(url).scheme.lower() if url else ""
    return url if scheme in ("http", "https", "mailto") else "#"


def web_url(url: str | None) -> str | None:
    """`url` when it is an http(s) link with a host, else None (an article link is nothing else)."""
    url = (url or "").strip()
    parts = urlsplit(url) if url else None
    return url if parts and parts.scheme.lower() in ("http", "https") and parts.netloc else None


def md_url(url: str | None) -> str:
    """`url` fit for the (...) of a Markdown link: spaces, parentheses and angle brackets quoted."""
    return quote(safe_url(url), safe=":/?#[]@!$&'*+,;=%~.-_")


def plain_line(s: str | None) -> str:
    """`s` on one line with angle brackets made harmless, for message titles (mail subjects,
    chat headings) that some channels render as Markdown or HTML and mail shows verbatim."""
    return " ".join((s or "").split()).replace("<", "‹").replace(">", "›")
