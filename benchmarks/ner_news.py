"""PER/ORG/LOC P/R/F1 of the whole entity stage on news-like gold: CoNLL-2003 testa (English
Reuters news), the French WikiNEuRal dev head (Wikipedia silver) and HIPE-2020 fr (OCR news).

Scoring: exact span and label, micro per label. Only PER, ORG and LOC are scored: gold MISC and
our MISC are ignored on both sides, and our PROG (programmes and laws, a type CoNLL lacks: CoNLL
tags "AI Act" MISC) is ignored too, so neither counts as a hit or a miss.

CoNLL tokens carry no spacing, so each sentence is detokenised (no space before "," "." ")"
and after "(" or an elided "l'"/"d'") with a character offset per token; a predicted mention
counts for the tokens it covers when it starts at a token start and ends at a token end
(else it is a false hit, as a span no token boundary allows). CoNLL has no document breaks in
this file: a dateline sentence ("LONDON 1996-08-30") opens a new document at the headline
before it, so the per-document vote works as in real articles. The French dev sentences come
from unrelated Wikipedia pages: one document each.

The trained languages' dev splits (de es it nl pt pl, same CoNLL format as ner_dev.py reads)
are scored the same way, one sentence per line and no document breaks (their sentences carry no
datelines to split on, so each is one document). `--raw` also scores the bare shipped pipeline
(no sentencizer, no knowledge-base ruler, no cleaning, cues or vote; labels mapped as the stage
maps them, MISC and PROG ignored) on the same detokenised text in the same run, and prints the
stage-minus-raw F1 gap per set: what the layers on top of the model add or cost.

    python benchmarks/ner_news.py [--limit N] [--sets en,fr,hipe,de,es,it,nl,pt,pl] [--misses ORG] [--raw]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from ner_hipe import LABELS, add, strict_counts, summary  # noqa: E402  (sibling benchmark)

from training.ner.conll import detokenise  # noqa: E402  (the re-spacing convert.py --tokens spacy trains on)

SHARED = ROOT.parent / "shared"
DEV_SETS = ("de", "es", "it", "nl", "pt", "pl")  # the trained pipelines' dev splits
_DATELINE = re.compile(r"\d{4}-\d{2}-\d{2}$")


def spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(first token, end token, label) of each BIO entity."""
    out, start, lab = [], None, None
    for i, t in enumerate([*tags, "O"]):
        if start is not None and not t.startswith("I-"):
            out.append((start, i, lab))
            start = None
        if t.startswith("B-"):
            start, lab = i, t[2:]
    return out


def conll_docs(corpus: Path, lang: str, split_datelines: bool, limit: int | None) -> list[dict]:
    """Documents of {text, gold: [(s, e, label) in chars], toks: offsets}: the dev sentences the
    language's shipped pipeline never trained on (see training/ner/evaluate.py:held_dev)."""
    from training.ner.evaluate import held_dev

    sents = [(toks, tags) for _row, toks, tags in held_dev(corpus, lang)]
    if limit:
        sents = sents[:limit]
    groups: list[list[int]] = []
    for i, (toks, _) in enumerate(sents):
        opens = not groups or not split_datelines
        if split_datelines and _DATELINE.search(toks[-1]) and i and groups and len(groups[-1]) > 1:
            groups[-1].pop()  # the headline before the dateline opens the new document
            groups.append([i - 1])
        elif opens:
            groups.append([])
        groups[-1].append(i)
    docs = []
    for g in groups:
        text, gold = "", []
        for si in g:
            toks, tags = sents[si]
            t, o = detokenise(toks)
            base = len(text) + (1 if text else 0)
            text = f"{text}\n{t}" if text else t
            o = [(s + base, e + base) for s, e in o]
            gold.extend((o[s][0], o[e - 1][1], lab) for s, e, lab in spans(tags) if lab in LABELS)
        docs.append({"text": text, "gold": gold})
    return docs


def hipe_docs(limit: int | None) -> list[dict]:
    path = SHARED / "corpus" / "ner" / "hipe2020-fr" / "documents.jsonl"
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    rows = rows[:limit] if limit else rows
    return [{"text": d["text"], "gold": [(e["start"], e["end"], e["label"]) for e in d["entities"]
                                         if e["label"] in LABELS]} for d in rows]


def score(docs: list[dict], lang: str, misses: str | None) -> dict:
    from nlp.analyze import Analyzer, Document

    analyzer = Analyzer()
    analyzer.analyze(Document(text="Emmanuel Macron était à Paris.", lang=lang))  # load before timing
    t0 = time.perf_counter()
    results = analyzer.analyze_many([Document(text=d["text"], lang=lang) for d in docs])
    secs = time.perf_counter() - t0
    total = {lab: Counter() for lab in LABELS}
    confusions: Counter = Counter()
    shown = 0
    for d, r in zip(docs, results):
        pred = [(m.start, m.end, m.label) for m in r.entities if m.label in LABELS]
        add(total, strict_counts(d["gold"], pred))
        by_span = {(s, e): lab for s, e, lab in pred}
        for s, e, lab in d["gold"]:
            got = by_span.get((s, e))
            if got != lab:
                confusions[f"{lab}->{got or '-'}"] += 1
                if misses and lab == misses and shown < 60:
                    near = [(d["text"][ps:pe], pl) for ps, pe, pl in pred if ps < e and s < pe]
                    print(f"MISS {d['text'][s:e]!r} got {near}  | {d['text'][max(0, s - 50):e + 30]!r}",
                          file=sys.stderr)
                    shown += 1
        if misses:
            gold_spans = {(s, e): lab for s, e, lab in d["gold"]}
            for s, e, lab in pred:
                if lab == misses and gold_spans.get((s, e)) != lab:
                    print(f"FALSE {d['text'][s:e]!r} gold {gold_spans.get((s, e))}  | "
                          f"{d['text'][max(0, s - 50):e + 30]!r}", file=sys.stderr)
    words = sum(len(d["text"].split()) for d in docs)
    return {"documents": len(docs), "words": words, "scores": summary(total),
            "gold_not_matched": dict(confusions.most_common(12)), "seconds": round(secs, 1)}


def score_raw(docs: list[dict], lang: str) -> dict | None:
    """The bare shipped pipeline (`nlp/pipelines/<lang>`) on the same texts, or None without one."""
    from nlp.entities import map_label
    from nlp.models import PIPELINES, _load_trained

    path = PIPELINES / lang
    if not (path / "meta.json").exists():
        return None
    nlp = _load_trained(str(path))
    total = {lab: Counter() for lab in LABELS}
    t0 = time.perf_counter()
    for d, doc in zip(docs, nlp.pipe([d["text"] for d in docs], batch_size=64)):
        pred = [(e.start_char, e.end_char, map_label(e.label_)) for e in doc.ents]
        add(total, strict_counts(d["gold"], [p for p in pred if p[2] in LABELS]))
    return {"model": f"nlp/pipelines/{lang}", "scores": summary(total), "seconds": round(time.perf_counter() - t0, 1)}


def _micro_f1(scores: dict) -> float | None:
    micro = scores.get("micro") or {}
    return micro.get("f1")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N sentences (CoNLL) / documents (HIPE)")
    ap.add_argument("--sets", default="en,fr,hipe", help=f"any of en,fr,hipe,{','.join(DEV_SETS)}")
    ap.add_argument("--raw", action="store_true", help="also score the bare shipped pipeline on the same text")
    ap.add_argument("--misses", default=None, help="print gold spans of this label we did not get, and our false ones (stderr)")
    args = ap.parse_args(argv)
    corpus = SHARED / "corpus" / "ner-train"
    out: dict = {"benchmark": "ner_news", "limit": args.limit, "cores": os.cpu_count(),
                 "scored": "PER/ORG/LOC exact span+label; gold MISC and our MISC/PROG ignored"}
    for name in args.sets.split(","):
        if name == "en":
            out["conll2003_en_testa"] = score(conll_docs(corpus, "en", True, args.limit), "en",
                                              args.misses)
        elif name == "fr":
            out["wikineural_fr_dev"] = score(conll_docs(corpus, "fr", False, args.limit), "fr",
                                             args.misses)
        elif name == "hipe":
            out["hipe2020_fr"] = score(hipe_docs(args.limit), "fr", args.misses)
        elif name in DEV_SETS:
            out[f"ner_train_{name}_dev"] = score(conll_docs(corpus, name, False, args.limit), name,
                                                 args.misses)
        else:
            ap.error(f"unknown set {name!r}")
        if args.raw:
            key = list(out)[-1]
            lang = "fr" if name == "hipe" else name
            docs = hipe_docs(args.limit) if name == "hipe" else conll_docs(
                corpus, lang, name == "en", args.limit)
            raw = score_raw(docs, lang)
            if raw is not None:
                out[key]["raw"] = raw
                stage_f1, raw_f1 = _micro_f1(out[key]["scores"]), _micro_f1(raw["scores"])
                if stage_f1 is not None and raw_f1 is not None:
                    out[key]["stage_minus_raw_f1"] = round(stage_f1 - raw_f1, 3)
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
