"""The one Atom 1.0 writer, for the feed of briefs and the feed of each alert subscription.

It knows entries, not briefs or alerts: callers build the `Entry` list (see
`digests.render.atom_entry` and `digests.alerts.messages.feed`). Text is escaped by the XML
writer, so a crawled title with markup stays text.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass
class Entry:
    id: str  # a stable URI: the same entry keeps its id across regenerations
    title: str
    updated: str  # RFC 3339
    summary: str  # plain text
    html: str | None = None  # full content, when the entry carries it (a brief)
    link: str | None = None
    author: str | None = None


def _q(tag: str) -> str:
    return f"{{{ATOM}}}{tag}"


def _add_entry(root: ET.Element, e: Entry) -> None:
    el = ET.SubElement(root, _q("entry"))
    ET.SubElement(el, _q("id")).text = e.id
    ET.SubElement(el, _q("title")).text = e.title
    if e.link:
        ET.SubElement(el, _q("link"), href=e.link)
    ET.SubElement(el, _q("updated")).text = e.updated
    if e.author:
        ET.SubElement(ET.SubElement(el, _q("author")), _q("name")).text = e.author
    ET.SubElement(el, _q("summary"), type="text").text = e.summary
    if e.html is not None:
        ET.SubElement(el, _q("content"), type="html").text = e.html


def feed(entries: list[Entry], *, lang: str | None = "fr", title: str | None = None, feed_id: str | None = None,
         self_url: str | None = None) -> str:
    """An Atom 1.0 document (text) of `entries`, in the order given (newest first).

    Without `feed_id` and `title` it is the feed of briefs in `lang`.
    """
    ET.register_namespace("", ATOM)
    root = ET.Element(_q("feed"), {XML_LANG: lang} if lang else {})
    ET.SubElement(root, _q("id")).text = feed_id or f"tag:veille,2025:briefs/{lang}"
    ET.SubElement(root, _q("title")).text = title or ("Veille — briefs hebdomadaires" if lang == "fr"
                                                      else "Tech watch — weekly briefs")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    ET.SubElement(root, _q("updated")).text = max((e.updated for e in entries), default=now)
    ET.SubElement(ET.SubElement(root, _q("author")), _q("name")).text = "veille"
    if self_url:
        ET.SubElement(root, _q("link"), {"rel": "self", "href": self_url})
    ET.SubElement(root, _q("generator")).text = "veille"
    for e in entries:
        _add_entry(root, e)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
