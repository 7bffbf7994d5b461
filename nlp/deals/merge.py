"""One deal per telling: two triggers of a sentence telling one deal are joined, a less
specific kind telling the same parties or amount is dropped, and the same deal told several
times in one text (headline, lead, body) is reported once."""
from __future__ import annotations

from nlp.types import AmountMention, Deal

_PRIORITY = {"acquisition": 4, "investment": 3, "public_funding": 3, "expansion": 2, "partnership": 1}


def _score(d: Deal) -> tuple:
    return (len(d.parties) + (2 if d.amount else 0), d.status == "announced")


def best(cands: list[tuple[Deal, int]]) -> list[Deal]:
    """One deal per kind, then drop a less specific kind telling the same parties or amount.
    (deal, trigger start) pairs; between a partnership and an expansion the one told first
    wins ("form a joint venture to build a campus", "opens a site with a partner")."""
    by_kind: dict[str, tuple[Deal, int]] = {}
    for d, at in cands:
        if d.kind not in by_kind:
            by_kind[d.kind] = (d, at)
            continue
        kept_d = by_kind[d.kind][0]
        if compatible(kept_d.amount, d.amount):  # "raised €600m ... in a round led by X": one deal
            absorb(kept_d, d)
        elif _score(d) > _score(kept_d):
            by_kind[d.kind] = (d, at)

    def rank(item):
        d, at = item
        return (-_PRIORITY[d.kind] if d.kind not in ("partnership", "expansion") else -2, at)

    kept: list[Deal] = []
    for d, _at in sorted(by_kind.values(), key=rank):
        names = {p.canonical for p in d.parties}
        if any(len(names & {p.canonical for p in k.parties}) >= 2
               or (d.amount is not None and k.amount is not None and d.amount.start == k.amount.start)
               for k in kept):
            continue
        kept.append(d)
    return sorted(kept, key=lambda d: d.start)


def absorb(into: Deal, other: Deal) -> None:
    """Two triggers of one kind in a sentence telling the same deal: parties and amount joined
    (the first trigger's status and text kept)."""
    have = {p.canonical for p in into.parties}
    into.parties += [p for p in other.parties if p.canonical not in have]
    into.amount = into.amount or other.amount


def compatible(a: AmountMention | None, b: AmountMention | None) -> bool:
    if a is None or b is None:
        return True
    x, y = a.eur or a.value, b.eur or b.value
    return abs(x - y) <= 0.15 * max(x, y)


_PATIENTS = ("target", "recipient")


def _same(a: Deal, b: Deal) -> bool:
    """Two tellings of one deal in one text: same kind, and the same parties, or one's parties
    within the other's, or the same amount without two different targets or recipients."""
    if a.kind != b.kind or not compatible(a.amount, b.amount):
        return False
    pa, pb = {p.canonical for p in a.parties}, {p.canonical for p in b.parties}
    if pa <= pb or pb <= pa:
        return True
    ta = {p.canonical for p in a.parties if p.role in _PATIENTS}
    tb = {p.canonical for p in b.parties if p.role in _PATIENTS}
    return a.amount is not None and b.amount is not None and not (ta and tb and not ta & tb)


def merge(deals: list[Deal]) -> list[Deal]:
    """The same deal told several times in one text (headline, lead, body) is reported once,
    with the parties every telling gives."""
    out: list[Deal] = []
    for d in deals:
        twin = next((o for o in out if _same(o, d)), None)
        if twin is None:
            out.append(d)
        else:
            absorb(twin, d)
    return out
