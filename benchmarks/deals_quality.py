"""Deal extraction: recall and precision on the labelled development set, and its cost
against the NLP stage.

Data: `benchmarks/data/deals_dev.jsonl`, one sentence (or a sentence pair) per line, written
for this set in fr, en, de, es and it, telling real deals of AI and tech policy, with the
deals it tells (`kind`, `status`, parties with roles, the amount text when stated); lines with
`no_deal_figure` carry a figure (market, revenue, valuation, forecast, old budget) and no deal.

Each text goes through the real stage (`nlp.analyze.Analyzer`: NER, KB linking, dates,
amounts, deals). A language the stage does not analyse yet is given the knowledge-base entity
ruler on a blank spaCy pipeline, dates and amounts as the rules find them: its figures say what
deal extraction does with what the stage gives it today.

`analysed_languages` sums the languages the stage analyses today (entities, amounts); the
others are scored on what the KB ruler alone gives them.

Scores: a gold deal is found when a predicted deal of the same sentence has its kind, every
gold party (name or canonical name, accents and case ignored, one containing the other) and,
when the gold states an amount, that amount (same text, or the same value within 2%). A
predicted deal is correct when it finds a gold deal of its sentence. `roles` is the share of
found gold parties given the gold role; `status` the share of found deals with the gold status.

Speed: the stage on news articles (extraction corpus full texts in fr/en/de and the demo
articles), then `find_deals` alone on the same analyses; `ratio` = deal time / rest of the
stage. Target: <= 0.15.

    python benchmarks/deals_quality.py [--words 20000] [--show-errors]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
DEV = ROOT / "benchmarks" / "data" / "deals_dev.jsonl"


def load(path: Path = DEV) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def analyse(items: list[dict]):
    """One `Analysis` per item, in order (see the module docstring for unanalysed languages)."""
    from nlp.analyze import Analyzer, Document
    from nlp.language import ANALYSED

    analyzer = Analyzer()
    out: list = [None] * len(items)
    here = [i for i, it in enumerate(items) if it["lang"] in ANALYSED]
    docs = [Document(text=items[i]["text"], published=items[i]["published"], lang=items[i]["lang"]) for i in here]
    for i, res in zip(here, analyzer.analyze_many(docs)):
        out[i] = res
    for i, it in enumerate(items):
        if out[i] is None:
            out[i] = _ruler_only(it, analyzer.kb)
    return out, analyzer.kb


def _ruler_only(item: dict, kb):
    import datetime as dt

    from nlp.amounts import find_amounts
    from nlp.analyze import _sentence_starts
    from nlp.dates import find_dates
    from nlp.deals import find_deals
    from nlp.entities import entities_from_doc
    from nlp.types import Analysis

    nlp = _blank_pipeline(item["lang"], kb)
    doc = nlp(item["text"])
    on = dt.date.fromisoformat(item["published"])
    an = Analysis(lang=item["lang"], title=None, published=item["published"], author=None, text=item["text"])
    an.entities = entities_from_doc(doc, kb)
    an.dates = find_dates(an.text, an.lang, on)
    an.amounts = find_amounts(an.text, an.lang, on)
    an.sentence_starts = _sentence_starts(doc)
    an.deals = find_deals(an, kb)
    return an


_BLANK: dict = {}


def _blank_pipeline(lang: str, kb):
    if lang not in _BLANK:
        import spacy

        from nlp.kb_ruler import FACTORY, register

        register()
        nlp = spacy.blank(lang)
        nlp.add_pipe("sentencizer")
        nlp.add_pipe(FACTORY).set_patterns(kb.ruler_patterns(lang))
        _BLANK[lang] = nlp
    return _BLANK[lang]


# -- scoring --------------------------------------------------------------------------------------


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.casefold())
    return " ".join("".join(c for c in s if not unicodedata.combining(c)).replace("’", "'").split())


def _same_name(gold: str, p: dict) -> bool:
    g = _norm(gold)
    return any(g and n and (g in n or n in g) for n in (_norm(p["name"]), _norm(p["canonical"])))


def _amount_ok(gold: str | None, pred: dict | None, value: float | None) -> bool:
    if gold is None:
        return True
    if pred is None:
        return False
    return _norm(pred["text"]) == _norm(gold) or (value is not None and abs(pred["value"] - value) <= 0.02 * value)


def _gold_value(item: dict, text: str | None, an) -> float | None:
    """The value of the gold amount text, as the stage parsed that very span."""
    if text is None:
        return None
    for a in an.amounts:
        if _norm(a.text) == _norm(text) or _norm(text) in _norm(a.text):
            return a.value
    return None


def matches(gold: dict, pred: dict, value: float | None) -> bool:
    return (gold["kind"] == pred["kind"]
            and all(any(_same_name(g["name"], p) for p in pred["parties"]) for g in gold["parties"])
            and _amount_ok(gold["amount"], pred["amount"], value))


def score(items: list[dict], analyses) -> dict:
    per: dict[str, dict] = {}
    errors = []
    for it, an in zip(items, analyses):
        preds = [d.to_json() for d in an.deals]
        s = per.setdefault(it["lang"], {"gold": 0, "found": 0, "pred": 0, "correct": 0, "roles": [0, 0],
                                        "status": [0, 0], "no_deal_items": 0, "no_deal_false": 0})
        s["gold"] += len(it["deals"])
        s["pred"] += len(preds)
        if it["no_deal_figure"]:
            s["no_deal_items"] += 1
            s["no_deal_false"] += len(preds)
        used = set()
        for g in it["deals"]:
            value = _gold_value(it, g["amount"], an)
            hit = next((j for j, p in enumerate(preds) if j not in used and matches(g, p, value)), None)
            if hit is None:
                errors.append({"id": it["id"], "missed": g, "predicted": preds})
                continue
            used.add(hit)
            s["found"] += 1
            p = preds[hit]
            for gp in g["parties"]:
                s["roles"][1] += 1
                s["roles"][0] += any(_same_name(gp["name"], q) and q["role"] == gp["role"] for q in p["parties"])
            s["status"][1] += 1
            s["status"][0] += p["status"] == g["status"]
        s["correct"] += len(used)
        for j, p in enumerate(preds):
            if j not in used:
                errors.append({"id": it["id"], "spurious": p})
    from nlp.language import ANALYSED

    return {"per_lang": {k: _ratios(v) for k, v in sorted(per.items())},
            "all": _ratios(_sum(per.values())),
            # the languages the stage gives entities and amounts today: what deal extraction can do
            "analysed_languages": {"languages": list(ANALYSED),
                                   **_ratios(_sum(v for k, v in per.items() if k in ANALYSED))},
            "errors": errors}


def _sum(rows) -> dict:
    out: dict = {}
    for r in rows:
        for k, v in r.items():
            out[k] = [a + b for a, b in zip(out.get(k, [0, 0]), v)] if isinstance(v, list) else out.get(k, 0) + v
    return out


def _ratios(s: dict) -> dict:
    def div(a, b):
        return round(a / b, 3) if b else None

    return {"gold_deals": s["gold"], "predicted": s["pred"], "recall": div(s["found"], s["gold"]),
            "precision": div(s["correct"], s["pred"]), "role_accuracy": div(*s["roles"]),
            "status_accuracy": div(*s["status"]), "no_deal_sentences": s["no_deal_items"],
            "no_deal_false_positives": s["no_deal_false"]}


# -- speed ----------------------------------------------------------------------------------------


def news_texts(words: int) -> list[tuple[str, str]]:
    """(lang, text) of news articles in fr/en/de, cycled to about `words` words."""
    texts = []
    for name in ("fundus-eu", "readability-testpages-eu", "scrapinghub-aeb", "trafilatura-eval-eu"):
        path = SHARED / "corpus" / "extraction" / name / "ground_truth.jsonl"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            if d.get("lang") in ("fr", "en", "de") and d.get("gold_type") == "full_text" and d.get("text"):
                texts.append((d["lang"], d["text"]))
    out, n, i = [], 0, 0
    while texts and n < words:
        out.append(texts[i % len(texts)])
        n += len(texts[i % len(texts)][1].split())
        i += 1
    return out


def speed(words: int) -> dict:
    from nlp.analyze import Analyzer, Document
    from nlp.deals import find_deals

    texts = news_texts(words)
    docs = [Document(text=t, lang=lang, published="2025-07-21") for lang, t in texts]
    analyzer = Analyzer()
    analyzer.analyze_many(docs[:6])  # warm-up: model loads are not the stage's throughput
    t0 = time.perf_counter()
    results = analyzer.analyze_many(docs)
    stage = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_deals = sum(len(find_deals(r, analyzer.kb)) for r in results)
    deals = time.perf_counter() - t0
    n_words = sum(len(t.split()) for _, t in texts)
    return {"documents": len(docs), "words": n_words, "stage_seconds": round(stage, 2),
            "stage_words_per_s": round(n_words / stage), "deal_seconds": round(deals, 3),
            "deal_words_per_s": round(n_words / deals) if deals else None,
            "ratio": round(deals / max(stage - deals, 1e-9), 4), "deals_found": n_deals}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--words", type=int, default=20000, help="Words of news for the speed run (0: skip).")
    ap.add_argument("--show-errors", action="store_true", help="Print missed and spurious deals too.")
    args = ap.parse_args()
    items = load()
    analyses, _kb = analyse(items)
    result = score(items, analyses)
    errors = result.pop("errors")
    out = {"benchmark": "deals_quality", "cpu_count": os.cpu_count(), "items": len(items),
           "languages": sorted({it["lang"] for it in items}), **result}
    if args.words:
        out["speed"] = speed(args.words)
    if args.show_errors:
        out["errors"] = errors
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
