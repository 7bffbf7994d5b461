"""The knowledge base's phrase ruler marks what spaCy's entity_ruler marks, and reads its
patterns' tokenisation from veille's cache directory after the first build."""
from __future__ import annotations

import pickle

import pytest
import spacy

from nlp.caches import cache_dir
from nlp.kb_ruler import FACTORY, register

PATTERNS = [
    {"label": "ORG", "pattern": "OpenAI", "id": "openai"},
    {"label": "ORG", "pattern": "Booking.com", "id": "booking"},
    {"label": "PROG", "pattern": "France 2030", "id": "france-2030"},
    {"label": "LOC", "pattern": "France", "id": "france"},
    {"label": "ORG", "pattern": "Banque publique d'investissement", "id": "bpifrance"},
    {"label": "ORG", "pattern": "Bpifrance", "id": "bpifrance"},
    {"label": "ORG", "pattern": "Mistral AI", "id": "mistral"},
    {"label": "LOC", "pattern": "AI Growth Zones", "id": "growth-zones"},
    {"label": "PER", "pattern": "Sam Altman", "id": "altman"},
    {"label": "ORG", "pattern": "Commission européenne", "id": "commission"},
    {"label": "ORG", "pattern": "l'Arcep", "id": "arcep"},
    {"label": "ORG", "pattern": "Arcep", "id": "arcep"},
    {"label": "LOC", "pattern": "Paris", "id": "paris"},
]
TEXTS = [
    "OpenAI a ouvert un bureau à Paris le 9 octobre 2024, et Sam Altman était là.",
    "Bpifrance (Banque publique d'investissement) finance l'IA Booster au sein de France 2030.",
    "La France et la Commission européenne ; l'Arcep et Mistral AI, Mistral AI Growth Zones.",
    "Booking.com. OpenAI's Paris office, France2030, FRANCE 2030 et France  2030.",
    "Mistral AI Growth Zones Mistral AI",  # overlapping matches: longest first, then the earliest
    "",
]


def _pipelines(lang: str):
    register()
    theirs = spacy.blank(lang)
    theirs.add_pipe("entity_ruler", config={"overwrite_ents": True}).add_patterns(PATTERNS)
    mine = spacy.blank(lang)
    mine.add_pipe(FACTORY).set_patterns(PATTERNS)
    return theirs, mine


@pytest.mark.parametrize("lang", ["fr", "en", "de"])
def test_it_marks_what_spacys_entity_ruler_marks(lang, tmp_path, monkeypatch):
    monkeypatch.setenv("VEILLE_CACHE_DIR", str(tmp_path))
    theirs, mine = _pipelines(lang)
    for text in TEXTS:
        expected = [(e.start, e.end, e.label_, e.ent_id_) for e in theirs(text).ents]
        assert [(e.start, e.end, e.label_, e.ent_id_) for e in mine(text).ents] == expected, text
    doc = mine(TEXTS[4])
    assert [(e.text, e.label_) for e in doc.ents] == [("AI Growth Zones", "LOC"), ("Mistral AI", "ORG")]


def test_a_model_entity_it_overlaps_is_replaced_unless_it_names_something_larger(tmp_path, monkeypatch):
    monkeypatch.setenv("VEILLE_CACHE_DIR", str(tmp_path))
    _theirs, mine = _pipelines("fr")
    text = "Le patron d'OpenAI Sam Altman a vu Emmanuel Macron au Paris Saint-Germain puis Paris a voté."
    doc = mine.make_doc(text)
    model = [("OpenAI Sam Altman", "PER"), ("Emmanuel Macron", "PER"), ("Paris Saint-Germain", "ORG"),
             ("Paris a voté", "LOC")]
    doc.ents = [doc.char_span(text.index(t), text.index(t) + len(t), label) for t, label in model]
    doc = mine.get_pipe(FACTORY)(doc)
    assert [(e.text, e.label_, e.ent_id_) for e in doc.ents] == [
        ("OpenAI Sam Altman", "PER", ""),  # capitalised words around the known names: a longer name, kept
        ("Emmanuel Macron", "PER", ""),  # no known name inside: the model's stays
        ("Paris Saint-Germain", "ORG", ""),  # the club named after the city stays whole and unlinked
        ("Paris", "LOC", "paris")]  # a run into the sentence gives way to the known name


def test_the_second_build_reads_the_tokenisation_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VEILLE_CACHE_DIR", str(tmp_path))
    register()
    first = spacy.blank("fr")
    first.add_pipe(FACTORY).set_patterns(PATTERNS)
    files = list(cache_dir().glob("kb-ruler-*.pickle"))
    assert len(files) == 1
    # the file is what the next build reads: swapped here, OpenAI's tokens now stand for Booking.com
    orths = pickle.loads(files[0].read_bytes())
    orths[0], orths[1] = orths[1], orths[0]
    files[0].write_bytes(pickle.dumps(orths))
    second = spacy.blank("fr")
    second.add_pipe(FACTORY).set_patterns(PATTERNS)
    assert [(e.text, e.ent_id_) for e in second("OpenAI et Booking.com").ents] == [("OpenAI", "booking"),
                                                                               ("Booking.com", "openai")]
    other = spacy.blank("de")  # another tokenizer, or other patterns: another file
    other.add_pipe(FACTORY).set_patterns(PATTERNS[:5])
    assert len(list(cache_dir().glob("kb-ruler-*.pickle"))) == 2
