"""ner-train CoNLL (.conll.gz) -> spaCy DocBin corpora for one language.

    python training/ner/convert.py --lang de [--data ../shared/corpus/ner-train]
        [--misc drop|keep] [--wikiann-cap N] [--seed 0] [--out training/ner/corpus/de]

Writes train.spacy, dev.spacy and stats.json (sentence counts per source, what was dropped
and why; package.py copies them into the model card).

Rules applied here, not left to the trainer:
- Every source whose name contains "-test" is dropped from train: those are official test
  splits of public corpora (WikiNEuRal's test split sits in the train files), which stay
  unseen because they are how models get measured.
- WikiANN fragments (titles and list items, often one whole entity) can be capped: they are
  silver and unlike running news text.
- MISC is either kept or mapped to O ("drop"): sources disagree on it (has_misc), and veille
  discards MISC anyway. Dev gets the same mapping so that model selection scores what is trained.
The training sentences are shuffled with a fixed seed, since the files are concatenated by source.

`--tokens spacy` trains on the tokens veille's pipeline will see rather than the corpus's: each
sentence is re-spaced into running text (`conll.detokenise`, as benchmarks/ner_news.py feeds
it) and tokenised by spaCy, and the entities are carried over by character offsets. English
CoNLL keeps "Mercedes-Benz" and "Chun-yeh" one token where spaCy's English tokenizer splits at
the hyphen; a model trained on the corpus's tokens then lost 58 of the 2,682 entities of the
held English dev half that it found on the corpus's tokens.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from training.ner.conll import DEFAULT_DATA, ROOT, detokenise, is_test_source, load_split, spans  # noqa: E402


def select_train(rows, wikiann_cap: int, seed: int):
    """(kept sentences, per-source stats): drops -test sources, caps WikiANN."""
    by_source: dict[str, list] = {}
    for r, toks, tags in rows:
        by_source.setdefault(r["source"], []).append((r, toks, tags))
    kept, stats = [], []
    for name, sents in by_source.items():
        row = sents[0][0]
        entry = {"source": name, "sentences": len(sents), "range": [int(row["start"]), int(row["end"])],
                 "has_misc": row["has_misc"] == "True", "licence": row["licence"], "domain": row["domain"]}
        if is_test_source(name):
            entry.update(used=0, dropped="official test split of a public corpus: never trained on")
        elif name.startswith("wikiann") and 0 <= wikiann_cap < len(sents):
            random.Random(seed).shuffle(sents)
            sents = sents[:wikiann_cap]
            entry.update(used=len(sents), dropped=(
                f"capped at {wikiann_cap} sentences" if wikiann_cap else "left out") +
                " (silver title/list fragments; on German they lowered PER/ORG/LOC dev F1)")
        else:
            entry["used"] = len(sents)
        if entry["used"]:
            kept.extend(sents)
        stats.append(entry)
    random.Random(seed).shuffle(kept)
    return kept, stats


def split_dev(dev, share: float):
    """(dev sentences moved into train, the rest, one stats entry per dev source moved from).

    The first `share` of each dev source, in contiguous blocks rather than every other
    sentence, so that one document's sentences (and the names they repeat) stay on one side
    and the rest still measures unseen text.
    """
    moved, kept, stats = [], [], []
    by_source: dict[str, list] = {}
    for item in dev:
        by_source.setdefault(item[0]["source"], []).append(item)
    for name, sents in by_source.items():
        cut = int(len(sents) * share)
        moved.extend(sents[:cut])
        kept.extend(sents[cut:])
        row = sents[0][0]
        stats.append({"source": f"{name} (its first {cut:,} sentences; the rest stays dev)", "sentences": len(sents),
                      "used": cut, "range": [int(row["start"]), int(row["start"]) + cut],
                      "has_misc": row["has_misc"] == "True", "licence": row["licence"], "domain": row["domain"]})
    return moved, kept, stats


def to_docbin(nlp, sents, misc: str, tokens: str = "corpus"):
    """(DocBin of one Doc per sentence, entity counts per label, how many entities were widened
    to whole tokens: with spaCy's tokens, those whose edges fell inside a token)."""
    from spacy.tokens import Doc, DocBin, Span

    db = DocBin(store_user_data=False)
    counts: Counter = Counter()
    widened = 0
    for _row, toks, tags in sents:
        wanted = [(s, e, lab) for s, e, lab in spans(tags) if not (misc == "drop" and lab == "MISC")]
        if tokens == "corpus":
            doc = Doc(nlp.vocab, words=toks)
            ents = [Span(doc, s, e, label=lab) for s, e, lab in wanted]
        else:
            text, offs = detokenise(toks)
            doc = nlp.make_doc(text)
            ents = []
            for s, e, lab in wanted:
                span = doc.char_span(offs[s][0], offs[e - 1][1], label=lab)
                if span is None:
                    span = doc.char_span(offs[s][0], offs[e - 1][1], label=lab, alignment_mode="expand")
                    widened += 1
                if span is not None and not any(span.start < o.end and o.start < span.end for o in ents):
                    ents.append(span)
        doc.ents = ents
        counts.update(e.label_ for e in ents)
        db.add(doc)
    return db, counts, widened


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lang", required=True)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--misc", choices=("drop", "keep"), default="drop")
    ap.add_argument("--wikiann-cap", type=int, default=0, help="max WikiANN sentences (-1: all; 0: none, the measured best)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gold-repeat", type=int, default=1,
                    help="each sentence of a gold (hand-annotated, not silver) source N times: more weight "
                         "for the news text next to the larger silver Wikipedia sources")
    ap.add_argument("--dev-share", type=float, default=0.0,
                    help="train on the first SHARE of each dev source too (gold in-domain text); "
                         "the rest stays dev and is what the scores measure")
    ap.add_argument("--tokens", choices=("corpus", "spacy"), default="corpus",
                    help="train on the corpus's tokens, or on spaCy's tokens of the re-spaced sentence "
                         "(what the pipeline sees at run time)")
    args = ap.parse_args(argv)
    if not 0 <= args.dev_share < 1:
        ap.error(f"--dev-share must be at least 0 and below 1, got {args.dev_share}")
    if args.gold_repeat < 1:
        ap.error(f"--gold-repeat must be at least 1, got {args.gold_repeat}")
    import spacy

    out = args.out or ROOT / "training" / "ner" / "corpus" / args.lang
    out.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank(args.lang)
    train, stats = select_train(load_split(args.data, args.lang, "train"), args.wikiann_cap, args.seed)
    dev = load_split(args.data, args.lang, "dev")
    if args.dev_share:
        moved, dev, moved_stats = split_dev(dev, args.dev_share)
        stats.extend(moved_stats)
        train = train + moved
    if args.gold_repeat > 1:
        gold = [item for item in train if "silver" not in item[0]["domain"]]
        train = train + gold * (args.gold_repeat - 1)
        stats.append({"source": f"gold sentences repeated: each {args.gold_repeat} times", "sentences": len(gold),
                      "used": len(gold) * (args.gold_repeat - 1), "range": [0, 0], "has_misc": "",
                      "licence": "(as their sources above)", "domain": "gold sources above"})
    if args.dev_share or args.gold_repeat > 1:
        random.Random(args.seed).shuffle(train)
    dev_stats = Counter(r["source"] for r, _t, _g in dev)
    train_db, train_ents, train_widened = to_docbin(nlp, train, args.misc, args.tokens)
    dev_db, dev_ents, dev_widened = to_docbin(nlp, dev, args.misc, args.tokens)
    train_db.to_disk(out / "train.spacy")
    dev_db.to_disk(out / "dev.spacy")
    summary = {
        "lang": args.lang, "seed": args.seed, "misc": args.misc, "wikiann_cap": args.wikiann_cap,
        "dev_share": args.dev_share, "gold_repeat": args.gold_repeat, "tokens": args.tokens,
        "train_sources": stats, "train_sentences": len(train),
        "train_tokens": sum(len(t) for _r, t, _g in train), "train_entities": dict(train_ents),
        "dev_sources": dict(dev_stats), "dev_sentences": len(dev), "dev_entities": dict(dev_ents),
        "entities_widened": {"train": train_widened, "dev": dev_widened},
    }
    (out / "stats.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps({k: summary[k] for k in ("lang", "train_sentences", "train_tokens", "dev_sentences",
                                               "train_entities")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
