"""One trigger's deal: its parties and roles (`nlp.deals.roles`), names the model missed
(`nlp.deals.fallback`), its amount (`nlp.deals.figures`), kind (public or private funding),
status and date, and whether all that makes a deal at all."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from nlp.deals import fallback, figures, roles
from nlp.deals.lexicon import Lexicon, Trigger, lexicon
from nlp.deals.roles import AGENT, Party, Span
from nlp.types import (
    AmountMention,
    Analysis,
    DateMention,
    Deal,
    DealParty,
    EntityMention,
)

_VERB_FORMS = ("agent_verb", "money_verb", "patient_verb", "verb")
_NEEDS_AMOUNT = ("money_verb", "patient_verb")
_AMOUNT_NEAR = 60  # characters between such a verb and its amount, either side
_YEAR = re.compile(r"(?<![\d.,/])(?:19[5-9]\d|20[0-4]\d)(?![\d.,/])")


@dataclass
class Ctx:
    """What every step of one text's deal extraction reads."""

    an: Analysis
    lex: Lexicon
    kb: object | None
    bounds: list[tuple[int, int]]
    ents: list[EntityMention]
    ent_starts: list[int]
    money: list[AmountMention]
    triggers_of: dict[int, set[int]]  # sentence number -> indexes of the triggers it may hold


def candidate(ctx: Ctx, si: int, trig: Trigger, t: Span, parties: list[Party], hi: int,
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
    lone = kind in ("investment", "public_funding") and not any(p.role in ("recipient", "target") for p in parties_out)
    if lone and lex.cumulative.search(text, s, limit):
        return None  # "Since 2021, France 2030 has financed projects with €30bn": a running total
    date = _date(ctx, t, s, limit)
    if trig.form == "endow" and _historical(ctx, date):
        return None  # "France 2030, endowed with €54bn in 2021": the budget, not this week's deal
    status = "reported" if _reported(ctx, s, t) or lex.rumour.search(text, s, e) else "announced"
    return Deal(kind, status, parties_out, amount, date, text[start:e], start, e)


def _missed_names(ctx: Ctx, trig: Trigger, t: Span, found: dict[str, list[Party]], limit: int, s: int,
                  e: int) -> None:
    """Fill a role the entities leave empty with a name the model missed (nlp.deals.fallback):
    an acquisition's target, a partnership's second partner."""
    text, lex = ctx.an.text, ctx.lex
    taken = mentions(ctx, s, e)
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
    elif trig.kind == "expansion" and found.get("investor") and not found.get("place"):
        # "abrirá una oficina en París": an opening's "in X" is a place, whatever the model missed
        at = lex.place_prep.search(text, t.end, limit)
        m = fallback.name_after(text, at.end(), limit, lex, taken, ctx.kb) if at else None
        if m is not None and m.label in ("LOC", "ORG"):
            found["place"] = [Party(EntityMention(m.text, "LOC", m.canonical, m.start, m.end, m.kb_id),
                                    frozenset({"place"}), False, 0)]
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


def _previous_subject(ctx: Ctx, si: int) -> Party | None:
    s, e = ctx.bounds[si - 1]
    for m in mentions(ctx, s, e):
        if m.label in ("ORG", "PROG"):
            return Party(m, frozenset(), False, 0)
    return None


def _amount(ctx: Ctx, trig: Trigger, t: Span, s: int, e: int) -> tuple[AmountMention | None, bool]:
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


def _public_or_private(ctx: Ctx, kind: str, found: dict[str, list[Party]]):
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


def _is_public(ctx: Ctx, p: Party) -> bool:
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


def _lone_budget(ctx: Ctx, parties: list[DealParty], amount: AmountMention, limit: int) -> bool:
    """"London has committed £2bn to delivering this plan": one payer, no recipient, and a plan
    or programme named a few words after the sum: that plan's budget, not a deal."""
    if any(p.role in ("recipient", "target") for p in parties):
        return False
    after = ctx.an.text[amount.end:limit]
    return figures.budget_soon_after(after, ctx.lex)


def _date(ctx: Ctx, t: Span, s: int, e: int) -> DateMention | None:
    """The date nearest the trigger within its reach in the sentence, else the publication day."""
    near = [d for d in ctx.an.dates if s <= d.start < e]
    if near:
        return min(near, key=lambda d: min(abs(d.start - t.end), abs(t.start - d.end)))
    # "OpenAI hat 2023 in London sein erstes Büro eröffnet": a bare year the date rules leave
    # alone (no cue word) still dates the deal, so an old opening is not this week's news
    pub = ctx.an.published
    for m in _YEAR.finditer(ctx.an.text, s, e):
        inside = any(x.start <= m.start() < x.end for x in (*ctx.money, *ctx.ents))  # "France 2030"
        if not inside and (not pub or m.group() <= pub[:4]):  # a past year: a later one is a target
            return DateMention(text=m.group(), value=m.group(), precision="year", start=m.start(), end=m.end())
    if not pub:
        return None
    return DateMention(text="", value=pub[:10], precision="day", start=-1, end=-1, relative=True)


def _historical(ctx: Ctx, date: DateMention | None) -> bool:
    pub = ctx.an.published
    return bool(date and date.start >= 0 and pub and date.value[:4].isdigit()
                and int(date.value[:4]) < int(pub[:4]) - 1)


def _reported(ctx: Ctx, s: int, t: Span) -> bool:
    """A rumour or plan: a cue in the trigger's clause, up to the trigger."""
    text = ctx.an.text
    cs = s
    for m in ctx.lex.clause_break.finditer(text, s, t.start):
        cs = m.end()
    return ctx.lex.reported.search(text, cs, t.end) is not None


def mentions(ctx: Ctx, s: int, e: int) -> list[EntityMention]:
    lo = bisect.bisect_left(ctx.ent_starts, s)
    hi = bisect.bisect_left(ctx.ent_starts, e)
    out: list[EntityMention] = []
    for m in ctx.ents[lo:hi]:
        if out and m.start < out[-1].end:  # overlapping spans: keep the first, longer one
            continue
        out.append(m)
    return out
