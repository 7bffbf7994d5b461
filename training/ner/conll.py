"""Reading ../shared/corpus/ner-train: CoNLL files, the source table, span scoring.

Shared by convert.py, evaluate.py, benchmarks/ner_dev.py and the tests, so the training
side and the measuring side read the data and count matches the same way. Stdlib only:
it is imported by scripts that must start fast.
"""
from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "corpus" / "ner-train"
SCORED = ("PER", "ORG", "LOC")          # what veille keeps downstream (MISC is dropped)
ALL_LABELS = ("PER", "ORG", "LOC", "MISC")
_NO_SPACE_BEFORE = {",", ".", ")", ":", ";", "!", "?", "%", "'s", "n't", "]", "»"}
_NO_SPACE_AFTER = {"(", "[", "«", "$"}


def detokenise(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """A corpus sentence as running text (no space before "," "." ")" and after "(" or an
    elided "l'"/"d'"), and the (start, end) character span of every token in it."""
    parts: list[str] = []
    offs: list[tuple[int, int]] = []
    pos = 0
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else ""
        glue = (i == 0 or tok in _NO_SPACE_BEFORE or prev in _NO_SPACE_AFTER
                or (prev.endswith(("'", "’")) and len(prev) <= 3 and prev[:-1].isalpha()))
        if not glue:
            parts.append(" ")
            pos += 1
        offs.append((pos, pos + len(tok)))
        parts.append(tok)
        pos += len(tok)
    return "".join(parts), offs


def read_conll(path: Path):
    """Yield (tokens, tags) per sentence of a `token<TAB>tag` .conll.gz file."""
    toks: list[str] = []
    tags: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if toks:
                    yield toks, tags
                toks, tags = [], []
                continue
            tok, tag = line.split("\t")
            toks.append(tok)
            tags.append(tag)
    if toks:
        yield toks, tags


def spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Strict BIO tags -> [(start, end_exclusive, label)]."""
    out: list[list] = []
    for i, t in enumerate(tags):
        if t.startswith("B-"):
            out.append([i, i + 1, t[2:]])
        elif t.startswith("I-"):
            out[-1][1] = i + 1      # the corpus guarantees I-X follows B-X or I-X
    return [tuple(s) for s in out]


def read_sources(data: Path) -> list[dict]:
    with open(data / "sources.tsv", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def is_test_source(name: str) -> bool:
    """Official test splits of public corpora (e.g. wikineural-de-test) are never trained on."""
    return "-test" in name


def load_split(data: Path, lang: str, split: str) -> list[tuple[dict, list[str], list[str]]]:
    """[(source_row, tokens, tags)] for one language and split, every source included.

    The caller decides what to drop; the source row rides along with each sentence so that
    the decision can be made (and counted) per source using the [start, end) ranges.
    """
    rows = [r for r in read_sources(data) if r["lang"] == lang and r["split"] == split]
    sents = list(read_conll(data / lang / f"{split}.conll.gz"))
    out = []
    for r in rows:
        start, end = int(r["start"]), int(r["end"])
        out.extend((r, toks, tags) for toks, tags in sents[start:end])
    if len(out) != len(sents):
        raise ValueError(f"sources.tsv ranges cover {len(out)} of {len(sents)} {lang}/{split} sentences")
    return out


def count_matches(gold: list[tuple], pred: list[tuple], labels=SCORED) -> dict[str, Counter]:
    """{label: Counter(tp, fp, fn)} for exact (start, end, label) matches in one sentence/doc."""
    out = {lab: Counter() for lab in labels}
    g = Counter(s for s in gold if s[2] in out)
    p = Counter(s for s in pred if s[2] in out)
    for key, n in g.items():
        tp = min(n, p.get(key, 0))
        out[key[2]]["tp"] += tp
        out[key[2]]["fn"] += n - tp
    for key, n in p.items():
        out[key[2]]["fp"] += max(0, n - g.get(key, 0))
    return out


def prf(c: Counter) -> dict:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def summarise(totals: dict[str, Counter]) -> dict:
    """Per-label P/R/F1 plus the micro average over the labels given."""
    out = {lab: prf(c) for lab, c in totals.items()}
    out["micro"] = prf(sum(totals.values(), Counter()))
    return out
