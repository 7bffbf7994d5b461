"""Score an NER pipeline on a ner-train dev split: exact span + label P/R/F1, and words/s.

    python training/ner/evaluate.py PIPELINE_DIR_OR_PACKAGE --lang de
        [--data ../shared/corpus/ner-train] [--limit N] [--out scores.json]

The dev sentences keep the corpus tokenisation (one Doc per sentence, built from its
tokens), so spans compare token for token with the gold; only the NER side runs (for a
packaged model: its tok2vec and ner, with the other components disabled). Speed is the
NER over those Docs in this one process, so set OMP_NUM_THREADS=1 for a one-core figure.
Packaged English models use OntoNotes labels: PERSON->PER, GPE/LOC/FAC->LOC, ORG->ORG, the
rest (NORP, EVENT, ...) is not an entity here.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")   # must precede numpy's import to take effect
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from training.ner.conll import (  # noqa: E402
    ALL_LABELS,
    DEFAULT_DATA,
    ROOT,
    SCORED,
    count_matches,
    load_split,
    prf,
    spans,
    summarise,
)

ONTONOTES = {"PERSON": "PER", "PER": "PER", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "ORG": "ORG"}
NEEDED = ("tok2vec", "ner")   # components the NER needs; the rest is switched off for speed


def load_ner(name: str):
    """spacy.load with only what the ner component needs enabled."""
    import spacy

    nlp = spacy.load(name)
    for pipe in nlp.pipe_names:
        if pipe not in NEEDED:
            nlp.disable_pipe(pipe)
    return nlp


def trained_dev_share(model: str | Path) -> float:
    """The share of each dev source a pipeline directory was trained on (its meta.json's
    `veille_dev_share`, written by package.py); 0 for an installed package or none recorded."""
    meta = Path(model) / "meta.json"
    return float(json.loads(meta.read_text(encoding="utf-8")).get("veille_dev_share", 0.0)) if meta.is_file() else 0.0


def shipped_dev_share(lang: str) -> float:
    """The share of each dev source the shipped pipeline of `lang` was trained on (0: none)."""
    return trained_dev_share(ROOT / "nlp" / "pipelines" / lang)


def held_dev(data: Path, lang: str, share: float | None = None) -> list[tuple[dict, list[str], list[str]]]:
    """The dev sentences of `lang` left out of training when the first `share` of each dev
    source was trained on (convert.py --dev-share), in file order; `share` None: the share
    the shipped pipeline of `lang` was trained on."""
    from training.ner.convert import split_dev

    share = shipped_dev_share(lang) if share is None else share
    return split_dev(load_split(data, lang, "dev"), share)[1]


def dev_sentences(data: Path, lang: str, limit: int = 0, dev_share: float = 0.0) -> list[tuple[list[str], list[tuple], str]]:
    """[(tokens, gold spans, source name)] of a dev split; with `dev_share`, only the part of
    each dev source that convert.py left out of train (see its --dev-share)."""
    dev = held_dev(data, lang, dev_share)
    sents = [(toks, spans(tags), r["source"]) for r, toks, tags in dev]
    return sents[:limit] if limit else sents


def score(nlp, sents, label_map: dict | None = None, labels=SCORED) -> dict:
    """Per-label and micro P/R/F1 over `labels`, plus words/s of the NER pass."""
    from spacy.tokens import Doc

    docs = [Doc(nlp.vocab, words=toks) for toks, _g, _s in sents]
    words = sum(len(d) for d in docs)
    t0, c0 = time.perf_counter(), time.process_time()
    docs = list(nlp.pipe(docs, batch_size=256))
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    totals = {lab: Counter() for lab in labels}
    per_source: dict[str, Counter] = {}   # dev splits that mix domains are also scored per part
    for doc, (_toks, gold, source) in zip(docs, sents):
        pred = []
        for e in doc.ents:
            lab = label_map.get(e.label_) if label_map is not None else e.label_
            if lab:
                pred.append((e.start, e.end, lab))
        for lab, c in count_matches(gold, pred, labels).items():
            totals[lab] += c
            per_source.setdefault(source, Counter()).update(c)
    out = summarise(totals)
    if len(per_source) > 1:
        out["by_source"] = {src: prf(c) for src, c in per_source.items()}
    out["words"] = words
    out["words_per_s"] = round(words / elapsed) if elapsed else None
    # Per CPU-second of this one-thread process: what one core delivers, less skewed than
    # wall time when other jobs share the machine.
    out["words_per_cpu_s"] = round(words / cpu) if cpu else None
    out["load_avg_1min"] = round(os.getloadavg()[0], 2)   # the machine is shared: context for the speed
    return out


def evaluate(name: str, lang: str, data: Path = DEFAULT_DATA, limit: int = 0, dev_share: float | None = None) -> dict:
    """Scores on PER/ORG/LOC (what veille keeps) and, when the model has MISC, on all four.
    `dev_share` None: the share the pipeline itself was trained on, so it is never scored on
    sentences it learnt from."""
    if dev_share is None:
        dev_share = trained_dev_share(name)
    nlp = load_ner(name)
    sents = dev_sentences(data, lang, limit, dev_share)
    ner_labels = set(nlp.get_pipe("ner").labels)
    mapping = ONTONOTES if "PERSON" in ner_labels else None
    result = {"model": name, "lang": lang, "sentences": len(sents), "dev_share": dev_share,
              "per_org_loc": score(nlp, sents, mapping)}
    if "MISC" in ner_labels:
        result["all_labels"] = score(nlp, sents, None, ALL_LABELS)
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="pipeline directory or installed package name")
    ap.add_argument("--lang", required=True)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=0, help="first N dev sentences only")
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    ap.add_argument("--dev-share", type=float, default=None,
                    help="score only the dev part a convert.py --dev-share run left out of train "
                         "(default: the share recorded in the pipeline's meta.json, else 0)")
    args = ap.parse_args(argv)
    result = evaluate(args.model, args.lang, args.data, args.limit, args.dev_share)
    result["cpu_count"] = os.cpu_count()
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
