"""Consistency checks for the static demo site in crawler/demo/site (the test fixture outlets).

Only the standard library and lxml: the files are checked as served, with every
`{{BASE:slug}}` placeholder replaced by a fake origin.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlparse

import lxml.etree as etree
import lxml.html
import pytest

SITE = Path(__file__).resolve().parent.parent / "crawler" / "demo" / "site"
OUTLETS = ("gazette", "courrier", "wire", "agora")  # agora: one outlet, a German and a Spanish edition
ORIGINS = {slug: f"http://{slug}.demo.test:80{i}" for i, slug in enumerate(OUTLETS)}
PLACEHOLDER = re.compile(r"\{\{BASE:([a-z0-9_-]+)\}\}")

FEEDS = {"gazette": ["/feed.xml"], "courrier": ["/atom.xml"], "wire": ["/rss.xml"], "agora": ["/de/feed.xml", "/es/feed.xml"]}
SITEMAPS = {"gazette": ["/sitemap-news.xml"], "courrier": [], "wire": ["/sitemap-news.xml"], "agora": ["/sitemap-news.xml"]}

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"],
}
# how each language writes a day of a month: "21 juillet", "21. Juli", "2 de febrero"
DAY_MONTH = {"fr": r"{d}\s+{m}", "en": r"{d}\s+{m}", "de": r"{d}\.\s+{m}", "es": r"{d}\s+de\s+{m}"}


def fill(text: str) -> str:
    """The text as the demo server serves it: placeholders replaced by origins."""
    return PLACEHOLDER.sub(lambda m: ORIGINS[m.group(1)], text)


def file_for(url: str) -> tuple[str, Path]:
    """(outlet slug, file path) that serves an absolute demo URL."""
    parsed = urlparse(url)
    origin = f"{parsed.scheme}://{parsed.netloc}"
    slugs = [s for s, o in ORIGINS.items() if o == origin]
    assert slugs, f"{url} is not on a demo origin"
    path = parsed.path or "/"
    if path.endswith("/"):
        path += "index.html"
    return slugs[0], SITE / slugs[0] / path.lstrip("/")


def read_xml(slug: str, path: str) -> etree._Element:
    data = fill((SITE / slug / path.lstrip("/")).read_bytes().decode("utf-8"))
    return etree.fromstring(data.encode("utf-8"))


def read_html(path: Path) -> lxml.html.HtmlElement:
    raw = path.read_bytes()
    text = raw.decode("utf-8")  # strict: the pages must be valid UTF-8
    assert "\ufffd" not in text and "Ã" not in text, f"{path}: mojibake"
    parser = lxml.html.HTMLParser(encoding="utf-8")
    return lxml.html.fromstring(fill(text).encode("utf-8"), parser=parser)


def meta(doc, attr: str, name: str) -> str | None:
    values = doc.xpath(f'//meta[@{attr}="{name}"]/@content')
    return values[0] if values else None


MANIFEST = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))
PAGES = [e for e in MANIFEST if not e.get("missing")]
MISSING = [e for e in MANIFEST if e.get("missing")]
MISSING_URLS = {ORIGINS[e["outlet"]] + e["path"] for e in MISSING}


def page_id(entry):
    return f'{entry["outlet"]}:{entry["path"]}'


def feed_items(slug: str, feed_path: str) -> list[dict]:
    """Items of an RSS 2.0 or Atom feed as plain dicts."""
    root = read_xml(slug, feed_path)
    items = []
    if root.tag == "rss":
        assert root.get("version") == "2.0"
        for item in root.iterfind("channel/item"):
            items.append({
                "title": item.findtext("title"),
                "link": item.findtext("link"),
                "id": item.findtext("guid"),
                "date": parsedate_to_datetime(item.findtext("pubDate")),
                "summary": item.findtext("description"),
                "author": item.findtext("dc:creator", namespaces=NS) or item.findtext("author"),
            })
    else:
        assert root.tag == f'{{{NS["atom"]}}}feed'
        for entry in root.iterfind("atom:entry", NS):
            links = entry.xpath('atom:link[not(@rel) or @rel="alternate"]/@href', namespaces=NS)
            items.append({
                "title": entry.findtext("atom:title", namespaces=NS),
                "link": links[0] if links else None,
                "id": entry.findtext("atom:id", namespaces=NS),
                "date": datetime.fromisoformat(
                    entry.findtext("atom:published", namespaces=NS)
                    or entry.findtext("atom:updated", namespaces=NS)),
                "updated": datetime.fromisoformat(entry.findtext("atom:updated", namespaces=NS)),
                "summary": entry.findtext("atom:summary", namespaces=NS),
                "author": entry.findtext("atom:author/atom:name", namespaces=NS),
            })
    return items


# ---------------------------------------------------------------- manifest


def test_manifest_shape():
    assert len(PAGES) >= 10
    assert len(MISSING) == 1 and MISSING[0]["outlet"] == "wire"
    keys = {"outlet", "path", "lang", "published", "title", "story", "syndicated_from",
            "on_topic", "expect"}
    paths = {e["path"] for e in MANIFEST}
    assert len(paths) == len(MANIFEST), "paths must be unique across the whole site"
    for e in MANIFEST:
        assert keys <= e.keys(), e
        assert e["outlet"] in OUTLETS
        assert e["lang"] in ("fr", "en", "de", "es")
        assert e["path"].startswith("/") and e["path"].endswith(".html")
        assert isinstance(e["on_topic"], bool)
        assert set(e["expect"]) == {"entities", "amounts", "dates"}
        for d in e["expect"]["dates"]:
            datetime.strptime(d, "%Y-%m-%d")
        assert e["story"].startswith("offtopic-") != e["on_topic"]


def test_manifest_syndication_points_to_original():
    by_path = {e["path"]: e for e in PAGES}
    syndicated = [e for e in PAGES if e["syndicated_from"]]
    assert syndicated, "the site should contain at least one syndicated copy"
    for copy in syndicated:
        original = by_path[copy["syndicated_from"]]
        assert original["outlet"] != copy["outlet"]
        assert original["story"] == copy["story"]
        assert original["published"] <= copy["published"]
        assert original["syndicated_from"] is None


def test_stories_are_covered_across_outlets():
    stories = {}
    for e in PAGES:
        stories.setdefault(e["story"], set()).add((e["outlet"], e["lang"]))
    assert len(stories["uk-openai-mou"]) >= 2
    assert {lang for _, lang in stories["uk-openai-mou"]} == {"fr", "en", "de"}
    assert {lang for _, lang in stories["sme-accelerator"]} == {"fr", "en", "es"}
    assert len(stories["ia-booster"]) == 2
    assert sum(1 for e in PAGES if not e["on_topic"]) == 3
    # the two stories also told in German and in Spanish, for the brief to cluster across languages
    assert ("agora", "de") in stories["uk-openai-mou"] and ("agora", "es") in stories["sme-accelerator"]


# ---------------------------------------------------------------- article pages


@pytest.mark.parametrize("entry", PAGES, ids=page_id)
def test_article_page(entry):
    slug = entry["outlet"]
    path = SITE / slug / entry["path"].lstrip("/")
    assert path.is_file(), f"{path} is listed in the manifest but missing"
    doc = read_html(path)
    url = ORIGINS[slug] + entry["path"]

    assert doc.get("lang") == entry["lang"]
    assert doc.findtext(".//title").strip()
    assert doc.xpath('//link[@rel="canonical"]/@href') == [url]
    assert meta(doc, "property", "og:url") == url
    assert meta(doc, "property", "og:type") == "article"
    assert meta(doc, "property", "og:title")
    assert meta(doc, "name", "author")

    published = meta(doc, "property", "article:published_time")
    assert published, "article:published_time is required"
    when = datetime.fromisoformat(published)
    assert when.tzinfo is not None, "published_time must carry a timezone"
    assert when.date().isoformat() == entry["published"]
    if "published_time" in entry:
        assert datetime.fromisoformat(entry["published_time"]) == when
    year, week, _ = when.isocalendar()
    assert (year, week) in {(2025, 29), (2025, 30)}, f"{published} is outside 2025-W29/W30"

    articles = doc.xpath("//article")
    assert len(articles) == 1
    article = articles[0]
    assert article.xpath(f'.//time[@datetime="{published}"]'), "visible dated byline"
    text = " ".join(article.text_content().split())
    words = len(" ".join(p.text_content() for p in article.iter("p")).split())
    assert 250 <= words <= 600, f"{words} words of paragraphs in <article>"
    for needle in entry["expect"]["entities"] + entry["expect"]["amounts"]:
        assert needle in text, f"expected {needle!r} in the article text"
    months = MONTHS[entry["lang"]]
    for iso in entry["expect"]["dates"]:
        d = datetime.strptime(iso, "%Y-%m-%d")
        written = DAY_MONTH[entry["lang"]].format(d=d.day, m=months[d.month - 1])
        assert re.search(rf"\b{written}\b", text), f"{iso} not written in text"


@pytest.mark.parametrize("entry", PAGES, ids=page_id)
def test_article_boilerplate(entry):
    """Each page carries the clutter an extractor has to strip, outside the article body."""
    doc = read_html(SITE / entry["outlet"] / entry["path"].lstrip("/"))
    html = lxml.html.tostring(doc, encoding="unicode").lower()
    assert doc.xpath("//nav|//ul[contains(@class,'menu')]"), "navigation menu"
    assert "cookie" in html, "cookie banner"
    assert re.search(r"breadcrumb|ariane|crumbs", html), "breadcrumb"
    assert re.search(r"partager|share|teilen|compartir", html), "share buttons"
    assert re.search(r"à lire aussi|sur le même sujet|related stories|mehr zum thema|te puede interesar", html), \
        "related box"
    assert "newsletter" in html or "lettre" in html or "sign up" in html, "newsletter box"
    assert re.search(r"commentaires|réactions|comments|kommentare|comentarios", html), "comments"
    assert "©" in html, "copyright footer"
    assert not doc.xpath("//article//*[contains(@class,'comment') or contains(@class,'reaction')]")


def test_syndicated_copy_shares_text_with_original():
    by_path = {e["path"]: e for e in PAGES}
    for copy in (e for e in PAGES if e["syndicated_from"]):
        original = by_path[copy["syndicated_from"]]

        def paragraphs(entry):
            doc = read_html(SITE / entry["outlet"] / entry["path"].lstrip("/"))
            return [" ".join(p.text_content().split()) for p in doc.xpath("//article//p")]

        a, b = paragraphs(copy), paragraphs(original)
        shared = set(a) & set(b)
        assert len(shared) >= 4, "a syndicated copy keeps most of the wire text"
        assert set(a) != set(b), "but it is lightly edited"


# ---------------------------------------------------------------- feeds and sitemaps


@pytest.mark.parametrize("slug", OUTLETS)
def test_feed_links_resolve(slug):
    manifest_urls = {ORIGINS[slug] + e["path"]: e for e in MANIFEST if e["outlet"] == slug}
    seen = set()
    for feed_path in FEEDS[slug]:
        items = feed_items(slug, feed_path)
        assert items, f"{slug}{feed_path} has no items"
        dates = [i["date"] for i in items]
        assert dates == sorted(dates, reverse=True), "feed items newest first"
        for item in items:
            for field in ("title", "link", "id", "summary", "author"):
                assert item[field] and item[field].strip(), f"{slug}{feed_path}: no {field}"
            assert item["date"].tzinfo is not None
            owner, file = file_for(item["link"])
            assert owner == slug, f"{item['link']} points to another outlet"
            if item["link"] in MISSING_URLS:
                assert not file.exists(), "the manifest's missing page must really be missing"
            else:
                assert file.is_file(), f"{item['link']} has no page"
            entry = manifest_urls.get(item["link"])
            assert entry is not None, f"{item['link']} is not in the manifest"
            assert item["title"] == entry["title"]
            assert item["date"].date().isoformat() == entry["published"]
            if "published_time" in entry:
                assert item["date"] == datetime.fromisoformat(entry["published_time"])
            seen.add(item["link"])
    assert set(manifest_urls) <= seen, "every article of the outlet is in its feed"


def test_missing_item_is_in_wire_feed_only():
    links = {i["link"] for i in feed_items("wire", "/rss.xml")}
    assert MISSING_URLS <= links
    for slug in OUTLETS:
        for sitemap in SITEMAPS[slug]:
            locs = read_xml(slug, sitemap).xpath("//sm:loc/text()", namespaces=NS)
            assert not MISSING_URLS & set(locs)


@pytest.mark.parametrize("slug", [s for s in OUTLETS if SITEMAPS[s]])
def test_news_sitemap(slug):
    pages = {ORIGINS[slug] + e["path"]: e for e in PAGES if e["outlet"] == slug}
    for sitemap in SITEMAPS[slug]:
        root = read_xml(slug, sitemap)
        assert root.tag == f'{{{NS["sm"]}}}urlset'
        urls = root.findall("sm:url", NS)
        locs = set()
        for url in urls:
            loc = url.findtext("sm:loc", namespaces=NS)
            owner, file = file_for(loc)
            assert owner == slug and file.is_file(), f"{loc} has no page"
            entry = pages[loc]
            lastmod = datetime.fromisoformat(url.findtext("sm:lastmod", namespaces=NS))
            news = url.find("news:news", NS)
            assert news is not None, f"{loc}: no news:news block"
            pub = datetime.fromisoformat(news.findtext("news:publication_date", namespaces=NS))
            assert pub.date().isoformat() == entry["published"]
            assert lastmod >= pub
            assert news.findtext("news:title", namespaces=NS) == entry["title"]
            assert news.findtext("news:publication/news:language", namespaces=NS) == entry["lang"]
            assert news.findtext("news:publication/news:name", namespaces=NS)
            locs.add(loc)
        assert locs == set(pages), "the sitemap lists every article of the outlet"


# ---------------------------------------------------------------- robots, index pages, links


@pytest.mark.parametrize("slug", OUTLETS)
def test_robots(slug):
    robots = SITE / slug / "robots.txt"
    assert robots.is_file()
    lines = [line.strip() for line in fill(robots.read_text(encoding="utf-8")).splitlines()]
    assert "User-agent: *" in lines
    sitemaps = [line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("sitemap:")]
    for url in sitemaps:
        owner, file = file_for(url)
        assert owner == slug and file.is_file()
    assert len(sitemaps) == len(SITEMAPS[slug])
    if slug == "gazette":
        assert "Disallow: /admin/" in lines
    if slug == "courrier":
        assert "Disallow: /recherche" in lines


@pytest.mark.parametrize("slug", OUTLETS)
def test_index_lists_articles_newest_first(slug):
    doc = read_html(SITE / slug / "index.html")
    hrefs = [h for h in doc.xpath("//main//a/@href|//div[@class='page']//a/@href") if h.endswith(".html")]
    expected = [e["path"] for e in sorted((e for e in PAGES if e["outlet"] == slug),
                                          key=lambda e: e["published"], reverse=True)]
    listed = list(dict.fromkeys(hrefs))
    assert listed == expected


@pytest.mark.parametrize("slug", OUTLETS)
def test_internal_links_resolve(slug):
    for page in (SITE / slug).rglob("*.html"):
        doc = read_html(page)
        for href in doc.xpath("//a/@href|//link/@href"):
            if href.startswith("#"):
                continue
            url = href if "://" in href else ORIGINS[slug] + href
            if not url.startswith(tuple(ORIGINS.values())):
                continue
            owner, file = file_for(url.split("#", 1)[0])
            assert owner == slug, f"{page}: {href} crosses outlets"
            assert file.is_file(), f"{page}: {href} does not resolve"


def test_placeholders_and_encoding():
    for file in SITE.rglob("*"):
        if not file.is_file():
            continue
        text = file.read_bytes().decode("utf-8")
        for slug in PLACEHOLDER.findall(text):
            assert slug in OUTLETS, f"{file}: unknown outlet {slug}"
        assert "{{" not in PLACEHOLDER.sub("", text), f"{file}: malformed placeholder"
        assert not re.search(r"https?://(127\.0\.0\.1|localhost)", text), f"{file}: hard-coded origin"


# ---------------------------------------------------------------- the brief across languages (slow)


@pytest.fixture(scope="module")
def demo_brief(demo_run):
    """The W30 brief as JSON, from the database of `veille demo` (conftest's `demo_run`)."""
    import subprocess
    import sys

    db = str(demo_run[0])
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "digest", "--db", db, "--week", "2025-W30",
                           "--format", "json"], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _story_of(brief: dict, path: str) -> dict:
    found = [s for s in brief["stories"] if any(urlparse(a["url"]).path == path for a in s["articles"])]
    assert len(found) == 1, f"{path} is in {len(found)} stories of the brief"
    return found[0]


@pytest.mark.slow
@pytest.mark.parametrize("lang, story", [("de", "uk-openai-mou"), ("es", "sme-accelerator")])
def test_brief_clusters_the_new_languages_with_the_other_accounts(demo_brief, lang, story):
    (entry,) = [e for e in PAGES if e["outlet"] == "agora" and e["lang"] == lang]
    assert entry["story"] == story
    grouped = _story_of(demo_brief, entry["path"])
    paths = {urlparse(a["url"]).path for a in grouped["articles"]}
    others = {e["path"] for e in PAGES if e["story"] == story and e["outlet"] != "agora"}
    assert paths & others, f"the {lang} account stands alone in the brief"
    assert {a["lang"] for a in grouped["articles"]} >= {lang, "en"} or {a["lang"] for a in grouped["articles"]} >= {
        lang, "fr"}
    # and it was analysed as its language, with the story's actors linked
    assert {a["lang"] for a in grouped["articles"] if urlparse(a["url"]).path == entry["path"]} == {lang}
    assert "OpenAI" in json.dumps(grouped["entities"], ensure_ascii=False)
