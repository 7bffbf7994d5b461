"""Content fingerprints: an exact hash of normalised text and a 64-bit SimHash for near-duplicates.

A wire story republished inside other boilerplate, lightly edited, keeps most of its word
shingles, so its SimHash stays within a few bits of the original's.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

WORD = re.compile(r"\w+", re.UNICODE)
BITS = 64
BANDS = 4  # 4 bands of 16 bits: two texts within 3 bits share at least one band exactly
NEAR_DISTANCE = 6


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(WORD.findall(text))


def content_hash(text: str) -> str:
    """SHA-1 of the normalised text: equal for texts that differ only in case, spacing, punctuation."""
    return hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()


def simhash(text: str, shingle: int = 3) -> int:
    """64-bit SimHash over word 3-gram shingles (as a signed int, to fit SQLite's INTEGER)."""
    words = normalise(text).split()
    if not words:
        return 0
    grams = (
        [" ".join(words[i : i + shingle]) for i in range(len(words) - shingle + 1)]
        if len(words) >= shingle
        else [" ".join(words)]
    )
    import numpy as np

    hashes = np.fromiter(
        (int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest(), "little") for g in grams),
        dtype=np.uint64,
        count=len(grams),
    )
    # one row of 64 bits per shingle (little-endian bytes, bits least significant first)
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    votes = bits.sum(axis=0, dtype=np.int64) * 2 - len(grams)
    value = int(np.packbits(votes > 0, bitorder="little").view("<u8")[0])
    return value - (1 << 64) if value >= 1 << 63 else value


def distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def bands(value: int) -> list[int]:
    """The 16-bit bands used to find candidate near-duplicates with an index lookup."""
    v = value & ((1 << 64) - 1)
    return [(i << 16) | ((v >> (16 * i)) & 0xFFFF) for i in range(BANDS)]
