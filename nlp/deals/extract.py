"""Deal records from an `Analysis`: its entities, money amounts, dates and sentence bounds,
read with the language's trigger lexicon (see `nlp.deals.lexicon` and `nlp.deals.roles`).

Only sentences holding a trigger are looked at (one regex over the whole text finds them), so
the stage costs little next to NER. A sentence gives at most one deal per kind; when two kinds
tell the same parties or amount ("invests €4bn to build data centres in France"), the more
specific one is kept (acquisition > investment, funding > expansion > partnership).
"""
from __future__ import annotations

import bisect
import re

from nlp.deals import figures, roles
from nlp.deals.candidate import Ctx, candidate, mentions
from nlp.deals.lexicon import Lexicon, Trigger, lexicon, trigger_hits
from nlp.deals.merge import best, merge
from nlp.deals.roles import AGENT, Span
from nlp.types import Analysis, Deal, DealParty

PARTY_LABELS = frozenset({"ORG", "LOC", "PROG", "PER"})
_SPLIT = re.compile(r"(?<=[.!?…])[\"»”’)]?\s+(?=[\"«“(]?[A-ZÀ-ÝĀ-Ž0-9])|\n+")
_NOUN_FORMS = ("agent_noun", "patient_noun", "noun")
_NEXT_WORD = re.compile(r"[ \t]+(\w+)")
_WORDS_ONLY = re.compile(r"^[^\W\d_]*(?:['’\s]+[^\W\d_]+)*\s*$")
_OBJECT_REACH = 80  # characters between an expansion verb and its object (office, data centre)


def find_deals(an: Analysis, kb=None) -> list[Deal]:
    """The deals told by an analysed text (empty when its language has no deal lexicon).

    `kb` (an `nlp.kb.KnowledgeBase`, the packaged one by default) lets a funder be recognised
    as public from its entry's description ("French public investment bank").
    """
    lex = lexicon(an.lang)
    if lex is None or an.skipped or not an.text:
        return []
    if kb is None:
        from nlp.kb import default_kb

        kb = default_kb()
    hits = trigger_hits(lex, an.text)
    if not hits:
        return []
    bounds = sentence_bounds(an.text, an.sentence_starts)
    starts = [b[0] for b in bounds]
    per_sentence: dict[int, set[int]] = {}
    for at, indexes in hits:
        per_sentence.setdefault(bisect.bisect_right(starts, at) - 1, set()).update(indexes)
    wanted = sorted(per_sentence)
    ents = sorted((m for m in an.entities if m.label in PARTY_LABELS), key=lambda m: m.start)
    money = sorted((a for a in an.amounts if a.kind == "money"), key=lambda a: a.start)
    ctx = Ctx(an, lex, kb, bounds, ents, [m.start for m in ents], money, per_sentence)
    deals: list[Deal] = []
    consumed: set[int] = set()
    for si in wanted:
        found = _sentence(ctx, si)
        if si in consumed:  # told as the continuation of the sentence before
            found = [d for d in found if not any(d.kind == p.kind for p in deals[-1:])]
        for d in found:
            if _continue(ctx, si, d):
                consumed.add(si + 1)
        deals += found
    return merge(deals)


def sentence_bounds(text: str, starts: list[int]) -> list[tuple[int, int]]:
    """(start, end) of each sentence, trailing spaces left out; split by rule when the
    analysis carries no sentence starts."""
    if not starts or starts == [0]:
        starts = [0] + [m.end() for m in _SPLIT.finditer(text)]
    out = []
    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else len(text)
        while e > s and text[e - 1].isspace():
            e -= 1
        out.append((s, e))
    return out




def _sentence(ctx: Ctx, si: int) -> list[Deal]:
    s, e = ctx.bounds[si]
    text = ctx.an.text
    named = mentions(ctx, s, e)
    hits: list[tuple[Trigger, Span]] = []
    for index in sorted(ctx.triggers_of.get(si, ())):
        trig = ctx.lex.triggers[index]
        for m in trig.regex.finditer(text, s, e):
            t = Span(m.start(), m.end())
            if any(p.start < t.end and t.start < p.end for p in named):
                continue  # "Partnership on AI", "AI Growth Zones": the word is part of a name
            if trig.kind == "expansion" and not _has_object(ctx.lex, text, t, s, e):
                continue
            hits.append((trig, t))
    hits = _adjacent_merged(text, hits)
    stakes = [t for trig, t in hits if trig.kind == "investment" and trig.form == "agent_noun"]
    # "acquires a stake in": an investment, not a takeover
    hits = [(trig, t) for trig, t in hits
            if not (trig.kind == "acquisition" and any(0 <= k.start - t.end <= 25 for k in stakes))]
    parties = roles.attach(text, named, s, ctx.lex, [t for _, t in hits])
    starts = {t.start for trig, t in hits if trig.form in _NOUN_FORMS}
    # "US investment bank", "Danish investment company": a place qualifying a trigger word
    parties = [p for p in parties if not (p.is_place and p.m.end + 1 in starts)]
    cands: list[tuple[Deal, int]] = []
    for trig, t in hits:
        # the trigger's reach: from the trigger before it to the trigger after it, so that
        # "X and Y signed a memorandum that could see the company invest" gives "invest" no subject
        lo = max([s, *(o.end for _, o in hits if o.end <= t.start)])
        hi = min([e, *(o.start for _, o in hits if o.start >= t.end)])
        if trig.form in _NOUN_FORMS and _modifier(ctx.lex, text, t, s):
            continue  # "plan d'investissement", "investment bank": the noun qualifies another
        deal = candidate(ctx, si, trig, t, [p for p in parties if p.m.start >= lo and p.m.end <= hi], hi,
                          first=lo == s)
        if deal is not None:
            cands.append((deal, t.start))
    return best(cands)


def _adjacent_merged(text: str, hits: list[tuple[Trigger, Span]]) -> list[tuple[Trigger, Span]]:
    """Hits in order; two of one kind a word or two apart ("partnership agreement", "signent un
    protocole d'accord") are one trigger, the first one's form kept."""
    out: list[tuple[Trigger, Span]] = []
    for trig, t in sorted(hits, key=lambda h: (h[1].start, -h[1].end)):
        gap = text[out[-1][1].end:t.start] if out else ""
        # only words between them: never an amount or punctuation ("raised $180m in a round")
        if out and out[-1][0].kind == trig.kind and len(gap) <= 12 and _WORDS_ONLY.match(gap):
            prev_trig, prev = out[-1]
            out[-1] = (prev_trig, Span(prev.start, max(prev.end, t.end)))
            continue
        out.append((trig, t))
    return out


def _has_object(lex: Lexicon, text: str, t: Span, s: int, e: int) -> bool:
    return (lex.objects.search(text, t.end, min(e, t.end + _OBJECT_REACH)) is not None
            or lex.objects.search(text, max(s, t.start - 40), t.start) is not None)


def _modifier(lex: Lexicon, text: str, t: Span, s: int) -> bool:
    """The trigger noun qualifies another: right after "d'", "de", "of" with no article
    ("plan d'investissement"), or right before a head noun ("investment bank")."""
    before = text[max(s, t.start - 4):t.start].lower().replace("’", "'")
    nxt = _NEXT_WORD.match(text, t.end)
    return (before.endswith(("d'", " de ", " of ", " di ", " do ", " da "))
            or bool(nxt and nxt.group(1).lower() in lex.modifier_heads))


def _continue(ctx: Ctx, si: int, deal: Deal) -> bool:
    """"The round was led by Y": the next sentence adds investors (and the amount)."""
    if deal.kind not in AGENT or si + 1 >= len(ctx.bounds):
        return False
    s, e = ctx.bounds[si + 1]
    text = ctx.an.text
    if not ctx.lex.continuation.match(text, s, e):
        return False
    parties = roles.attach(text, mentions(ctx, s, e), s, ctx.lex)
    role = AGENT[deal.kind]
    have = {p.canonical for p in deal.parties}
    added = [p for p in parties if "agent" in p.prep and p.m.canonical not in have]
    if deal.amount is None:
        usable = [a for a in ctx.money if s <= a.start < e and not figures.is_context(text, a, ctx.lex)]
        deal.amount = usable[0] if usable else None
    if not added and deal.amount is None:
        return False
    deal.parties += [DealParty(p.m.text, p.m.canonical, role, p.m.label, p.m.kb_id) for p in added]
    deal.end, deal.text = e, text[deal.start:e]
    return True

