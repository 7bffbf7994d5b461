"""training/ner: the corpus conversion keeps official test splits out and caps silver fragments,
and the span scorer counts exact matches only."""
from __future__ import annotations

import gzip
from collections import Counter

import pytest

from training.ner.conll import count_matches, load_split, spans, summarise
from training.ner.convert import main as convert_main
from training.ner.convert import select_train

HEADER = "lang\tsplit\tsource\tstart\tend\tsentences\ttokens\tPER\tORG\tLOC\tMISC\thas_misc\trepo\tcommit\tpath\tdomain\tlicence\n"


def _corpus(tmp_path):
    """A tiny ner-train look-alike: gold 0-2, a -test source 2-4, WikiANN 4-8; dev 0-1."""
    train = [("Anna", "B-PER"), ("Berlin", "B-LOC"), ("Kiel", "B-LOC"), ("Bosch", "B-ORG"),
             ("Hans", "B-PER"), ("Ulm", "B-LOC"), ("Lidl", "B-ORG"), ("Jena", "B-LOC")]
    rows = [("train", "gold-train", 0, 2, "True"), ("train", "wikineural-xx-test", 2, 4, "True"),
            ("train", "wikiann-xx-train", 4, 8, "False"), ("dev", "gold-dev", 0, 1, "True")]
    (tmp_path / "de").mkdir()
    with gzip.open(tmp_path / "de" / "train.conll.gz", "wt", encoding="utf-8") as f:
        for tok, tag in train:
            f.write(f"{tok}\t{tag}\nwohnt\tO\nhier\tO\n\n")
    with gzip.open(tmp_path / "de" / "dev.conll.gz", "wt", encoding="utf-8") as f:
        f.write("Die\tO\nDeutsche\tB-ORG\nBahn\tI-ORG\nfährt\tO\n.\tO\n\nEM\tB-MISC\n\n")
    rows[-1] = ("dev", "gold-dev", 0, 2, "True")
    with open(tmp_path / "sources.tsv", "w", encoding="utf-8") as f:
        f.write(HEADER)
        for split, name, a, b, misc in rows:
            f.write(f"de\t{split}\t{name}\t{a}\t{b}\t{b - a}\t0\t0\t0\t0\t0\t{misc}\tr\tc\tp\td\tlic {name}\n")
    return tmp_path


def test_test_splits_never_reach_training_and_wikiann_is_capped(tmp_path):
    data = _corpus(tmp_path)
    kept, stats = select_train(load_split(data, "de", "train"), wikiann_cap=2, seed=0)
    first = {toks[0] for _r, toks, _t in kept}
    assert not first & {"Kiel", "Bosch"}           # the -test source's sentences
    assert {"Anna", "Berlin"} <= first
    assert len(first & {"Hans", "Ulm", "Lidl", "Jena"}) == 2
    by = {s["source"]: s for s in stats}
    assert by["wikineural-xx-test"]["used"] == 0 and "test split" in by["wikineural-xx-test"]["dropped"]
    assert by["wikiann-xx-train"]["used"] == 2


def test_convert_writes_docbins_with_misc_mapped_to_o(tmp_path):
    import spacy
    from spacy.tokens import DocBin

    data = _corpus(tmp_path)
    out = tmp_path / "out"
    assert convert_main(["--lang", "de", "--data", str(data), "--out", str(out), "--misc", "drop",
                         "--wikiann-cap", "-1"]) == 0
    nlp = spacy.blank("de")
    train = list(DocBin().from_disk(out / "train.spacy").get_docs(nlp.vocab))
    dev = list(DocBin().from_disk(out / "dev.spacy").get_docs(nlp.vocab))
    assert len(train) == 6 and all(d[0].text not in ("Kiel", "Bosch") for d in train)
    assert [(e.text, e.label_) for e in dev[0].ents] == [("Deutsche Bahn", "ORG")]
    assert list(dev[1].ents) == []                  # MISC became O


def test_spacy_tokens_carry_the_entities_over_to_the_tokens_the_pipeline_sees():
    import spacy

    from training.ner.conll import detokenise
    from training.ner.convert import to_docbin

    nlp = spacy.blank("en")
    toks = ["Chen", "Chun-yeh", "of", "Mercedes-Benz", "(", "Germany", ")", "said", "U.S.", "'s", "part", "."]
    tags = ["B-PER", "I-PER", "O", "B-ORG", "O", "B-LOC", "O", "O", "B-LOC", "O", "O", "O"]
    text, offs = detokenise(toks)
    assert text == "Chen Chun-yeh of Mercedes-Benz (Germany) said U.S.'s part."
    assert [text[a:b] for a, b in offs] == toks
    db, counts, widened = to_docbin(nlp, [({}, toks, tags)], "drop", "spacy")
    (doc,) = db.get_docs(nlp.vocab)
    assert doc.text == text and len(doc) > len(toks)  # spaCy splits at the hyphens
    assert [(e.text, e.label_) for e in doc.ents] == [("Chen Chun-yeh", "PER"), ("Mercedes-Benz", "ORG"),
                                                      ("Germany", "LOC"), ("U.S.", "LOC")]
    assert counts == {"PER": 1, "ORG": 1, "LOC": 2} and widened == 0
    db, _, _ = to_docbin(nlp, [({}, toks, tags)], "drop")  # the corpus's own tokens, as before
    (doc,) = db.get_docs(nlp.vocab)
    assert [t.text for t in doc] == toks


def test_exact_span_scoring():
    gold = spans(["B-PER", "I-PER", "O", "B-LOC", "B-ORG"])
    assert gold == [(0, 2, "PER"), (3, 4, "LOC"), (4, 5, "ORG")]
    pred = [(0, 1, "PER"), (3, 4, "LOC"), (4, 5, "LOC")]   # short span, right, wrong label
    totals = {lab: Counter() for lab in ("PER", "ORG", "LOC")}
    for lab, c in count_matches(gold, pred).items():
        totals[lab] += c
    s = summarise(totals)
    assert (s["LOC"]["tp"], s["LOC"]["fp"]) == (1, 1)
    assert (s["PER"]["tp"], s["PER"]["fn"], s["ORG"]["fn"]) == (0, 1, 1)
    assert s["micro"]["p"] == pytest.approx(1 / 3, abs=1e-3) and s["micro"]["r"] == pytest.approx(1 / 3, abs=1e-3)


def test_dev_share_trains_on_the_head_of_each_dev_source_and_scores_the_rest():
    from training.ner.convert import split_dev

    def sent(source, i):
        return ({"source": source, "start": "0", "has_misc": "True", "licence": "lic", "domain": "news"},
                [f"{source}{i}"], ["O"])

    dev = [sent("a", i) for i in range(4)] + [sent("b", i) for i in range(10)]
    moved, kept, stats = split_dev(dev, 0.5)
    assert [t[0] for _r, t, _g in moved] == ["a0", "a1", "b0", "b1", "b2", "b3", "b4"]
    assert [t[0] for _r, t, _g in kept] == ["a2", "a3", "b5", "b6", "b7", "b8", "b9"]  # contiguous tails
    assert [(s["used"], s["sentences"], s["range"]) for s in stats] == [(2, 4, [0, 2]), (5, 10, [0, 5])]
    assert split_dev(dev, 0.0)[1] == dev


def test_encoder_word_vectors_put_like_names_together():
    """training/ner/vectors.py: a word's vector is the mean of the sentence encoder's pieces."""
    import numpy as np

    from training.ner.vectors import encoder_table, pca, word_vectors

    tokenizer, rows = encoder_table()
    words = ["Hamburg", "München", "Köln", "Siemens", "Bosch", "gestern", "morgen", "laufen"]
    vecs = word_vectors(words, tokenizer, rows)
    unit = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    sim = unit @ unit.T
    assert sim[0, 1] > sim[0, 5] and sim[0, 2] > sim[0, 7]  # cities nearer cities than adverbs or verbs
    reduced, kept = pca(vecs, 4)
    assert reduced.shape == (8, 4) and 0 < kept <= 1


def test_a_pipeline_trained_on_part_of_dev_is_scored_on_the_rest_only(tmp_path):
    import json

    from training.ner.evaluate import shipped_dev_share, trained_dev_share

    (tmp_path / "meta.json").write_text(json.dumps({"lang": "de", "veille_dev_share": 0.5}), "utf-8")
    assert trained_dev_share(tmp_path) == 0.5
    assert trained_dev_share(tmp_path / "missing") == 0.0 and trained_dev_share("fr_core_news_md") == 0.0
    assert shipped_dev_share("de") == 0.5  # the shipped German pipeline learnt from the first halves
