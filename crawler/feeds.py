"""Parsers for feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed) and sitemaps (news, index).

Pure functions over bytes, so they are tested without a crawl. Malformed XML is parsed in
recovery mode: a truncated feed still yields the entries before the break.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from nlp.errors import VeilleError


class FeedError(VeilleError, ValueError):
    """The bytes are not a feed or sitemap we can read."""


class FeedRefused(FeedError):
    """A feed or sitemap refused unread, for what it could do to the reader."""


@dataclass(frozen=True)
class Entry:
    url: str
    title: str | None = None
    published: str | None = None  # ISO 8601 date-time when the feed gives one
    author: str | None = None
    lang: str | None = None  # as the feed declares it (<language>, xml:lang, news:language): a prior


@dataclass(frozen=True)
class Sitemap:
    entries: list[Entry]
    children: list[Entry]  # sub-sitemaps of a sitemap index (published = lastmod)


_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _local(tag) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _text(el) -> str | None:
    if el is None:
        return None
    text = "".join(el.itertext()).strip()
    return text or None


def parse_date(value: str | None) -> str | None:
    """ISO 8601 from an RFC 822 or ISO date; None when unreadable or impossible."""
    if not value:
        return None
    value = value.strip()
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    if not 1990 <= dt.year <= 2100:
        return None
    return dt.isoformat()


def _parse_xml(body: bytes):
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body.strip(), parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not XML: {exc}") from None
    if root is None:
        raise FeedError("not XML: empty document")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        # entities are never expanded here (resolve_entities=False), but a document that declares
        # them is an expansion bomb ("billion laughs") or an external-entity probe, never a feed
        raise FeedRefused("feed refused: XML entities (the document declares <!ENTITY>; feeds never need them)")
    return root


def _child(el, *names):
    for c in el:
        if _local(c.tag) in names:
            return c
    return None


def parse_feed(body: bytes) -> list[Entry]:
    """Entries of an RSS, Atom or JSON feed; raises FeedError for anything else."""
    head = body.lstrip()[:1]
    if head in (b"{", b"["):
        return _parse_json_feed(body)
    root = _parse_xml(body)
    kind = _local(root.tag)
    entries: list[Entry] = []
    if kind == "feed":  # Atom
        feed_lang = root.get(_XML_LANG)
        for item in root:
            if _local(item.tag) != "entry":
                continue
            link = None
            for c in item:
                if _local(c.tag) == "link" and c.get("rel", "alternate") == "alternate":
                    link = c.get("href")
                    break
            author = _child(item, "author")
            entries.append(
                Entry(
                    url=(link or "").strip(),
                    title=_text(_child(item, "title")),
                    published=parse_date(_text(_child(item, "published", "updated"))),
                    author=_text(_child(author, "name")) if author is not None else None,
                    lang=item.get(_XML_LANG) or feed_lang,
                )
            )
    elif kind in ("rss", "rdf"):  # RSS 0.9x/2.0 items sit in <channel>; RSS 1.0 items at the root
        items = [el for el in root.iter() if _local(el.tag) == "item"]
        channel_lang = next((_text(el) for el in root.iter() if _local(el.tag) == "language"), None)
        for item in items:
            link = _text(_child(item, "link")) or item.get(
                "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
            )
            guid = _child(item, "guid")
            if not link and guid is not None and guid.get("isPermaLink", "true") == "true":
                link = _text(guid)
            entries.append(
                Entry(
                    url=(link or "").strip(),
                    title=_text(_child(item, "title")),
                    published=parse_date(_text(_child(item, "pubdate", "date", "published"))),
                    author=_text(_child(item, "creator", "author")),
                    lang=_text(_child(item, "language")) or channel_lang,
                )
            )
    else:
        raise FeedError(f"not a feed: root element <{kind}>")
    return [e for e in entries if e.url]


def _parse_json_feed(body: bytes) -> list[Entry]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"invalid JSON feed: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FeedError("not a JSON Feed: no 'items' list")
    out = []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue
        url = item.get("url") or item.get("external_url")
        if not isinstance(url, str):
            continue
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        author = authors[0].get("name") if authors and isinstance(authors[0], dict) else None
        out.append(
            Entry(
                url=url.strip(),
                title=item.get("title"),
                published=parse_date(item.get("date_published")),
                author=author,
                lang=item.get("language") or data.get("language"),
            )
        )
    return out


def parse_sitemap(body: bytes) -> Sitemap:
    """URLs (with news title and date when given) and child sitemaps of a sitemap or index."""
    root = _parse_xml(body)
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise FeedError(f"not a sitemap: root element <{kind}>")
    entries, children = [], []
    for node in root:
        name = _local(node.tag)
        loc = _text(_child(node, "loc"))
        if not loc:
            continue
        lastmod = parse_date(_text(_child(node, "lastmod")))
        if name == "sitemap":
            children.append(Entry(url=loc, published=lastmod))
        elif name == "url":
            news = _child(node, "news")
            title = published = lang = None
            if news is not None:
                title = _text(_child(news, "title"))
                publication = _child(news, "publication")
                lang = _text(_child(publication, "language")) if publication is not None else None
                published = parse_date(_text(_child(news, "publication_date")))
            entries.append(Entry(url=loc, title=title, published=published or lastmod, lang=lang))
    return Sitemap(entries=entries, children=children)
