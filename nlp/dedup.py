"""Content fingerprints: an exact hash, and a MinHash signature for near-duplicates.

A wire story republished inside other boilerplate, lightly edited, keeps most of its word
shingles. MinHash with LSH bands finds candidates with an index lookup, and a Jaccard or
containment estimate decides: a copy that is mostly *inside* another text is a duplicate even
when the other text is longer. (A 64-bit SimHash was tried first: a copy with a new lead and a
few edits drifted 7 to 12 bits away from its original, beyond any safe threshold.)
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(WORD.findall(text))


def content_hash(text: str) -> str:
    """SHA-1 of the normalised text: equal for texts that differ only in case, spacing, punctuation."""
    return hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()


# -- MinHash -----------------------------------------------------------------------------------

NUM_PERM = 64
ROWS = 3  # 21 bands of 3 rows: a pair at Jaccard 0.5 shares a band with p = 0.93, at 0.1 with 0.02
LSH_BANDS = NUM_PERM // ROWS
NEAR_JACCARD = 0.5
NEAR_CONTAINMENT = 0.8  # share of the shorter text's shingles found in the longer one
MIN_SHINGLES_FOR_CONTAINMENT = 30  # a few shared sentences are a quote, not a copy


def shingles(text: str, size: int = 3) -> list[bytes]:
    """Distinct word `size`-gram shingles of the normalised text, UTF-8 encoded."""
    words = normalise(text).split()
    if len(words) < size:
        return [" ".join(words).encode("utf-8")] if words else []
    return list({" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)})


def minhash(text: str) -> tuple[bytes, int]:
    """The MinHash signature (NUM_PERM little-endian uint32) of `text` and its shingle count."""
    import numpy as np
    from datasketch import MinHash

    grams = shingles(text)
    if not grams:
        return b"", 0
    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch(grams)
    return np.asarray(m.hashvalues, dtype="<u4").tobytes(), len(grams)


def jaccard(sig_a: bytes, sig_b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures (share of equal minima)."""
    import numpy as np

    if not sig_a or len(sig_a) != len(sig_b):
        return 0.0
    a = np.frombuffer(sig_a, dtype="<u4")
    b = np.frombuffer(sig_b, dtype="<u4")
    return float((a == b).mean())


def containment(j: float, n_a: int, n_b: int) -> float:
    """Estimated share of the smaller shingle set inside the larger, from Jaccard and set sizes."""
    if not (n_a and n_b):
        return 0.0
    inter = j * (n_a + n_b) / (1.0 + j)
    return min(1.0, inter / min(n_a, n_b))


def is_near_duplicate(sig_a: bytes, n_a: int, sig_b: bytes, n_b: int) -> bool:
    """True when two texts are copies of one story: similar overall, or one mostly inside the other."""
    j = jaccard(sig_a, sig_b)
    if j >= NEAR_JACCARD:
        return True
    return min(n_a, n_b) >= MIN_SHINGLES_FOR_CONTAINMENT and containment(j, n_a, n_b) >= NEAR_CONTAINMENT


def lsh_bands(sig: bytes) -> list[int]:
    """LSH band keys of a signature (signed 64-bit ints, band number in the top bits)."""
    out = []
    for i in range(LSH_BANDS):
        chunk = sig[i * ROWS * 4 : (i + 1) * ROWS * 4]
        h = int.from_bytes(hashlib.blake2b(chunk, digest_size=7).digest(), "little")
        out.append((i << 56) | h)
    return out
