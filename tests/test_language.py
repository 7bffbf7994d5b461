"""Language detection (nlp.language) and what the NLP stage does with each language:
fr/en/de analysed, other languages kept with their code and a reason, empty and short text."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nlp.analyze import Analyzer, Document
from nlp.language import ANALYSED, detect

FR = "Le gouvernement a présenté jeudi sa stratégie nationale pour l'intelligence artificielle et les PME."
EN = "The government presented its national strategy for artificial intelligence and small businesses on Thursday."
DE = "Die Bundesregierung hat am Donnerstag ihre nationale Strategie für künstliche Intelligenz vorgestellt."
OTHERS = {
    "es": "El Gobierno presentó el jueves su estrategia nacional de inteligencia artificial para las pequeñas empresas.",
    "it": "Il governo ha presentato giovedì la sua strategia nazionale per l'intelligenza artificiale e le piccole imprese.",
    "pl": "Rząd przedstawił w czwartek krajową strategię dotyczącą sztucznej inteligencji dla małych firm.",
    "nl": "De regering heeft donderdag haar nationale strategie voor kunstmatige intelligentie voorgesteld aan het bedrijfsleven.",
}


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.mark.parametrize("text, lang", [(FR, "fr"), (EN, "en"), (DE, "de"), *((t, c) for c, t in OTHERS.items())])
def test_detects_european_languages(text, lang):
    assert detect(text) == lang


def test_analysed_languages_are_french_english_german():
    assert set(ANALYSED) == {"fr", "en", "de"}


def test_other_languages_are_kept_with_their_code_and_a_reason(analyzer):
    # no spaCy model is loaded for these: nothing in the batch is analysed
    results = analyzer.analyze_many([Document(text=t) for t in OTHERS.values()])
    for code, res in zip(OTHERS, results):
        assert res.lang == code
        assert res.skipped and f"language {code} is not analysed" in res.skipped and "fr, en, de" in res.skipped
        assert res.entities == [] and res.dates == [] and res.amounts == []
        assert res.text == OTHERS[code]  # the text itself is kept


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_skipped_with_a_reason(analyzer, text):
    (res,) = analyzer.analyze_many([Document(text=text, lang_hint="fr")])
    assert res.skipped == "empty text"
    assert res.entities == []


@pytest.mark.parametrize("text", ["ok", "Paris, 2025", "OpenAI"])
def test_short_text_falls_back_to_the_hint(text):
    assert detect(text, hint="fr") == "fr"
    assert detect(text) is None  # too short to tell, and no hint: unknown, not a guess


def test_unknown_language_is_skipped_not_guessed(analyzer):
    (res,) = analyzer.analyze_many([Document(text="OpenAI 2025")])
    assert res.lang is None
    assert res.skipped == "language unknown is not analysed (supported: fr, en, de)"


def test_confident_detection_beats_the_hint():
    assert detect(FR, hint="en") == "fr"  # a confident guess beats the source's declared language


def test_cli_reports_the_code_and_reason_of_a_skipped_language(tmp_path):
    from crawler.cli import main

    p = tmp_path / "pl.txt"
    p.write_text(OTHERS["pl"], encoding="utf-8")
    res = CliRunner().invoke(main, ["analyze", str(p), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["lang"] == "pl" and "not analysed" in out["skipped"] and out["entities"] == []
