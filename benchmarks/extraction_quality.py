"""Extraction quality on ../shared/corpus/extraction: our extractor vs trafilatura's default, same run.

Implements the protocol of the corpus README: full-text sets scored on multisets of 4-gram
shingles of `\\w+` tokens (per-page P and R averaged, F1 of the averages, exact-token accuracy,
bootstrap ±); the snippets set scored with trafilatura's with/without substring protocol
(micro-averaged). French pages are reported on their own. Prints JSON.

    python benchmarks/extraction_quality.py [--corpus ../shared/corpus/extraction] [--sets a,b]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOKEN = re.compile(r"\w+")
SPACE = re.compile(r"\s+")


def decode(raw: bytes, declared: str | None) -> str:
    """The page as str: declared encoding, else UTF-8, <meta charset>, cp1252 (the protocol's order)."""
    from nlp.extract import decode_html

    return decode_html(raw, declared)


def shingles(text: str) -> Counter:
    toks = TOKEN.findall(text or "")
    if len(toks) < 4:
        return Counter([tuple(toks)]) if toks else Counter()
    return Counter(tuple(toks[i : i + 4]) for i in range(len(toks) - 3))


def score_full_text(pairs: list[tuple[str, str]], seed: int = 0) -> dict:
    """{f1, precision, recall, accuracy, f1_std, n} over (gold, predicted) texts."""
    per_page = []
    for gold, pred in pairs:
        g, p = shingles(gold), shingles(pred)
        tp = sum((g & p).values())
        fp = sum((p - g).values())
        fn = sum((g - p).values())
        exact = TOKEN.findall(gold or "") == TOKEN.findall(pred or "")
        per_page.append((tp, fp, fn, exact))

    def agg(rows):
        ps = [tp / (tp + fp) for tp, fp, fn, _ in rows if tp + fp > 0]
        rs = [tp / (tp + fn) for tp, fp, fn, _ in rows if tp + fn > 0]
        p = sum(ps) / len(ps) if ps else 0.0
        r = sum(rs) / len(rs) if rs else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return f1, p, r, sum(1 for *_, e in rows if e) / len(rows) if rows else 0.0

    f1, p, r, acc = agg(per_page)
    rng = random.Random(seed)
    boots = [agg([rng.choice(per_page) for _ in per_page])[0] for _ in range(1000)] if per_page else [0.0]
    mean = sum(boots) / len(boots)
    std = (sum((b - mean) ** 2 for b in boots) / len(boots)) ** 0.5
    return {"n": len(pairs), "f1": round(f1, 4), "precision": round(p, 4), "recall": round(r, 4),
            "accuracy": round(acc, 4), "f1_std": round(std, 4)}


def score_snippets(rows: list[tuple[list[str], list[str], str]]) -> dict:
    """Micro P/R/F1/accuracy of with/without snippets found in each output."""
    tp = fn = fp = tn = 0
    for with_, without, pred in rows:
        out = SPACE.sub(" ", pred or "")
        for s in with_:
            if SPACE.sub(" ", s) in out:
                tp += 1
            else:
                fn += 1
        for s in without:
            if SPACE.sub(" ", s) in out:
                fp += 1
            else:
                tn += 1
    total = tp + fn + fp + tn
    return {"n": len(rows), "f1": round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0,
            "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
            "accuracy": round((tp + tn) / total, 4) if total else 0.0}


def ours(html: str, url: str | None) -> str:
    from nlp.extract import extract_article

    # min_chars=1: the protocol scores every page; the crawler's 200-character floor is a separate,
    # deliberate choice (shorter extractions are listings or paywalls) measured in the crawl benchmark
    found = extract_article(html, url, min_chars=1)
    return found.text if found else ""


def trafilatura_default(html: str, url: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


EXTRACTORS = {"veille": ours, "trafilatura_default": trafilatura_default}


def load(corpus: Path, sets: list[str] | None):
    for gt in sorted(corpus.glob("*/ground_truth.jsonl")):
        name = gt.parent.name
        if sets and name not in sets:
            continue
        rows = [json.loads(line) for line in gt.read_text("utf-8").splitlines() if line.strip()]
        for row in rows:
            raw = gzip.decompress((gt.parent / row["html_path"]).read_bytes())
            row["_html"] = decode(raw, row.get("html_encoding"))
        yield name, rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parent.parent
    ap.add_argument("--corpus", default=str(here.parent / "shared" / "corpus" / "extraction"))
    ap.add_argument("--sets", help="comma-separated set names (default: all)")
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(json.dumps({"error": f"no corpus at {corpus}"}))
        return 1
    import logging

    logging.disable(logging.WARNING)  # trafilatura warns on every odd page
    result = {"benchmark": "extraction_quality", "cores": os.cpu_count(), "corpus": str(corpus), "sets": {},
              "french": {}, "throughput_pages_per_s": {}}
    fr_full: dict[str, list] = {k: [] for k in EXTRACTORS}
    fr_snip: dict[str, list] = {k: [] for k in EXTRACTORS}
    seconds = dict.fromkeys(EXTRACTORS, 0.0)
    pages = 0
    for name, rows in load(corpus, args.sets.split(",") if args.sets else None):
        entry = {}
        for key, fn in EXTRACTORS.items():
            fn(rows[0]["_html"], rows[0].get("url"))  # untimed warm-up
            preds = []
            t0 = time.perf_counter()
            for row in rows:
                preds.append(fn(row["_html"], row.get("url")))
            seconds[key] += time.perf_counter() - t0
            if rows[0].get("gold_type") == "snippets":
                data = [(r.get("with") or [], r.get("without") or [], p) for r, p in zip(rows, preds)]
                entry[key] = score_snippets(data)
                fr_snip[key] += [d for d, r in zip(data, rows) if r.get("lang") == "fr"]
            else:
                data = [(r.get("text") or "", p) for r, p in zip(rows, preds)]
                entry[key] = score_full_text(data)
                fr_full[key] += [d for d, r in zip(data, rows) if r.get("lang") == "fr"]
        pages += len(rows)
        result["sets"][name] = entry
    for key in EXTRACTORS:
        result["french"][key] = {"full_text": score_full_text(fr_full[key]) if fr_full[key] else None,
                                 "snippets": score_snippets(fr_snip[key]) if fr_snip[key] else None}
        result["throughput_pages_per_s"][key] = round(pages / seconds[key], 1) if seconds[key] else None
    result["pages"] = pages
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
