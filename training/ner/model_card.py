"""MODEL_CARD.md for one packaged NER pipeline, from the figures package.py gathered.

The headings "## Data", "## Dropped from training", "## Dev scores" and "## Licence" are
checked by tests/test_trained_pipelines.py: every card must state its data, what it left
out, how it scores and under which terms it may be used.
"""
from __future__ import annotations

import configparser
from pathlib import Path

MISC_NOTE = {
    "drop": "MISC was mapped to O in train and dev (the model has no MISC label). Sources disagree "
            "on MISC (WikiANN, KIND, UNER and HAREM leave MISC-like names as O) and veille drops "
            "MISC downstream; on German this scored higher on PER/ORG/LOC than keeping MISC "
            "(see training/ner/README.md for the measurement).",
    "keep": "MISC was kept as annotated; sources without MISC (has_misc = False) teach the model "
            "that MISC-like names are O, so its MISC is unreliable (veille drops MISC anyway).",
}


# Dev splits that need a word of caution in the card.
DEV_NOTES = {
    "pl": "The Polish dev split is KPWr's own test split (the corpus has no other Polish dev "
          "set). The recipe (steps, embedding rows, gold repetition) was chosen on German and the "
          "checkpoint kept is the run's last, so nothing was tuned on it; it did decide that this "
          "pipeline replaces the one before, so read this figure as a dev score, not as an "
          "unseen-test score.",
    "fr": "The French dev split is WikiNEuRal silver (Wikipedia), the same kind of data as the "
          "training set: it favours a model trained on it over one trained on news.",
}


def _table(scores: dict, labels) -> list[str]:
    rows = ["| label | P | R | F1 | gold | predicted |", "|---|---:|---:|---:|---:|---:|"]
    for lab in [*labels, "micro"]:
        s = scores[lab]
        rows.append(f"| {lab} | {s['p']:.3f} | {s['r']:.3f} | {s['f1']:.3f} | {s['tp'] + s['fn']} "
                    f"| {s['tp'] + s['fp']} |")
    return rows


def _settings(config_path: Path) -> dict:
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(config_path, encoding="utf-8")
    t2v, model, train = cfg["components.ner.model.tok2vec"], cfg["components.ner.model"], cfg["training"]
    return {"width": t2v["width"], "depth": t2v["depth"], "embed_size": t2v["embed_size"],
            "hidden_width": model["hidden_width"], "max_steps": train["max_steps"],
            "eval_frequency": train["eval_frequency"], "dropout": train["dropout"],
            "seed": cfg["system"]["seed"]}


def _data_section(stats: dict) -> list[str]:
    lines = ["## Data", "",
             f"Training data: `../shared/corpus/ner-train/{stats['lang']}/train.conll.gz`, sources in the "
             "order of `sources.tsv`; shuffled with seed "
             f"{stats['seed']}. {stats['train_sentences']:,} sentences, {stats['train_tokens']:,} tokens used.", "",
             "| source | sentences in file | used | has MISC | domain | licence (as the source states it) |",
             "|---|---:|---:|---|---|---|"]
    for s in stats["train_sources"]:
        lines.append(f"| {s['source']} | {s['sentences']:,} | {s['used']:,} | {s['has_misc']} | {s['domain']} "
                     f"| {s['licence']} |")
    ents = ", ".join(f"{k} {v:,}" for k, v in sorted(stats["train_entities"].items()))
    dev = ", ".join(f"{k} ({v:,} sentences)" for k, v in stats["dev_sources"].items())
    lines += ["", f"Training entities: {ents}.", ""]
    if stats.get("tokens") == "spacy":
        widened = stats.get("entities_widened", {})
        lines += ["Tokens: spaCy's, of each sentence re-spaced into running text (`convert.py --tokens spacy`), "
                  "the entities carried over by character offsets; "
                  f"{widened.get('train', 0):,} training and {widened.get('dev', 0):,} dev entities whose edges "
                  "fell inside a token were widened to it.", ""]
    lines += [f"Dev split (model selection and the scores below): {dev}."]
    return lines


def _dropped_section(stats: dict) -> list[str]:
    lines = ["## Dropped from training", ""]
    for s in stats["train_sources"]:
        if "dropped" in s:
            lines.append(f"- `{s['source']}` (sentences [{s['range'][0]}, {s['range'][1]}) of train.conll.gz): "
                         f"{s['dropped']}.")
    lines += ["- Every source whose name contains `-test` is an official test split of a public corpus "
              "(WikiNEuRal's test split is shipped inside the train files); convert.py drops it by its "
              "`[start, end)` range so it stays unseen.",
              f"- {MISC_NOTE[stats['misc']]}"]
    return lines


def render_card(lang: str, stats: dict, info: dict, scores: dict, compare: list[dict], size: int,
                config_path: Path, checkpoint: str = "model-best") -> str:
    st = _settings(config_path)
    pol = scores["per_org_loc"]
    lines = [f"# veille_{lang}_ner: statistical NER for `{lang}`", "",
             "**For research and internal use only.** This pipeline was trained on data whose licences "
             "are mostly non-commercial (see Licence); it inherits those terms.", "",
             f"spaCy {info.get('spacy', '3.8')} pipeline directory, loadable with `spacy.load(path)`: one `ner` "
             "component with its own HashEmbedCNN tok2vec "
             f"(width {st['width']}, depth {st['depth']}, embed rows {st['embed_size']}, hidden "
             f"{st['hidden_width']}; no pretrained vectors). Size on disk: {size / 1e6:.1f} MB. "
             f"NER speed, one thread (OMP_NUM_THREADS=1) on the pre-tokenised dev split: "
             f"{pol.get('words_per_cpu_s') or 0:,} words per CPU-second; {pol['words_per_s']:,} words/s wall clock "
             f"on a shared 2-core machine (load average {pol.get('load_avg_1min', '?')}).", ""]
    lines += _data_section(stats) + [""] + _dropped_section(stats) + [""]
    lines += ["## Training", "",
              f"`training/ner/train.sh {lang}` (fixed seed {st['seed']}, max_steps {st['max_steps']}, "
              f"evaluation every {st['eval_frequency']} steps, dropout {st['dropout']}, Adam lr 0.001, "
              "batches of 100 to 1000 words), one core (`OMP_NUM_THREADS=1`): "
              f"{info['train_seconds'] / 60:.1f} minutes on a shared 2-core machine. Extra options: "
              f"`{info.get('overrides') or 'none'}`; conversion: `{info.get('convert_args')}`. "
              + ("The checkpoint kept (model-best) is the one with the best dev F1, so the dev figures "
                 "below are slightly optimistic." if checkpoint == "model-best" else
                 f"The checkpoint kept ({checkpoint}) is the last of the run, whatever the dev scores "
                 "along the way: nothing was chosen on the dev split."), ""]
    lines += ["## Dev scores", "",
              f"Exact span and label, {scores['sentences']:,} dev sentences, corpus tokenisation "
              f"(`python training/ner/evaluate.py nlp/pipelines/{lang} --lang {lang}`). PER/ORG/LOC:", ""]
    lines += _table(pol, ("PER", "ORG", "LOC"))
    if lang in DEV_NOTES:
        lines += ["", DEV_NOTES[lang]]
    if "by_source" in pol:
        lines += ["", "PER/ORG/LOC micro per part of the dev split:", "",
                  "| dev source | P | R | F1 |", "|---|---:|---:|---:|"]
        lines += [f"| {src} | {s['p']:.3f} | {s['r']:.3f} | {s['f1']:.3f} |" for src, s in pol["by_source"].items()]
    if "all_labels" in scores:
        lines += ["", "All four labels:", ""] + _table(scores["all_labels"], ("PER", "ORG", "LOC", "MISC"))
    for c in compare:
        lines += ["", f"Packaged model `{c['model']}` on the same sentences (PER/ORG/LOC"
                  + (", OntoNotes labels mapped" if lang == "en" else "") + "):", ""]
        lines += _table(c["per_org_loc"], ("PER", "ORG", "LOC"))
    lines += ["", "## Licence", "",
              "The code that trained this pipeline is veille's. The weights are derived from the "
              "training data listed under Data and inherit its terms:", ""]
    for s in stats["train_sources"]:
        if s["used"]:
            lines.append(f"- {s['source']}: {s['licence']}")
    lines += ["", "CoNLL-2002 forbids commercial use; the CoNLL-2003 texts are licensed newswire "
              "(Reuters, Frankfurter Rundschau); WikiNEuRal is CC BY-NC-SA 4.0; KIND is CC BY-NC(-SA) 4.0; "
              "WikiANN and HAREM state no licence. Use this pipeline for research or internal "
              "evaluation only, not in a commercial product, and re-check these terms before any "
              "redistribution.", ""]
    return "\n".join(lines)
