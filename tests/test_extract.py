
from crawler.demo.server import fill, site_root
from nlp.extract import decode_html, extract_article
from nlp.language import detect


def demo_page(manifest, lang):
    page = next(p for p in manifest if p["lang"] == lang and not p.get("missing") and p["on_topic"])
    html = (site_root() / page["outlet"] / page["path"].lstrip("/")).read_text("utf-8")
    return page, fill(html, {"gazette": "http://g", "courrier": "http://c", "wire": "http://w"})


def test_article_text_and_metadata_without_boilerplate(demo_manifest):
    page, html = demo_page(demo_manifest, "fr")
    art = extract_article(html, "http://g" + page["path"])
    assert art is not None
    assert art.title and art.published == page["published"]
    assert art.lang == "fr"
    low = art.text.lower()
    assert "cookie" not in low and "newsletter" not in low and "tous droits" not in low


def test_pages_without_an_article_give_none():
    assert extract_article("<html><body><nav>Accueil</nav></body></html>") is None
    assert extract_article("") is None
    assert extract_article("\x00\x01 not html at all") is None


def test_decoding_falls_back_without_losing_accents():
    text = "<html><head><meta charset='iso-8859-1'></head><body>Élysée, société</body></html>"
    assert "Élysée, société" in decode_html(text.encode("latin-1"))
    assert "Élysée" in decode_html("<p>Élysée</p>".encode("cp1252"))  # no declaration, not UTF-8
    assert "Élysée" in decode_html("<p>Élysée</p>".encode(), declared="bogus-charset")


def test_language_detection():
    assert detect("OpenAI a ouvert son premier bureau d'Europe continentale à Paris.") == "fr"
    assert detect("The government signed a memorandum of understanding with OpenAI.") == "en"
    assert detect("Die Bundesregierung fördert künstliche Intelligenz mit neuen Programmen.") == "de"
    assert detect("ok", hint="fr") == "fr"  # too short to tell: keep the source's language


def test_valid_utf8_bytes_win_over_a_contradicting_header_charset():
    page = "<html><head><meta charset=utf-8></head><body>Élysée, société, 5 €</body></html>".encode()
    for declared in ("iso-8859-1", "cp1252", "windows-1252"):
        text = decode_html(page, declared=declared)
        assert "Élysée, société, 5 €" in text and "Ã" not in text
    # the header still decides for bytes that are not UTF-8
    assert "Élysée" in decode_html("<p>Élysée</p>".encode("cp1252"), declared="cp1252")
    assert "Ελλάδα" in decode_html("<p>Ελλάδα</p>".encode("iso-8859-7"), declared="iso-8859-7")
    assert decode_html("<p>Été</p>".encode("utf-16"), declared="iso-8859-1") == "<p>Été</p>"  # a BOM decides first


def test_metadata_steps_agree_with_trafilaturas_public_api(demo_manifest):
    """`_metadata` re-runs part of `trafilatura.extract_metadata`: both must find the same fields."""
    import trafilatura
    from trafilatura.utils import load_html

    from nlp.extract import _metadata

    pages = [p for p in demo_manifest if not p.get("missing")]
    assert len(pages) >= 10
    found = 0
    for page in pages:
        html = (site_root() / page["outlet"] / page["path"].lstrip("/")).read_text("utf-8")
        tree = load_html(fill(html, {"gazette": "http://g", "courrier": "http://c", "wire": "http://w"}))
        url = "http://g" + page["path"]
        public = trafilatura.extract_metadata(tree, default_url=url, extensive=False)
        ours = _metadata(tree, url)
        assert ours == (public.title or None, public.date or None, public.author or None)
        found += all(ours[:2])
    assert found == len(pages)  # titles and dates present: the comparison is not between two Nones
