import pytest

from crawler.feeds import FeedError, parse_date, parse_feed, parse_sitemap

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>
<item><title>OpenAI ouvre Paris</title><link>https://ex.org/a1</link>
<pubDate>Wed, 09 Oct 2024 08:00:00 +0200</pubDate><dc:creator>Alice</dc:creator></item>
<item><title>Sans lien</title><guid isPermaLink="true">https://ex.org/a2</guid></item>
<item><title>Rien</title></item>
</channel></rss>"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://ex.org/"><title>T</title></channel>
<item rdf:about="https://ex.org/r1"><title>One</title><link>https://ex.org/r1</link><dc:date>2025-07-21T10:00:00Z</dc:date></item>
</rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>DSIT and OpenAI</title><link rel="alternate" href="https://ex.org/at1"/>
<link rel="enclosure" href="https://ex.org/img.jpg"/>
<published>2025-07-21T09:00:00+01:00</published><author><name>Bob</name></author></entry>
</feed>"""

JSONFEED = b'{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","url":"https://ex.org/j1","title":"J","date_published":"2025-07-22T10:00:00Z","authors":[{"name":"C"}]},{"id":"2"}]}'


def test_rss2_items_with_links_guids_dates_and_authors():
    entries = parse_feed(RSS2)
    assert [e.url for e in entries] == ["https://ex.org/a1", "https://ex.org/a2"]
    assert entries[0].title == "OpenAI ouvre Paris"
    assert entries[0].published.startswith("2024-10-09T08:00:00")
    assert entries[0].author == "Alice"


def test_rss1_rdf_items():
    [e] = parse_feed(RSS1)
    assert e.url == "https://ex.org/r1" and e.published.startswith("2025-07-21")


def test_atom_takes_the_alternate_link():
    [e] = parse_feed(ATOM)
    assert e.url == "https://ex.org/at1" and e.author == "Bob"


def test_json_feed_skips_items_without_url():
    entries = parse_feed(JSONFEED)
    assert [e.url for e in entries] == ["https://ex.org/j1"]
    assert entries[0].author == "C"


def test_truncated_feed_keeps_the_entries_before_the_break():
    cut = RSS2[: RSS2.index(b"<item><title>Sans")]
    assert [e.url for e in parse_feed(cut)] == ["https://ex.org/a1"]


@pytest.mark.parametrize("body", [b"<html><body>not a feed</body></html>", b"", b"\x00\xff\xfe junk", b"{\"no\": 1}"])
def test_non_feeds_are_a_clear_error(body):
    with pytest.raises(FeedError):
        parse_feed(body)


def test_impossible_dates_are_dropped():
    assert parse_date("Mon, 45 Foo 2025 99:00:00") is None
    assert parse_date("0001-01-01") is None
    assert parse_date("2025-07-21") .startswith("2025-07-21")


def test_news_sitemap_and_index():
    body = b"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://ex.org/s1</loc><lastmod>2025-07-20</lastmod>
<news:news><news:publication_date>2025-07-21T08:00:00+00:00</news:publication_date><news:title>S1</news:title></news:news></url>
<url><loc>https://ex.org/s2</loc></url></urlset>"""
    sm = parse_sitemap(body)
    assert [e.url for e in sm.entries] == ["https://ex.org/s1", "https://ex.org/s2"]
    assert sm.entries[0].title == "S1" and sm.entries[0].published.startswith("2025-07-21")
    index = parse_sitemap(
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://ex.org/n.xml</loc>'
        b"<lastmod>2025-07-01</lastmod></sitemap></sitemapindex>"
    )
    assert [c.url for c in index.children] == ["https://ex.org/n.xml"] and not index.entries
    with pytest.raises(FeedError):
        parse_sitemap(RSS2)
