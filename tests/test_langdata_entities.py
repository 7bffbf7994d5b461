"""What the `[entities]` section of a language file must hold, checked on every file.

A ninth language is one more data file: this test names each list the entity engine reads
(nlp.entity_cues.LIST_KEYS), so a file that lacks one fails here rather than at analysis time.
"""
from __future__ import annotations

import re

import pytest

from nlp import langdata
from nlp.entity_cues import FLAG_KEYS, LIST_KEYS, cues_for

REQUIRED = {
    "org_before": "phrases before a name that make it an organisation",
    "org_before_weak": "those of them that also precede people (never overrule a full person name)",
    "prog_before": "phrases before a name that make it a programme, plan, law or report",
    "prog_nouns": "programme nouns that a naming word may follow a few words later",
    "naming_words": "words that introduce a name after a programme noun",
    "product_before": "phrases before a product name",
    "product_after": "words after a product name",
    "org_list_nouns": "plural company nouns that open a list",
    "appositive_nouns": "company nouns of an apposition after a name (\"X, a Canadian start-up\")",
    "appositive_stop_nouns": "nouns after one of them that make the phrase a place or a person (\"the start-up hub\")",
    "list_connectors": "'such as' words after them",
    "org_suffixes": "name-final words of organisations (lower case)",
    "legal_forms": "legal forms of companies, as written",
    "org_heads": "nouns heading organisation names in sentence case (lower case)",
    "ministry_heads": "ministry nouns with their linking word, before a capitalised portfolio (lower case)",
    "acronym_stop": "capitals that are words, not names",
    "demonyms": "nationality words",
    "generic_nouns": "words that with a nationality make a generic phrase",
    "titles": "honorifics and roles before a person's name (lower case)",
    "role_heads": "jobs said before a person's name, cut from the mention (lower case; compound heads)",
    "name_particles": "particles inside surnames",
    "articles": "articles cut from the start of a mention",
    "elided_articles": "articles elided with an apostrophe",
    "sentence_openers": "capitalised words that open a sentence",
    "place_before": "prepositions before a place",
    "place_after": "prepositions between a place and its region",
    "place_articles": "articles after those prepositions",
    "conjunctions": "words joining the items of a list",
    "place_heads": "nouns that head a place's name in lower case: 'mer du Nord', 'piazza Duomo' (lower case)",
}
# a few entries each language must have: the words its news uses most
SAMPLES = {
    "fr": {"titles": "mme", "org_before": "la startup", "place_after": "dans", "prog_before": "le programme"},
    "en": {"titles": "mr", "org_before": "the company", "place_before": "in", "org_suffixes": "inc"},
    "de": {"titles": "herr", "org_before": "das unternehmen", "place_before": "in", "legal_forms": "GmbH"},
    "es": {"titles": "presidente", "org_before": "la empresa", "place_before": "en", "legal_forms": "S.A."},
    "it": {"titles": "ministro", "org_before": "la società", "place_after": "vicino a", "legal_forms": "S.p.A."},
    "nl": {"titles": "minister", "org_before": "het bedrijf", "place_before": "in", "legal_forms": "B.V."},
    "pt": {"titles": "ministro", "org_before": "a empresa", "place_before": "em", "legal_forms": "Lda"},
    "pl": {"titles": "prezes", "org_before": "spółka", "place_before": "w", "legal_forms": "sp. z o.o."},
}
LOWER_CASE = ("org_before", "org_before_weak", "prog_before", "org_suffixes", "org_heads", "titles", "ministry_heads",
              "place_heads")


def test_the_engine_reads_exactly_the_documented_lists():
    assert set(LIST_KEYS) == set(REQUIRED)


def test_every_language_file_is_checked():
    assert set(SAMPLES) == set(langdata.available())


@pytest.mark.parametrize("code", langdata.available())
def test_entities_section_is_complete(code):
    data = langdata.section(code, "entities")
    assert set(data) == set(LIST_KEYS) | set(FLAG_KEYS), f"{code}: unexpected or missing keys"
    for key in LIST_KEYS:
        words = data[key]
        assert isinstance(words, list) and all(isinstance(w, str) and w.strip() == w and w for w in words), key
        assert len(words) == len(set(words)), f"{code}.{key}: duplicates"
    for key in LOWER_CASE:
        assert all(w == w.lower() for w in data[key]), f"{code}.{key}: lower case expected"
    assert set(data["org_before_weak"]) <= set(data["org_before"])
    assert all(isinstance(data[k], bool) for k in FLAG_KEYS)
    for key in ("org_before", "titles", "place_before", "conjunctions", "org_heads", "legal_forms"):
        assert data[key], f"{code}.{key} is empty"
    for key, word in SAMPLES[code].items():
        assert word in data[key], f"{code}.{key} lacks {word!r}"


@pytest.mark.parametrize("code", langdata.available())
def test_cues_compile_and_add_english(code):
    cues = cues_for(code)
    assert cues.langs == tuple(dict.fromkeys((code, "en")))
    assert "the company" in cues.org_before and "ceo" not in cues.acronym_stop  # English rides along
    assert all(isinstance(v, re.Pattern) for v in vars(cues).values() if hasattr(v, "pattern"))
    # a legal form of any language names a company in every language ("Siemens AG" in French news)
    assert {"gmbh", "inc", "s.p.a."} <= cues.org_suffixes


def test_a_language_without_data_gets_the_english_cues():
    assert cues_for("sv").langs == ("en",)
