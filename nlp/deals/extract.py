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
from dataclasses import dataclass

from nlp.deals import fallback, figures, roles
from nlp.deals.lexicon import Lexicon, Trigger, lexicon, trigger_hits
from nlp.deals.roles import AGENT, Party, Span
from nlp.types import AmountMention, Analysis, DateMention, Deal, DealParty, EntityMention

PARTY_LABELS = frozenset({"ORG", "LOC", "PROG", "PER"})
_PRIORITY = {"acquisition": 4, "investment": 3, "public_funding": 3, "expansion": 2, "partnership": 1}
_SPLIT = re.compile(r"(?<=[.!?…])[\"»”’)]?\s+(?=[\"«“(]?[A-ZÀ-ÝĀ-Ž0-9])|\n+")
_NOUN_FORMS = ("agent_noun", "patient_noun", "noun")
_VERB_FORMS = ("agent_verb", "money_verb", "patient_verb", "verb")
_NEEDS_AMOUNT = ("money_verb", "patient_verb")
_AMOUNT_NEAR = 60  # characters between such a verb and its amount, either side
_NEXT_WORD = re.compile(r"[ \t]+(\w+)")
_WORDS_ONLY = re.compile(r"^[^\W\d_]*(?:['’\s]+[^\W\d_]+)*\s*$")
_OBJECT_REACH = 80  # characters between an expansion verb and its object (office, data centre)


@dataclass
class _Ctx:
    an: Analysis
    lex: Lexicon
    kb: object | None
    bounds: list[tuple[int, int]]
    ents: list[EntityMention]
    ent_starts: list[int]
    money: list[AmountMention]
    triggers_of: dict[int, set[int]]  # sentence number -> indexes of the triggers it may hold


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
    ctx = _Ctx(an, lex, kb, bounds, ents, [m.start for m in ents], money, per_sentence)
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
    return _merge(deals)


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


def _mentions(ctx: _Ctx, s: int, e: int) -> list[EntityMention]:
    lo = bisect.bisect_left(ctx.ent_starts, s)
    hi = bisect.bisect_left(ctx.ent_starts, e)
    out: list[EntityMention] = []
    for m in ctx.ents[lo:hi]:
        if out and m.start < out[-1].end:  # overlapping spans: keep the first, longer one
            continue
        out.append(m)
    return out


def _sentence(ctx: _Ctx, si: int) -> list[Deal]:
    s, e = ctx.bounds[si]
    text = ctx.an.text
    mentions = _mentions(ctx, s, e)
    hits: list[tuple[Trigger, Span]] = []
    for index in sorted(ctx.triggers_of.get(si, ())):
        trig = ctx.lex.triggers[index]
        for m in trig.regex.finditer(text, s, e):
            t = Span(m.start(), m.end())
            if any(p.start < t.end and t.start < p.end for p in mentions):
                continue  # "Partnership on AI", "AI Growth Zones": the word is part of a name
            if trig.kind == "expansion" and not _has_object(ctx.lex, text, t, s, e):
                continue
            hits.append((trig, t))
    hits = _adjacent_merged(text, hits)
    stakes = [t for trig, t in hits if trig.kind == "investment" and trig.form == "agent_noun"]
    # "acquires a stake in": an investment, not a takeover
    hits = [(trig, t) for trig, t in hits
            if not (trig.kind == "acquisition" and any(0 <= k.start - t.end <= 25 for k in stakes))]
    parties = roles.attach(text, mentions, s, ctx.lex, [t for _, t in hits])
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
        deal = _candidate(ctx, si, trig, t, [p for p in parties if p.m.start >= lo and p.m.end <= hi], hi,
                          first=lo == s)
        if deal is not None:
            cands.append((deal, t.start))
    return _best(cands)


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


def _candidate(ctx: _Ctx, si: int, trig: Trigger, t: Span, parties: list[Party], hi: int,
               first: bool = True) -> Deal | None:
    """The deal one trigger tells, if its parties and amount make one. `first`: no other
    trigger before it in the sentence (only then may a pronoun subject stand for the previous
    sentence's subject)."""
    text, lex = ctx.an.text, ctx.lex
    s, e = ctx.bounds[si]
    start = s
    left = [p for p in parties if p.m.end <= t.start]
    brk = lex.clause_break.search(text, t.end, hi)
    nxt = lex.new_clause.search(text, t.end, hi)  # ", and installed ...": another clause
    limit = min(brk.start() if brk else hi, nxt.start() if nxt else hi)
    right = [p for p in parties if p.m.start >= t.end and p.m.start < limit]
    if (first and trig.form in _VERB_FORMS and not roles.subject(text, left, t, lex) and si > 0
            and lex.anaphor.match(text, s, t.start)):
        prev = _previous_subject(ctx, si)
        if prev is not None:  # "It raised...": the subject is the previous sentence's
            left = [prev, *left]
            start = ctx.bounds[si - 1][0]
    if trig.kind == "partnership":
        found = roles.partner_roles(text, trig.form, left, right, t, lex)
    elif trig.kind == "expansion":
        found = roles.expansion_roles(text, left, right, t, lex)
    elif trig.form == "endow":
        found = roles.endow_roles(parties, t)
    else:
        beyond = [p for p in parties if p.m.start >= limit]
        form = "agent_verb" if trig.form == "money_verb" else trig.form
        found = roles.acting_roles(trig.kind, form, text, left, right, t, lex, beyond)
    _missed_names(ctx, trig, t, found, limit, s, e)
    amount, only_context = _amount(ctx, trig, t, s, e)
    near = _AMOUNT_NEAR * (2 if lex.verb_final else 1)  # "hat 300 Mio. Dollar bei ... eingesammelt"
    if trig.form in _NEEDS_AMOUNT and not (amount and -near <= amount.start - t.end <= near):
        return None  # "commits to", "received a suspension", "raised concerns": no sum, no deal
    if trig.form == "agent_noun" and trig.kind in ("investment", "public_funding") and amount is None:
        return None  # "potential subsidies through the marketplace": a funding noun tells a deal with its sum
    kind, found = _public_or_private(ctx, trig.kind, found)
    if kind == "expansion" and amount is not None:
        kind = "investment"  # "will build a €2bn data centre in X": an investment in a site
    parties_out = _dedupe(found)
    if not _valid(kind, parties_out, amount, only_context):
        return None
    if amount is not None and kind in ("investment", "public_funding") and _lone_budget(ctx, parties_out, amount, limit):
        return None
    date = _date(ctx, t, s, limit)
    if trig.form == "endow" and _historical(ctx, date):
        return None  # "France 2030, endowed with €54bn in 2021": the budget, not this week's deal
    status = "reported" if _reported(ctx, s, t) or lex.rumour.search(text, s, e) else "announced"
    return Deal(kind, status, parties_out, amount, date, text[start:e], start, e)


def _missed_names(ctx: _Ctx, trig: Trigger, t: Span, found: dict[str, list[Party]], limit: int, s: int,
                  e: int) -> None:
    """Fill a role the entities leave empty with a name the model missed (nlp.deals.fallback):
    an acquisition's target, a partnership's second partner."""
    text, lex = ctx.an.text, ctx.lex
    taken = _mentions(ctx, s, e)
    stops = [a.start for a in ctx.money if a.start >= t.end]
    if trig.kind == "acquisition" and found.get("buyer") and not found.get("target"):
        m = fallback.object_name(text, t.end, limit, lex, taken, stops, ctx.kb)
        if m is not None:
            found["target"] = [Party(m, frozenset(), False, 0)]
    elif (trig.kind in ("investment", "public_funding") and trig.form.startswith("agent")
          and found.get(AGENT[trig.kind]) and not found.get(roles.PATIENT[trig.kind])):
        # "fördert das Projekt OpenGPT-X mit", "finance à hauteur de 20 M€ le projet OpenEuroLLM"
        after_amount = [a.end for a in ctx.money if t.end <= a.start < limit][:1]
        for start in [t.end, *after_amount]:
            m = fallback.object_name(text, start, limit, lex, taken, stops, ctx.kb)
            if m is not None and m.label != "LOC":
                found[roles.PATIENT[trig.kind]] = [Party(m, frozenset(), False, 0)]
                break
    elif trig.kind == "partnership" and len(found.get("partner", [])) < 2:
        for p in list(found.get("partner", [])):
            m = fallback.coordinated_name(text, p.m, s, t.start, lex, taken, ctx.kb)
            if m is not None:
                found["partner"].append(Party(m, frozenset(), True, 0))
                return
        w = lex.with_prep.search(text, t.end, limit)
        m = fallback.object_name(text, w.end(), limit, lex, taken, stops, ctx.kb) if w else None
        if m is not None:
            found.setdefault("partner", []).append(Party(m, frozenset({"with"}), False, 0))


def _previous_subject(ctx: _Ctx, si: int) -> Party | None:
    s, e = ctx.bounds[si - 1]
    for m in _mentions(ctx, s, e):
        if m.label in ("ORG", "PROG"):
            return Party(m, frozenset(), False, 0)
    return None


def _amount(ctx: _Ctx, trig: Trigger, t: Span, s: int, e: int) -> tuple[AmountMention | None, bool]:
    """The deal's amount, and whether the sentence's only money figures are context."""
    here = [a for a in ctx.money if s <= a.start < e]
    if trig.form == "endow":
        usable = [a for a in here if t.end <= a.start <= t.end + 12]
        return (usable[0] if usable else None), False
    text = ctx.an.text
    # "endowed with N": N is a budget, the endow trigger's own (checked for being old news)
    here = [a for a in here if not ctx.lex.endowed.search(text, max(s, a.start - 40), a.start)]
    # right after its trigger a programme's amount is what is funded ("will fund a £50m
    # programme"); elsewhere it is the programme's own budget
    usable = [a for a in here if not figures.is_context(text, a, ctx.lex, governed=0 <= a.start - t.end <= 15)]
    # the amount stays in the trigger's clause: not past ", and had also planned to charge..."
    lo = max([s, *(m.end() for m in ctx.lex.new_clause.finditer(text, s, t.start))])
    nxt = ctx.lex.new_clause.search(text, t.end, e)
    return figures.pick(usable, t.start, t.end, lo, nxt.start() if nxt else e), bool(here) and not usable


def _public_or_private(ctx: _Ctx, kind: str, found: dict[str, list[Party]]):
    """A government, agency or programme funding is public funding; a company's, investment."""
    if kind not in ("investment", "public_funding"):
        return kind, found
    agents = found.get(AGENT[kind], [])
    if not agents:
        return kind, found
    new = "public_funding" if any(_is_public(ctx, p) for p in agents) else "investment"
    if new != kind:
        found = {(AGENT[new] if r == AGENT[kind] else r): ps for r, ps in found.items()}
    return new, found


def _is_public(ctx: _Ctx, p: Party) -> bool:
    if p.m.label in ("LOC", "PROG"):
        return True
    if ctx.lex.public.search(p.m.canonical) or ctx.lex.public.search(p.m.text):
        return True
    entry = ctx.kb.get(p.m.kb_id) if p.m.kb_id else ctx.kb.lookup(p.m.canonical)
    if entry is None or not entry.description:
        return False
    en = lexicon("en")
    return bool(ctx.lex.public.search(entry.description) or (en and en.public.search(entry.description)))


def _dedupe(found: dict[str, list[Party]]) -> list[DealParty]:
    out: list[DealParty] = []
    seen: set[str] = set()
    for role, ps in found.items():
        for p in ps:
            key = p.m.kb_id or p.m.canonical.casefold()
            if key in seen:
                continue
            seen.add(key)
            out.append(DealParty(p.m.text, p.m.canonical, role, p.m.label, p.m.kb_id))
    return out


def _valid(kind: str, parties: list[DealParty], amount, only_context: bool) -> bool:
    by_role: dict[str, int] = {}
    for p in parties:
        by_role[p.role] = by_role.get(p.role, 0) + 1
    actors = [p for p in parties if p.role != "place"]
    if kind == "partnership":
        return by_role.get("partner", 0) >= 2
    if kind == "acquisition":
        return bool(by_role.get("buyer") and by_role.get("target"))
    if kind == "expansion":
        return bool(actors and by_role.get("place"))
    if not actors or (amount is None and only_context):
        return False
    return amount is not None or len(parties) >= 2


def _lone_budget(ctx: _Ctx, parties: list[DealParty], amount: AmountMention, limit: int) -> bool:
    """"London has committed £2bn to delivering this plan": one payer, no recipient, and a plan
    or programme named a few words after the sum: that plan's budget, not a deal."""
    if any(p.role in ("recipient", "target") for p in parties):
        return False
    after = ctx.an.text[amount.end:limit]
    return figures.budget_soon_after(after, ctx.lex)


def _date(ctx: _Ctx, t: Span, s: int, e: int) -> DateMention | None:
    """The date nearest the trigger within its reach in the sentence, else the publication day."""
    near = [d for d in ctx.an.dates if s <= d.start < e]
    if near:
        return min(near, key=lambda d: min(abs(d.start - t.end), abs(t.start - d.end)))
    pub = ctx.an.published
    if not pub:
        return None
    return DateMention(text="", value=pub[:10], precision="day", start=-1, end=-1, relative=True)


def _historical(ctx: _Ctx, date: DateMention | None) -> bool:
    pub = ctx.an.published
    return bool(date and date.start >= 0 and pub and date.value[:4].isdigit()
                and int(date.value[:4]) < int(pub[:4]) - 1)


def _reported(ctx: _Ctx, s: int, t: Span) -> bool:
    """A rumour or plan: a cue in the trigger's clause, up to the trigger."""
    text = ctx.an.text
    cs = s
    for m in ctx.lex.clause_break.finditer(text, s, t.start):
        cs = m.end()
    return ctx.lex.reported.search(text, cs, t.end) is not None


def _score(d: Deal) -> tuple:
    return (len(d.parties) + (2 if d.amount else 0), d.status == "announced")


def _best(cands: list[tuple[Deal, int]]) -> list[Deal]:
    """One deal per kind, then drop a less specific kind telling the same parties or amount.
    (deal, trigger start) pairs; between a partnership and an expansion the one told first
    wins ("form a joint venture to build a campus", "opens a site with a partner")."""
    by_kind: dict[str, tuple[Deal, int]] = {}
    for d, at in cands:
        if d.kind not in by_kind:
            by_kind[d.kind] = (d, at)
            continue
        kept_d = by_kind[d.kind][0]
        if _compatible(kept_d.amount, d.amount):  # "raised €600m ... in a round led by X": one deal
            _absorb(kept_d, d)
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


def _absorb(into: Deal, other: Deal) -> None:
    """Two triggers of one kind in a sentence telling the same deal: parties and amount joined
    (the first trigger's status and text kept)."""
    have = {p.canonical for p in into.parties}
    into.parties += [p for p in other.parties if p.canonical not in have]
    into.amount = into.amount or other.amount


def _continue(ctx: _Ctx, si: int, deal: Deal) -> bool:
    """"The round was led by Y": the next sentence adds investors (and the amount)."""
    if deal.kind not in AGENT or si + 1 >= len(ctx.bounds):
        return False
    s, e = ctx.bounds[si + 1]
    text = ctx.an.text
    if not ctx.lex.continuation.match(text, s, e):
        return False
    parties = roles.attach(text, _mentions(ctx, s, e), s, ctx.lex)
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


def _compatible(a: AmountMention | None, b: AmountMention | None) -> bool:
    if a is None or b is None:
        return True
    x, y = a.eur or a.value, b.eur or b.value
    return abs(x - y) <= 0.15 * max(x, y)


_PATIENTS = ("target", "recipient")


def _same(a: Deal, b: Deal) -> bool:
    """Two tellings of one deal in one text: same kind, and the same parties, or one's parties
    within the other's, or the same amount without two different targets or recipients."""
    if a.kind != b.kind or not _compatible(a.amount, b.amount):
        return False
    pa, pb = {p.canonical for p in a.parties}, {p.canonical for p in b.parties}
    if pa <= pb or pb <= pa:
        return True
    ta = {p.canonical for p in a.parties if p.role in _PATIENTS}
    tb = {p.canonical for p in b.parties if p.role in _PATIENTS}
    return a.amount is not None and b.amount is not None and not (ta and tb and not ta & tb)


def _merge(deals: list[Deal]) -> list[Deal]:
    """The same deal told several times in one text (headline, lead, body) is reported once,
    with the parties every telling gives."""
    out: list[Deal] = []
    for d in deals:
        twin = next((o for o in out if _same(o, d)), None)
        if twin is None:
            out.append(d)
        else:
            _absorb(twin, d)
    return out
