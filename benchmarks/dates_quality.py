"""Quality and speed of `nlp.dates.find_dates` on the development suite, per language.

Suite: `benchmarks/data/dates_dev/<code>.jsonl`, one news sentence per line, written for this
project (AI and tech policy news): `{"text", "published", "expected": [{"text","value",
"precision"}]}`. Lines with `expected: []` are negatives (model names, prices, phone numbers,
article numbers, scores, versions, addresses, figures of speech).

Scores, per language and overall:
- recall: expected mentions found with the same text span, value and precision;
- precision: predicted mentions on positive lines that match an expected one the same way;
- false_dates: every mention predicted on a negative line (target 0);
- span_only: predictions whose span is right but whose value is not (policy misses show here).
Speed, on one core, timed after a warm-up: the suite's sentences repeated to `--words` (words/s
and expressions/s, i.e. expected mentions per second), the French sentences as one long text,
and real French news (`../shared/nlp_gold/*.txt`, when present) where dates are sparse.

Prints JSON with `os.cpu_count()`. The suite is for development: held-out text is what the
targets (explicit-date recall >= 0.6 on fr/en/de, 0 false dates) are measured on.

`--suite benchmarks/data/dates_check` scores the check set instead: 62 fr/en/de expressions
written after the engine was frozen and scored once, never tuned on (no speed run there).

    python benchmarks/dates_quality.py [--lang fr] [--words 200000] [--details] [--suite DIR]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "benchmarks" / "data" / "dates_dev"


def load(lang: str, suite: Path = SUITE) -> list[dict]:
    with open(suite / f"{lang}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(lang: str, rows: list[dict], details: bool) -> dict:
    from nlp.dates import find_dates

    hit = expected = predicted = good = false = span_only = 0
    misses: list[str] = []
    for row in rows:
        pub = dt.date.fromisoformat(row["published"])
        pred = find_dates(row["text"], lang, pub)
        got = {(m.text, m.value, m.precision) for m in pred}
        want = {(e["text"], e["value"], e["precision"]) for e in row["expected"]}
        if not want:
            false += len(pred)
            misses += [f"FALSE {m.text!r} -> {m.value} in {row['text']!r}" for m in pred]
            continue
        expected += len(want)
        hit += len(want & got)
        predicted += len(got)
        good += len(got & want)
        want_spans = {w[0] for w in want}
        span_only += sum(1 for g in got - want if g[0] in want_spans)
        misses += [f"MISS {w} in {row['text']!r} got {sorted(got)}" for w in want - got]
        misses += [f"EXTRA {g} in {row['text']!r}" for g in got - want if g[0] not in want_spans]
    out = {
        "expressions": expected, "negatives": sum(1 for r in rows if not r["expected"]),
        "recall": round(hit / expected, 3) if expected else None,
        "precision": round(good / predicted, 3) if predicted else None,
        "false_dates": false, "span_only": span_only,
    }
    if details:
        out["errors"] = misses
    return out


def speed(langs: list[str], words: int) -> dict:
    from nlp.dates import find_dates

    docs = [(lang, r["text"], dt.date.fromisoformat(r["published"]), len(r["expected"]))
            for lang in langs for r in load(lang)]
    n_words = sum(len(t.split()) for _, t, _, _ in docs)
    reps = max(1, words // max(n_words, 1))
    for lang, text, pub, _ in docs:  # warm-up: compile every language's rules
        find_dates(text, lang, pub)
    t0 = time.perf_counter()
    for _ in range(reps):
        for lang, text, pub, _ in docs:
            find_dates(text, lang, pub)
    elapsed = time.perf_counter() - t0
    exprs = reps * sum(n for *_, n in docs)
    # One long text too: the window machinery is what keeps long articles cheap.
    fr_text = " ".join(t for lang, t, _, _ in docs if lang == "fr")
    long_text = " ".join([fr_text] * max(1, words // max(len(fr_text.split()), 1)))
    t1 = time.perf_counter()
    find_dates(long_text, "fr", dt.date(2025, 3, 12))
    long_elapsed = time.perf_counter() - t1
    out = {"sentences_words_per_s": round(reps * n_words / elapsed),
            "expressions_per_s": round(exprs / elapsed),
            "long_text_words": len(long_text.split()),
            "long_text_words_per_s": round(len(long_text.split()) / long_elapsed)}
    out.update(_news_speed(words))
    out.update(_paragraph_speed())
    return out


# The paragraph tests/test_dates.py used to time (a wall-clock bound does not belong in tests).
_PARAGRAPH = (
    "Le 21 juillet 2025, OpenAI et le DSIT ont signé un accord. Bpifrance a annoncé hier "
    "un fonds de 25 millions d'euros pour 20 000 PME d'ici 2030, avec 1,5 % de croissance "
    "et le règlement (UE) 2024/1689 en toile de fond. Mistral AI a levé des fonds en "
    "février 2025 ; le mois dernier, France 2030 a financé 200 projets. "
) * 200


def _paragraph_speed() -> dict:
    from nlp.dates import find_dates

    pub = dt.date(2025, 7, 23)
    find_dates(_PARAGRAPH, "fr", pub)
    t0 = time.perf_counter()
    find_dates(_PARAGRAPH, "fr", pub)
    return {"paragraph_words_per_s": round(len(_PARAGRAPH.split()) / (time.perf_counter() - t0))}


def _news_speed(words: int) -> dict:
    """Real French news (the nlp_gold articles, cycled): dates are sparse there, as in a crawl,
    whereas every suite sentence holds some."""
    from nlp.dates import find_dates

    gold = ROOT.parent / "shared" / "nlp_gold"
    texts = [p.read_text(encoding="utf-8") for p in sorted(gold.glob("*.txt"))] if gold.is_dir() else []
    n = sum(len(t.split()) for t in texts)
    if not n:
        return {}
    reps = max(1, words // n)
    pub = dt.date(2025, 7, 23)
    for t in texts:
        find_dates(t, "fr", pub)
    t0 = time.perf_counter()
    for _ in range(reps):
        for t in texts:
            find_dates(t, "fr", pub)
    return {"news_fr_words": reps * n, "news_fr_words_per_s": round(reps * n / (time.perf_counter() - t0))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lang", action="append", help="language code (repeatable); default: all in the suite")
    ap.add_argument("--words", type=int, default=200_000, help="words timed for the speed figures")
    ap.add_argument("--details", action="store_true", help="list every miss and false date")
    ap.add_argument("--suite", type=Path, default=SUITE, help="folder of <code>.jsonl files")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    suite = args.suite.resolve()
    langs = args.lang or sorted(p.stem for p in suite.glob("*.jsonl"))
    per = {lang: score(lang, load(lang, suite), args.details) for lang in langs}
    exp = sum(v["expressions"] for v in per.values())
    hits = sum(round(v["recall"] * v["expressions"]) for v in per.values() if v["recall"] is not None)
    result = {
        "benchmark": "dates_quality", "cpu_count": os.cpu_count(), "suite": str(suite.relative_to(ROOT)),
        "overall": {"expressions": exp, "recall": round(hits / exp, 3) if exp else None,
                    "false_dates": sum(v["false_dates"] for v in per.values())},
        "per_language": per,
    }
    if suite == SUITE:
        result["speed"] = speed(langs, args.words)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
