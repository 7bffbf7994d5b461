"""Stories: a week's articles grouped by event, across outlets and languages.

Two articles belong to one story when their embeddings are close (a multilingual encoder puts
the French and English accounts of one event together), helped a little by shared entities
and held back by distance in time. Clustering is average linkage over a sparse graph of
candidate pairs: pairs are merged best first, and two groups join only when their *mean*
similarity clears the bar, so one loose pair cannot chain two events into one story. With
L2-normalised vectors the mean cosine between groups A and B is sum(A)·sum(B) / (|A||B|),
so each merge test costs one dot product whatever the group sizes.

Entities are deliberately a small bonus: "OpenAI signs with the UK" and "OpenAI opens in
Paris" share their main entity and are different events.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterParams:
    threshold: float = 0.62  # mean similarity (cosine + bonuses) needed to merge two groups
    entity_weight: float = 0.12  # bonus for fully shared salient entities (overlap coefficient)
    days_free: int = 3  # articles this close in time pay no time penalty
    day_penalty: float = 0.015  # per day beyond days_free
    duplicate: float = 0.95  # cosine above which two articles are the same text (collapsed)
    continuation: float = 0.60  # centroid cosine linking a story to one of an earlier week
    block: int = 2048  # rows per matrix block when searching candidate pairs
    neighbours: int = 20  # candidate pairs kept per article


@dataclass
class Item:
    """One article as clustering sees it."""

    id: int
    entities: frozenset[str] = frozenset()
    day: int | None = None  # date.toordinal() of publication
    source: str | None = None


@dataclass
class Cluster:
    members: list[int]  # indices into the items, in input order
    centroid: np.ndarray
    duplicates: dict[int, int] = field(default_factory=dict)  # index -> index of the kept copy


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _time_penalty(a: int | None, b: int | None, p: ClusterParams) -> float:
    if a is None or b is None:
        return 0.0
    return max(0, abs(a - b) - p.days_free) * p.day_penalty


def candidate_pairs(vectors: np.ndarray, floor: float, p: ClusterParams) -> list[tuple[float, int, int]]:
    """Pairs (cosine, i, j) with i < j and cosine >= floor, best first, at most `neighbours` per row i."""
    n = len(vectors)
    rs, cs, vs = [], [], []
    for start in range(0, n, p.block):
        # only columns at or after the block: each pair is seen once, from its smaller index
        sims = vectors[start : start + p.block] @ vectors[start:].T
        r, c = np.nonzero(sims >= floor)
        keep = c > r  # column index is offset by `start` as the rows are: c > r means j > i
        r, c = r[keep], c[keep]
        rs.append(r + start)
        cs.append(c + start)
        vs.append(sims[r, c])
    if not rs:
        return []
    r, c, v = np.concatenate(rs), np.concatenate(cs), np.concatenate(vs)
    # keep each row's `neighbours` closest: rank within the row after sorting by (row, -cosine)
    order = np.lexsort((-v, r))
    r, c, v = r[order], c[order], v[order]
    first = np.searchsorted(r, r, side="left")
    keep = (np.arange(len(r)) - first) < p.neighbours
    r, c, v = r[keep], c[keep], v[keep]
    best = np.argsort(-v, kind="stable")
    return list(zip(v[best].tolist(), r[best].tolist(), c[best].tolist()))


def _core_entities(counts: dict[str, int], size: int) -> frozenset[str]:
    # entities in at least half of a group's articles: what the story is about, not passing names
    need = max(1, (size + 1) // 2)
    return frozenset(e for e, c in counts.items() if c >= need)


def cluster(items: list[Item], vectors: np.ndarray, params: ClusterParams | None = None) -> list[Cluster]:
    """Groups of `items` telling one event each, largest first; every item is in one group."""
    p = params or ClusterParams()
    n = len(items)
    if n == 0:
        return []
    vectors = np.asarray(vectors, dtype=np.float32)
    parent = list(range(n))
    sums = {i: vectors[i].astype(np.float64).copy() for i in range(n)}
    sizes = dict.fromkeys(range(n), 1)
    ents: dict[int, dict[str, int]] = {i: dict.fromkeys(items[i].entities, 1) for i in range(n)}
    # running sum and count of publication days: a group's mean day in O(1) per merge test
    days: dict[int, tuple[int, int]] = {i: (items[i].day, 1) if items[i].day is not None else (0, 0) for i in range(n)}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # below this no pair can reach the threshold, whatever the entity bonus
    floor = p.threshold - p.entity_weight
    for _cos, i, j in candidate_pairs(vectors, floor, p):
        a, b = find(i), find(j)
        if a == b:
            continue
        mean_cos = float(sums[a] @ sums[b]) / (sizes[a] * sizes[b])
        bonus = p.entity_weight * _overlap(_core_entities(ents[a], sizes[a]), _core_entities(ents[b], sizes[b]))
        (sa, na), (sb, nb) = days[a], days[b]
        gap = _time_penalty(round(sa / na), round(sb / nb), p) if na and nb else 0.0
        if mean_cos + bonus - gap < p.threshold:
            continue
        parent[b] = a
        sums[a] += sums.pop(b)
        sizes[a] += sizes.pop(b)
        for e, c in ents.pop(b).items():
            ents[a][e] = ents[a].get(e, 0) + c
        (sa, na), (sb, nb) = days[a], days.pop(b)
        days[a] = (sa + sb, na + nb)

    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    out = []
    for root, members in groups.items():
        c = sums[root] / max(np.linalg.norm(sums[root]), 1e-12)
        out.append(Cluster(members=members, centroid=c.astype(np.float32), duplicates=_duplicates(members, vectors, p)))
    out.sort(key=lambda c: (-len(c.members), c.members[0]))
    return out


def _duplicates(members: list[int], vectors: np.ndarray, p: ClusterParams) -> dict[int, int]:
    """Members whose text is a copy of an earlier member (wire copy, re-post): index -> kept index."""
    dup: dict[int, int] = {}
    if len(members) < 2:
        return dup
    idx = np.asarray(members)
    sims = vectors[idx] @ vectors[idx].T
    close = np.triu(sims >= p.duplicate, 1)
    taken = np.zeros(len(members), dtype=bool)
    for x in np.nonzero(close.any(axis=1))[0].tolist():  # only members that have a copy at all
        if taken[x]:
            continue
        copies = np.nonzero(close[x] & ~taken)[0]
        taken[copies] = True
        for y in copies.tolist():
            dup[members[y]] = members[x]
    return dup


def link_continuations(centroids: np.ndarray, earlier: list[tuple[int, np.ndarray]],
                       threshold: float) -> list[int | None]:
    """For each centroid, the id of the closest earlier story above `threshold`, or None."""
    if not earlier or len(centroids) == 0:
        return [None] * len(centroids)
    ids = [sid for sid, _ in earlier]
    mat = np.vstack([v for _, v in earlier]).astype(np.float32)
    sims = np.asarray(centroids, dtype=np.float32) @ mat.T
    best = sims.argmax(axis=1)
    return [ids[b] if sims[r, b] >= threshold else None for r, b in enumerate(best)]


def pairwise_scores(predicted: list[list[int]], gold: dict[int, str]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against gold story labels."""
    pred_of = {i: g for g, members in enumerate(predicted) for i in members}
    ids = sorted(gold)
    tp = fp = fn = 0
    for x in range(len(ids)):
        for y in range(x + 1, len(ids)):
            a, b = ids[x], ids[y]
            same_pred = pred_of.get(a) == pred_of.get(b)
            same_gold = gold[a] == gold[b]
            tp += same_pred and same_gold
            fp += same_pred and not same_gold
            fn += same_gold and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "pairs_true": tp + fn, "pairs_predicted": tp + fp}


def day_number(published: str | None) -> int | None:
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return None
