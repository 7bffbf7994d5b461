"""Package a trained model into nlp/pipelines/<lang>/ with its meta.json and MODEL_CARD.md.

    python training/ner/package.py LANG [--model training/ner/output/LANG/model-best]
        [--data ../shared/corpus/ner-train] [--compare fr_core_news_md] [--version 1.0.0]

Copies the spaCy directory, drops what run time does not need (the training-time string
table: every token of the corpus, ~2 MB; only the entity labels are kept, the features are
hashes computed from the text), checks that the stripped copy predicts exactly what the
trained one does on the dev split, scores it (evaluate.py) and writes the model card from
the corpus statistics convert.py left (corpus_stats.json) and the training record
(train_info.json).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from training.ner.conll import DEFAULT_DATA, ROOT  # noqa: E402
from training.ner.evaluate import dev_sentences, evaluate, load_ner  # noqa: E402
from training.ner.model_card import render_card  # noqa: E402

KEEP = ("config.cfg", "meta.json", "tokenizer", "ner", "vocab")


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def copy_stripped(src: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in KEEP:
        item = src / name
        if item.is_dir():
            shutil.copytree(item, dest / name)
        else:
            shutil.copy2(item, dest / name)
    import spacy

    nlp = spacy.load(src)
    keep = sorted(nlp.get_pipe("ner").labels)
    (dest / "vocab" / "strings.json").write_text(json.dumps(keep), encoding="utf-8")


def same_predictions(a: Path, b: Path, sents) -> bool:
    """The stripped copy must tag every dev sentence exactly as the trained model does."""
    from spacy.tokens import Doc

    na, nb = load_ner(str(a)), load_ner(str(b))
    da = na.pipe([Doc(na.vocab, words=t) for t, _g, _s in sents])
    db = nb.pipe([Doc(nb.vocab, words=t) for t, _g, _s in sents])
    return all([(e.start, e.end, e.label_) for e in x.ents] == [(e.start, e.end, e.label_) for e in y.ents]
               for x, y in zip(da, db))


def write_meta(dest: Path, lang: str, version: str, stats: dict) -> None:
    meta = json.loads((dest / "meta.json").read_text(encoding="utf-8"))
    labels = "/".join(meta.get("labels", {}).get("ner", []))
    meta.update({
        "lang": lang, "name": f"veille_{lang}_ner", "version": version,
        "description": f"veille {lang} NER ({labels}), HashEmbedCNN tok2vec inside the ner component, "
                       "trained on ../shared/corpus/ner-train; see MODEL_CARD.md",
        "author": "veille", "license": "research/internal use only: inherits the non-commercial terms "
                  "of its training data (see MODEL_CARD.md)",
        "sources": [s["source"] for s in stats["train_sources"] if s["used"]],
        # the share of each dev source trained on (convert.py --dev-share): benchmarks score the rest
        "veille_dev_share": stats.get("dev_share", 0.0),
    })
    meta.pop("performance", None)     # the card holds the figures, measured on the packaged copy
    (dest / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("lang")
    ap.add_argument("--model", type=Path)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--dest", type=Path)
    ap.add_argument("--compare", action="append", default=[], help="packaged model to score alongside")
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--card-only", action="store_true",
                    help="rewrite MODEL_CARD.md from the last package_scores.json (no copy, no scoring)")
    args = ap.parse_args(argv)
    out = ROOT / "training" / "ner" / "output" / args.lang
    src = args.model or out / "model-best"
    dest = args.dest or ROOT / "nlp" / "pipelines" / args.lang
    stats = json.loads((src.parent / "corpus_stats.json").read_text(encoding="utf-8"))
    info = json.loads((src.parent / "train_info.json").read_text(encoding="utf-8"))
    if args.card_only:
        saved = json.loads((src.parent / "package_scores.json").read_text(encoding="utf-8"))
        card = render_card(args.lang, stats, info, saved["shipped"], saved["compare"], dir_size(dest),
                           dest / "config.cfg", checkpoint=src.name)
        (dest / "MODEL_CARD.md").write_text(card, encoding="utf-8")
        return 0
    share = stats.get("dev_share", 0.0)  # trained on part of dev: score only the rest
    copy_stripped(src, dest)
    if not same_predictions(src, dest, dev_sentences(args.data, args.lang, dev_share=share)):
        raise SystemExit("stripped pipeline predicts differently from the trained one")
    write_meta(dest, args.lang, args.version, stats)
    scores = evaluate(str(dest), args.lang, args.data, dev_share=share)
    compare = [evaluate(name, args.lang, args.data, dev_share=share) for name in args.compare]
    card = render_card(args.lang, stats, info, scores, compare, dir_size(dest),
                       dest / "config.cfg", checkpoint=src.name)
    (dest / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    (src.parent / "package_scores.json").write_text(json.dumps({"shipped": scores, "compare": compare},
                                                               indent=1), encoding="utf-8")
    print(json.dumps({"dest": str(dest), "bytes": dir_size(dest), "per_org_loc": scores["per_org_loc"]["micro"],
                      "compare": [{c["model"]: c["per_org_loc"]["micro"]} for c in compare]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
