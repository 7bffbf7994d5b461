"""PER/LOC/ORG F1 on ../shared/corpus/ner/hipe2020-fr: our entity stage vs raw fr_core_news_md.

Both run on the same documents in the same process. Scoring follows the corpus README's
suggestion: strict span matching (an entity counts only when start, end and label all match),
micro P/R/F1 per label. A lenient figure (same label, overlapping spans, each gold and predicted
entity used once) is given too, because our stage deliberately trims mentions ("le sieur X"
-> "X", edge punctuation), which the strict measure counts as a miss and a false hit.

Ours = `Analyzer.analyze_many` with the language forced to French (the whole stage: ruler
fed by the knowledge base, NER, cleaning, linking, cue typing, per-document vote); our labels
PROG and MISC are not scored. The text is 1798-2018 Swiss newspaper OCR: the point is no
regression against the raw model, not a high score.

    python benchmarks/ner_hipe.py [--docs ../shared/corpus/ner/hipe2020-fr/documents.jsonl]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

LABELS = ("PER", "LOC", "ORG")


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 3), "r": round(r, 3), "f1": round(f, 3), "tp": tp, "fp": fp, "fn": fn}


def strict_counts(gold: list[tuple], pred: list[tuple]) -> dict[str, Counter]:
    """{label: Counter(tp, fp, fn)} with exact (start, end, label) matches."""
    out = {lab: Counter() for lab in LABELS}
    g, p = Counter(gold), Counter(pred)
    for (s, e, lab), n in g.items():
        tp = min(n, p.get((s, e, lab), 0))
        out[lab]["tp"] += tp
        out[lab]["fn"] += n - tp
    for (s, e, lab), n in p.items():
        out[lab]["fp"] += max(0, n - g.get((s, e, lab), 0))
    return out


def lenient_counts(gold: list[tuple], pred: list[tuple]) -> dict[str, Counter]:
    """{label: Counter(tp, fp, fn)}: same label and overlapping spans, one-to-one, greedy in order."""
    out = {lab: Counter() for lab in LABELS}
    used: set[int] = set()
    for s, e, lab in gold:
        hit = next((j for j, (ps, pe, pl) in enumerate(pred)
                    if j not in used and pl == lab and ps < e and s < pe), None)
        if hit is None:
            out[lab]["fn"] += 1
        else:
            used.add(hit)
            out[lab]["tp"] += 1
    for j, (_, _, lab) in enumerate(pred):
        if j not in used:
            out[lab]["fp"] += 1
    return out


def add(total: dict[str, Counter], part: dict[str, Counter]) -> None:
    for lab, c in part.items():
        total[lab].update(c)


def summary(total: dict[str, Counter]) -> dict:
    res = {lab: prf(total[lab]["tp"], total[lab]["fp"], total[lab]["fn"]) for lab in LABELS}
    micro = sum((total[lab] for lab in LABELS), Counter())
    res["micro"] = prf(micro["tp"], micro["fp"], micro["fn"])
    return res


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", default=str(ROOT.parent / "shared" / "corpus" / "ner" / "hipe2020-fr" / "documents.jsonl"))
    ap.add_argument("--size", default="md", choices=("md", "sm"))
    args = ap.parse_args(argv)

    docs = [json.loads(line) for line in Path(args.docs).read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [d["text"] for d in docs]
    gold = [[(e["start"], e["end"], e["label"]) for e in d["entities"] if e["label"] in LABELS] for d in docs]
    words = sum(len(t.split()) for t in texts)

    import spacy

    from nlp.analyze import Analyzer, Document

    # raw model, every component, as shipped
    raw = spacy.load(f"fr_core_news_{args.size}")
    t0 = time.perf_counter()
    raw_pred = [[(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in LABELS]
                for doc in raw.pipe(texts, batch_size=32)]
    raw_s = time.perf_counter() - t0

    analyzer = Analyzer(size=args.size)
    analyzer.analyze(Document(text="Emmanuel Macron était à Paris.", lang="fr"))  # load outside the timing
    t0 = time.perf_counter()
    results = analyzer.analyze_many([Document(text=t, lang="fr") for t in texts])
    ours_s = time.perf_counter() - t0
    our_pred = [[(m.start, m.end, m.label) for m in r.entities if m.label in LABELS] for r in results]

    scores = {}
    for name, pred in (("raw_fr_core_news_" + args.size, raw_pred), ("veille", our_pred)):
        strict = {lab: Counter() for lab in LABELS}
        lenient = {lab: Counter() for lab in LABELS}
        for g, p in zip(gold, pred):
            add(strict, strict_counts(g, p))
            add(lenient, lenient_counts(g, p))
        scores[name] = {"strict": summary(strict), "lenient": summary(lenient)}
    ours, base = scores["veille"], scores["raw_fr_core_news_" + args.size]
    result = {
        "benchmark": "ner_hipe2020_fr",
        "documents": len(docs), "words": words,
        "gold_entities": {lab: sum(1 for g in gold for e in g if e[2] == lab) for lab in LABELS},
        "scores": scores,
        "f1_delta_strict": {lab: round(ours["strict"][lab]["f1"] - base["strict"][lab]["f1"], 3)
                            for lab in (*LABELS, "micro")},
        "f1_delta_lenient": {lab: round(ours["lenient"][lab]["f1"] - base["lenient"][lab]["f1"], 3)
                             for lab in (*LABELS, "micro")},
        "seconds": {"raw": round(raw_s, 1), "veille": round(ours_s, 1)},
        "cores": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
