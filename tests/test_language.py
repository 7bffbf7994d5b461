"""Language detection (nlp.language): priors from declared languages, a candidate list, the
body's majority on mixed text; and what the NLP stage does with each language: the eight with
a data file analysed, any other kept with its code and the layers it lacks."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nlp.analyze import Analyzer, Document
from nlp.langdata import available
from nlp.language import ANALYSED, detect, normalise_code

# one short news sentence per analysed language (our own words)
SHORT = {
    "fr": "Le gouvernement a présenté jeudi sa stratégie nationale pour l'intelligence artificielle et les PME.",
    "en": "The government presented its national strategy for artificial intelligence and small businesses on Thursday.",
    "de": "Die Bundesregierung hat am Donnerstag ihre nationale Strategie für künstliche Intelligenz vorgestellt.",
    "es": "El Gobierno presentó el jueves su estrategia nacional de inteligencia artificial para las pequeñas empresas.",
    "it": "Il governo ha presentato giovedì la sua strategia nazionale per l'intelligenza artificiale e le piccole imprese.",
    "nl": "De regering heeft donderdag haar nationale strategie voor kunstmatige intelligentie voorgesteld aan het bedrijfsleven.",
    "pt": "O Governo apresentou na quinta-feira a sua estratégia nacional de inteligência artificial para as pequenas empresas.",
    "pl": "Rząd przedstawił w czwartek krajową strategię dotyczącą sztucznej inteligencji dla małych firm.",
}
# shorter still, the kind of one-liner a feed summary or a brief item is
ONE_LINERS = {
    "fr": "La start-up lyonnaise lève huit millions d'euros.",
    "en": "The London startup raised eight million pounds.",
    "de": "Das Münchner Start-up sammelt acht Millionen Euro ein.",
    "es": "La empresa madrileña recauda ocho millones de euros.",
    "it": "La startup milanese raccoglie otto milioni di euro.",
    "nl": "Het Amsterdamse bedrijf haalt acht miljoen euro op.",
    "pt": "A empresa de Lisboa angariou oito milhões de euros.",
    "pl": "Warszawska spółka pozyskała osiem milionów złotych.",
}
# French about a funding round, with a Catalan backer's name: py3langid alone says Catalan
CATALAN_LOOKING = "La startup Aplicat capte 3 M€ auprès de Caixa Capital Risc."
SWEDISH = "Regeringen presenterade på torsdagen sin nationella strategi för artificiell intelligens."


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.mark.parametrize("lang", sorted(SHORT))
def test_short_sentences_in_the_eight_languages(lang):
    assert detect(SHORT[lang]) == lang
    assert detect(ONE_LINERS[lang], candidates=ANALYSED) == lang


def test_the_eight_are_the_languages_with_a_data_file():
    assert set(ANALYSED) == set(available()) == {"fr", "en", "de", "es", "it", "nl", "pt", "pl"}


def test_catalan_looking_french_is_french_with_a_candidate_list_or_a_hint():
    assert detect(CATALAN_LOOKING) == "ca"  # the bare classifier is fooled: what the priors are for
    assert detect(CATALAN_LOOKING, candidates=["fr", "en"]) == "fr"  # nobody watches Catalan outlets
    assert detect(CATALAN_LOOKING, hints=["fr-FR"]) == "fr"  # the page says French


def test_a_candidate_list_keeps_watched_languages():
    assert detect(SWEDISH, candidates=["sv"]) == "sv"  # the watch list declares Swedish
    assert detect(SWEDISH, candidates=["fr"]) != "sv"  # it does not: Swedish cannot win


def test_a_hint_overrides_an_unsure_guess():
    unsure = "Pennylane lève 40 millions."  # fr at 0.42, da 0.23, no 0.19 among these
    assert detect(unsure, candidates=["da", "no", "fr"]) == "fr"
    assert detect(unsure, hints=["no"], candidates=["da", "no", "fr"]) == "no"


def test_declared_languages_vote_when_the_text_is_too_short():
    assert detect("OpenAI 2025", hint="fr", hints=["en", "en"]) == "en"
    assert detect("OpenAI 2025", hints=[None, "de-DE"]) == "de"


@pytest.mark.parametrize("tag, code", [("fr-FR", "fr"), ("en_GB", "en"), ("DE", "de"), (" pt-BR ", "pt"),
                                       ("", None), (None, None), ("french", None), ("x-klingon", None)])
def test_language_tags_are_normalised(tag, code):
    assert normalise_code(tag) == code


def test_an_english_quote_inside_a_french_article():
    quote = ('"We are delighted to open our first office in continental Europe, and Paris was the obvious choice '
             'for the talent and the ecosystem we find here," the company\'s chief executive said in a statement.')
    body = [
        "La société américaine a inauguré mardi ses nouveaux locaux dans le neuvième arrondissement de Paris.",
        "Une cinquantaine de personnes doivent y travailler d'ici la fin de l'année, selon la direction.",
        "Le ministre délégué au numérique a salué un signal fort pour l'attractivité de la France.",
        "Les recrutements porteront d'abord sur la recherche, puis sur les équipes commerciales.",
    ]
    # the quote opens the article and is its longest paragraph: the body still decides
    assert detect("\n".join([quote, *body])) == "fr"
    assert detect("\n".join([body[0], quote, *body[1:]]), hints=["en"]) == "fr"


def test_a_long_preamble_does_not_decide_alone():
    english = "This article is also available in English on our international site. " * 30
    german = ("Die Bundesregierung will kleine und mittlere Unternehmen beim Einsatz künstlicher Intelligenz "
              "stärker unterstützen und stellt dafür neue Fördermittel bereit.\n") * 30
    assert detect(english + "\n" + german) == "de"


def test_confident_detection_beats_the_hint():
    assert detect(SHORT["fr"], hint="en") == "fr"  # a French source does publish English pages


@pytest.mark.parametrize("text", ["ok", "Paris, 2025", "OpenAI"])
def test_short_text_falls_back_to_the_hint(text):
    assert detect(text, hint="fr") == "fr"
    assert detect(text) is None  # too short to tell, and no hint: unknown, not a guess


# --------------------------------------------------------------------------- the stage, per language


@pytest.mark.slow  # every language's pipeline
def test_the_eight_languages_are_analysed_and_say_which_layers_ran(analyzer):
    results = analyzer.analyze_many([Document(text=t) for t in SHORT.values()])
    for code, res in zip(SHORT, results):
        assert res.lang == code and res.skipped is None
        for layer in ("dates", "amounts"):  # fr/en/de have rules; the others as the dates/money engines grow them
            assert res.layers[layer] is True or code not in ("fr", "en", "de")
            assert (layer in res.missing) == (not res.layers[layer])
        assert res.layers["entities"] in ("statistical", "rules-only")
        assert ("ner" in res.missing) == (res.layers["entities"] == "rules-only")
    by_lang = dict(zip(SHORT, results))
    assert by_lang["fr"].layers["entities"] == "statistical" and by_lang["fr"].missing == []


def test_other_languages_are_kept_with_the_layers_they_lack(analyzer):
    (res,) = analyzer.analyze_many([Document(text=SWEDISH)])
    assert res.lang == "sv" and res.text == SWEDISH
    assert res.layers == {"entities": "none", "dates": False, "amounts": False}
    assert res.missing == ["entities", "dates", "amounts"]
    assert "language sv has no analysis layers" in res.skipped and "fr, en, de, es, it, nl, pt, pl" in res.skipped
    assert res.entities == [] and res.dates == [] and res.amounts == []


def test_the_watch_list_languages_narrow_detection():
    with Analyzer(languages=["fr"]) as an:
        (res,) = an.analyze_many([Document(text=CATALAN_LOOKING)])
    assert res.lang == "fr" and {e.text for e in res.entities} >= {"Aplicat"}


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_skipped_with_a_reason(analyzer, text):
    (res,) = analyzer.analyze_many([Document(text=text, lang_hint="fr")])
    assert res.skipped == "empty text"
    assert res.entities == []


def test_unknown_language_is_skipped_not_guessed(analyzer):
    (res,) = analyzer.analyze_many([Document(text="OpenAI 2025")])
    assert res.lang is None
    assert res.skipped.startswith("language unknown has no analysis layers") and res.missing[0] == "entities"


def test_cli_reports_layers_of_an_analysed_and_of_an_unanalysed_language(tmp_path):
    from crawler.cli import main

    (tmp_path / "pl.txt").write_text(SHORT["pl"], encoding="utf-8")
    (tmp_path / "sv.txt").write_text(SWEDISH, encoding="utf-8")
    res = CliRunner().invoke(main, ["analyze", str(tmp_path / "pl.txt"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["lang"] == "pl" and "skipped" not in out  # not "language pl is not analysed"
    assert out["layers"]["entities"] in ("statistical", "rules-only") and isinstance(out["missing"], list)
    # forced: detection would not answer Swedish, a language the packaged watch list lacks
    res = CliRunner().invoke(main, ["analyze", str(tmp_path / "sv.txt"), "--lang", "sv"])
    assert res.exit_code == 0, res.output
    assert "[sv]" in res.output and "missing layers: entities, dates, amounts" in res.output


@pytest.mark.parametrize("body, lang", [
    (b'<rss version="2.0"><channel><language>fr-FR</language><item><link>http://127.0.0.1/a</link></item>'
     b'</channel></rss>', "fr-FR"),
    (b'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de"><entry><link href="http://127.0.0.1/a"/></entry>'
     b'</feed>', "de"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "language": "es", "items": [{"url": "http://127.0.0.1/a"}]}',
     "es"),
    (b'<rss version="2.0"><channel><item><link>http://127.0.0.1/a</link></item></channel></rss>', None),
])
def test_the_feed_language_reaches_detection(body, lang):
    from crawler.feeds import parse_feed

    (entry,) = parse_feed(body)
    assert entry.lang == lang
    assert detect("OpenAI 2025", hints=[entry.lang]) == normalise_code(lang)


def test_the_news_sitemap_language_is_read():
    from crawler.feeds import parse_sitemap

    body = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>http://127.0.0.1/a</loc>'
            b'<news:news><news:publication><news:name>X</news:name><news:language>pl</news:language>'
            b'</news:publication><news:title>T</news:title></news:news></url>'
            b'<url><loc>http://127.0.0.1/b</loc><news:news><news:title>U</news:title></news:news></url></urlset>')
    assert [e.lang for e in parse_sitemap(body).entries] == ["pl", None]
