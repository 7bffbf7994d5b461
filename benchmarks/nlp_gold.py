"""Entities, dates and money on ../shared/nlp_gold, scored through `veille analyze --json`.

Protocol (issue 4): all gold texts go to ONE `veille analyze --json` call (a subprocess, JSON
Lines out), so what is measured is exactly what a user gets.

- A gold PER/ORG entity is found when some predicted mention's text or canonical name equals
  its name or one of its aliases, case- and accent-insensitively (whatever label was predicted).
- Precision over predicted PER and ORG entities (distinct canonicals per document): one is
  correct when its text or canonical equals a gold entity's name or alias (any gold type) or an
  `acceptable_extras` string.
- Dates: found when a predicted date has the same ISO value and precision.
- Money: found when a predicted money amount has the same currency and a value within 0.5%;
  a predicted money amount that matches no gold money is a false money.

Prints JSON. Targets: PER and ORG recall >= 0.95, PER+ORG precision >= 0.9, every date and
money found, no false money.

    python benchmarks/nlp_gold.py [--gold ../shared/nlp_gold] [--details]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fold(s: str) -> str:
    """Case- and accent-insensitive form of a name (apostrophes unified, spaces squeezed)."""
    s = unicodedata.normalize("NFKD", s.replace("’", "'"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(s.casefold().split())


def run_analyze(paths: list[Path], lang: str | None = None) -> list[dict]:
    """One `veille analyze --json` call over all paths; one result dict per path, in order."""
    cmd = [sys.executable, "-m", "crawler.cli", "analyze", *map(str, paths), "--json"]
    if lang:
        cmd += ["--lang", lang]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"veille analyze failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if len(paths) == 1:  # one path: pretty-printed JSON, not JSON Lines
        return [json.loads(proc.stdout)]
    return [json.loads(ln) for ln in lines]


def score_doc(gold: dict, pred: dict) -> dict:
    """Per-document counts and the names behind them."""
    pred_forms = set()
    for e in pred["entities"]:
        pred_forms.add(fold(e["text"]))
        pred_forms.add(fold(e["canonical"]))
    out = {"PER": [0, 0], "ORG": [0, 0], "missed": [], "wrong": [],
           "dates": [0, 0], "dates_missed": [], "money": [0, 0], "money_missed": [], "false_money": []}
    gold_forms_all = {fold(x) for x in gold.get("acceptable_extras", [])}
    for g in gold["entities"]:
        forms = {fold(g["name"]), *(fold(a) for a in g.get("aliases", []))}
        gold_forms_all |= forms
        if g["type"] in ("PER", "ORG"):
            hit = bool(forms & pred_forms)
            out[g["type"]][0] += hit
            out[g["type"]][1] += 1
            if not hit:
                out["missed"].append(f'{g["type"]} {g["name"]}')
    # precision: distinct predicted PER/ORG canonicals
    groups: dict[str, set[str]] = {}
    for e in pred["entities"]:
        if e["label"] in ("PER", "ORG"):
            groups.setdefault(f'{e["label"]} {e["canonical"]}', set()).update({fold(e["text"]), fold(e["canonical"])})
    good = [k for k, forms in groups.items() if forms & gold_forms_all]
    out["precision"] = [len(good), len(groups)]
    out["wrong"] = sorted(k for k in groups if k not in good)

    pdates = {(d["value"], d["precision"]) for d in pred["dates"]}
    for g in gold["dates"]:
        hit = (g["value"], g["precision"]) in pdates
        out["dates"][0] += hit
        out["dates"][1] += 1
        if not hit:
            out["dates_missed"].append(f'{g["text"]} = {g["value"]} ({g["precision"]})')

    gmoney = [a for a in gold["amounts"] if a["kind"] == "money"]
    pmoney = [a for a in pred["amounts"] if a["kind"] == "money"]

    def same(g: dict, p: dict) -> bool:
        return g["unit"] == p["unit"] and abs(p["value"] - g["value"]) <= 0.005 * abs(g["value"])

    for g in gmoney:
        hit = any(same(g, p) for p in pmoney)
        out["money"][0] += hit
        out["money"][1] += 1
        if not hit:
            out["money_missed"].append(f'{g["text"]} = {g["value"]:g} {g["unit"]}')
    out["false_money"] = [f'{p["text"]} = {p["value"]:g} {p["unit"]}' for p in pmoney
                          if not any(same(g, p) for g in gmoney)]
    return out


def ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(ROOT.parent / "shared" / "nlp_gold"))
    ap.add_argument("--details", action="store_true", help="list missed and wrong items per document")
    args = ap.parse_args(argv)

    gold_dir = Path(args.gold)
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(gold_dir.glob("*.json"))]
    if not golds:
        raise SystemExit(f"no gold files in {gold_dir}")
    paths = [gold_dir / g["file"] for g in golds]
    t0 = time.perf_counter()
    preds = run_analyze(paths)
    wall = time.perf_counter() - t0

    tot = {"PER": [0, 0], "ORG": [0, 0], "precision": [0, 0], "dates": [0, 0], "money": [0, 0]}
    false_money: list[str] = []
    details = {}
    for g, p in zip(golds, preds):
        s = score_doc(g, p)
        for k in tot:
            tot[k][0] += s[k][0]
            tot[k][1] += s[k][1]
        false_money += s["false_money"]
        details[g["id"]] = {k: s[k] for k in ("missed", "wrong", "dates_missed", "money_missed", "false_money")}
    result = {
        "benchmark": "nlp_gold",
        "documents": len(golds),
        "per_recall": ratio(*tot["PER"]), "per_found": tot["PER"],
        "org_recall": ratio(*tot["ORG"]), "org_found": tot["ORG"],
        "per_org_precision": ratio(*tot["precision"]), "per_org_correct": tot["precision"],
        "dates_found": tot["dates"][0], "dates_missed": tot["dates"][1] - tot["dates"][0],
        "money_found": tot["money"][0], "money_missed": tot["money"][1] - tot["money"][0],
        "false_money": len(false_money),
        "targets_met": (ratio(*tot["PER"]) or 0) >= 0.95 and (ratio(*tot["ORG"]) or 0) >= 0.95
        and (ratio(*tot["precision"]) or 0) >= 0.9 and tot["dates"][0] == tot["dates"][1]
        and tot["money"][0] == tot["money"][1] and not false_money,
        "analyze_wall_s": round(wall, 1),
        "cores": os.cpu_count(),
    }
    if args.details:
        result["details"] = details
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


if __name__ == "__main__":
    main()
