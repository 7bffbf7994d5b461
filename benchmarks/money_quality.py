"""Money extraction (nlp.amounts) on the development suite benchmarks/data/money_dev/<lang>.jsonl.

Each line: {"text", "expected": [{"text", "value", "unit", optional "max"}]}; a line with an
empty list is a negative (model names, years, phone numbers, article numbers, versions...).

- A predicted money amount is correct when its span text equals an expected one, its unit is
  the same and its value (and upper bound, for a range) is within 0.1%; a range predicted where
  none is expected, or the reverse, is wrong.
- Recall per language and per currency, precision per language on the positive lines, and
  false money: money predicted on a negative line.
- Speed: expected expressions per second and words per second over the whole suite, one core.

Prints JSON.

    python benchmarks/money_quality.py [--data benchmarks/data/money_dev] [--details]
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

ON = None  # EUR conversion date is irrelevant to what is scored


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-3 * max(abs(a), abs(b), 1e-9)


def _matches(pred, exp: dict) -> bool:
    return (pred.text == exp["text"] and pred.unit == exp["unit"] and _close(pred.value, exp["value"])
            and _close(pred.max, exp.get("max")))


def score_lang(rows: list[dict], lang: str, details: list | None) -> dict:
    from nlp.amounts import find_amounts

    tp = n_exp = n_pred = false_money = 0
    cur_total: Counter = Counter()
    cur_found: Counter = Counter()
    for row in rows:
        preds = [a for a in find_amounts(row["text"], lang, ON) if a.kind == "money"]
        if not row["expected"]:
            false_money += len(preds)
            if preds and details is not None:
                details.append({"lang": lang, "text": row["text"], "false": [p.text for p in preds]})
            continue
        n_exp += len(row["expected"])
        n_pred += len(preds)
        used: set[int] = set()
        for exp in row["expected"]:
            cur_total[exp["unit"]] += 1
            hit = next((i for i, p in enumerate(preds) if i not in used and _matches(p, exp)), None)
            if hit is None:
                if details is not None:
                    details.append({"lang": lang, "text": row["text"], "missed": exp,
                                    "got": [(p.text, p.value, p.unit, p.max) for p in preds]})
                continue
            used.add(hit)
            tp += 1
            cur_found[exp["unit"]] += 1
    return {
        "expressions": n_exp, "negatives": sum(1 for r in rows if not r["expected"]),
        "recall": round(tp / n_exp, 3) if n_exp else None,
        "precision": round(tp / n_pred, 3) if n_pred else None,
        "false_money": false_money, "_cur_total": cur_total, "_cur_found": cur_found,
    }


def speed(suite: dict[str, list[dict]], repeat: int) -> dict:
    from nlp.amounts import find_amounts

    for lang, rows in suite.items():  # compile every language's rules before timing
        find_amounts(rows[0]["text"], lang)
    n_expr = sum(len(r["expected"]) for rows in suite.values() for r in rows)
    n_words = sum(len(r["text"].split()) for rows in suite.values() for r in rows)
    t0 = time.perf_counter()
    for _ in range(repeat):
        for lang, rows in suite.items():
            for r in rows:
                find_amounts(r["text"], lang)
    dt = time.perf_counter() - t0
    # A long French article (the measurement tests/test_amounts.py used to assert): mostly
    # prose, so it shows the cost on ordinary text rather than on amount-dense sentences.
    article = (
        "Le 21 juillet 2025, OpenAI et le DSIT ont signé un accord. Bpifrance a annoncé hier "
        "un fonds de 25 millions d'euros pour 20 000 PME d'ici 2030, avec 1,5 % de croissance "
        "et le règlement (UE) 2024/1689 en toile de fond. Mistral AI a levé six cents millions "
        "en février 2025 ; le mois dernier, France 2030 a financé 200 projets. "
    ) * 200
    t1 = time.perf_counter()
    for _ in range(repeat):
        find_amounts(article, "fr")
    dt_article = time.perf_counter() - t1
    return {"expressions_per_s": round(n_expr * repeat / dt), "words_per_s": round(n_words * repeat / dt),
            "article_fr_words_per_s": round(len(article.split()) * repeat / dt_article), "repeat": repeat}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data" / "money_dev")
    ap.add_argument("--details", action="store_true", help="list misses and false money")
    ap.add_argument("--repeat", type=int, default=20, help="passes over the suite for the speed figure")
    args = ap.parse_args()

    suite = {p.stem: [json.loads(ln) for ln in p.read_text("utf-8").splitlines() if ln.strip()]
             for p in sorted(args.data.glob("*.jsonl"))}
    details: list | None = [] if args.details else None
    per_lang, cur_total, cur_found = {}, Counter(), Counter()
    for lang, rows in suite.items():
        res = score_lang(rows, lang, details)
        cur_total.update(res.pop("_cur_total"))
        cur_found.update(res.pop("_cur_found"))
        per_lang[lang] = res
    out = {
        "suite": str(args.data.relative_to(ROOT)) if args.data.is_relative_to(ROOT) else str(args.data),
        "cpu_count": os.cpu_count(),
        "languages": per_lang,
        "recall_min": min(r["recall"] for r in per_lang.values()),
        "precision_min": min(r["precision"] for r in per_lang.values()),
        "false_money": sum(r["false_money"] for r in per_lang.values()),
        "per_currency_recall": {c: round(cur_found[c] / n, 3) for c, n in sorted(cur_total.items())},
        "speed": speed(suite, args.repeat),
    }
    if details is not None:
        out["details"] = details
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
