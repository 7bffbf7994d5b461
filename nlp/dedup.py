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
from functools import cache

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


SEED = 1


@cache
def _permutations():
    """NUM_PERM affine maps h -> a*h + b (mod 2**32), odd `a` so that each is a bijection,
    drawn from numpy's RandomState(SEED): fixed forever, since stored signatures use them."""
    import numpy as np

    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(h):
    """MurmurHash3's 32-bit finaliser on a uint32 array: spreads the bits of each hash."""
    import numpy as np

    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def minhash(text: str) -> tuple[bytes, int]:
    """The MinHash signature (NUM_PERM little-endian uint32) of `text` and its shingle count.

    Each shingle's hash is the first 4 bytes of its SHA-1 (little-endian), mixed by `_fmix32`,
    then sent through every permutation; the signature keeps the minimum per permutation.
    These are the values datasketch 2's MinHash (scheme "affine32", seed 1) computes, and
    tests/test_crawl_dedup.py checks they stay so; owning the dozen lines keeps signatures
    stored by one version comparable with the next, and spares each crawl process the
    half-second import of datasketch (it loads scipy for its LSH classes).
    """
    import numpy as np

    grams = shingles(text)
    if not grams:
        return b"", 0
    hashes = np.fromiter((int.from_bytes(hashlib.sha1(g).digest()[:4], "little") for g in grams),
                         dtype=np.uint32, count=len(grams))
    a, b = _permutations()
    with np.errstate(over="ignore"):  # arithmetic modulo 2**32 is the point
        permuted = _fmix32(hashes)[:, None] * a + b
    return permuted.min(axis=0).astype("<u4").tobytes(), len(grams)


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
