"""Step 6 of entities_from_doc: the untagged repeats of a name, a person's surname alone too,
become mentions of it; words that only look like the name stay out."""
from __future__ import annotations

import pytest
import spacy

from nlp.entities import entities_from_doc
from nlp.entity_cues import cues_for
from nlp.entity_repeats import add_repeats
from nlp.kb import KnowledgeBase
from nlp.types import EntityMention
from tests.model_docs import doc_with_ents


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.default()


def _entities(lang: str, text: str, found: list[tuple[str, str]], kb) -> list[tuple[str, str, str]]:
    """entities_from_doc on a doc whose model entities are `found`, in order of appearance."""
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    doc = doc_with_ents(nlp, text, found)
    return [(m.text, m.label, m.canonical) for m in entities_from_doc(doc, kb)]


def test_a_surname_alone_after_the_full_name_is_the_same_person(kb):
    text = ("Der Zulieferer Halvorsen Antriebe hat Jörg Tannhäuser zum Chef ernannt. "
            "Tannhäuser kommt von Bosch. Wie Tannhäuser sagte, bleibt Halvorsen Antriebe in Ulm.")
    got = _entities("de", text, [("Halvorsen Antriebe", "ORG"), ("Jörg Tannhäuser", "PER"), ("Bosch", "ORG"),
                                 ("Ulm", "LOC")], kb)
    assert [g for g in got if g[1] == "PER"] == [("Jörg Tannhäuser", "PER", "Jörg Tannhäuser"),
                                                ("Tannhäuser", "PER", "Jörg Tannhäuser"),
                                                ("Tannhäuser", "PER", "Jörg Tannhäuser")]
    assert [g[0] for g in got if g[1] == "ORG"].count("Halvorsen Antriebe") == 2  # the company's repeat too


def test_a_surname_that_is_also_a_word_is_left_after_an_article():
    cues = cues_for("de")
    text = "Martina Koch eröffnet ein Restaurant. Der Koch dort heißt Paul. Koch sagte, es laufe gut."
    first = EntityMention("Martina Koch", "PER", "Martina Koch", 0, 12)
    got = add_repeats([first], text, cues)
    assert [(m.text, m.start) for m in got] == [("Martina Koch", 0), ("Koch", text.index("Koch sagte"))]


def test_part_of_a_longer_name_or_word_is_no_repeat():
    cues = cues_for("en")
    text = ("Paris is hosting the summit. Paris Hilton was not invited, nor was Michel Paris; "
            "the Paris-based lab and Parisian cafés stayed open. In Paris, delegates met.")
    got = add_repeats([EntityMention("Paris", "LOC", "Paris", 0, 5, "paris")], text, cues)
    assert [m.start for m in got] == [0, text.index("Paris, delegates")]
    assert got[1].kb_id == "paris"


def test_a_form_two_names_share_is_not_spread():
    cues = cues_for("en")
    text = "Anna Berger met Tom Berger in Vienna. Later, Berger said the talks went well."
    one = EntityMention("Anna Berger", "PER", "Anna Berger", 0, 11)
    two = EntityMention("Tom Berger", "PER", "Tom Berger", 16, 26)
    assert add_repeats([one, two], text, cues) == [one, two]


def test_a_title_before_the_surname_does_not_make_it_part_of_a_name():
    cues = cues_for("de")
    text = "Olaf Scholz reiste nach Paris. Dort traf Bundeskanzler Scholz den Präsidenten."
    got = add_repeats([EntityMention("Olaf Scholz", "PER", "Olaf Scholz", 0, 11)], text, cues)
    assert [m.text for m in got] == ["Olaf Scholz", "Scholz"]
