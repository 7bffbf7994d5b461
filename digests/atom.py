"""An Atom feed of briefs: one entry per brief, the full HTML brief as its content."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone

ATOM = "http://www.w3.org/2005/Atom"


@dataclass
class Entry:
    id: str
    title: str
    updated: str  # RFC 3339
    summary: str
    html: str


def entry_for(digest, html: str, updated: str | None = None) -> Entry:
    """The feed entry of one brief: its stories' titles as summary, the HTML brief as content."""
    from digests.render import title_of

    return Entry(
        id=f"tag:veille,{digest.start}:brief/{digest.lang}/{digest.week}",
        title=title_of(digest),
        updated=updated or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        summary=" · ".join(s.title for s in digest.stories[:5]),
        html=html,
    )


def feed(entries: list[Entry], *, lang: str = "fr", title: str | None = None, self_url: str | None = None) -> str:
    """An Atom 1.0 document of `entries`, newest first; text is escaped by the XML writer."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    ET.SubElement(root, f"{{{ATOM}}}id").text = f"tag:veille,2025:briefs/{lang}"
    ET.SubElement(root, f"{{{ATOM}}}title").text = title or ("Veille — briefs hebdomadaires" if lang == "fr"
                                                             else "Tech watch — weekly briefs")
    ET.SubElement(root, f"{{{ATOM}}}updated").text = max((e.updated for e in entries),
                                                          default=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    ET.SubElement(ET.SubElement(root, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = "veille"
    if self_url:
        ET.SubElement(root, f"{{{ATOM}}}link", {"rel": "self", "href": self_url})
    for e in entries:
        el = ET.SubElement(root, f"{{{ATOM}}}entry")
        ET.SubElement(el, f"{{{ATOM}}}id").text = e.id
        ET.SubElement(el, f"{{{ATOM}}}title").text = e.title
        ET.SubElement(el, f"{{{ATOM}}}updated").text = e.updated
        ET.SubElement(el, f"{{{ATOM}}}summary").text = e.summary
        ET.SubElement(el, f"{{{ATOM}}}content", {"type": "html"}).text = e.html
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
