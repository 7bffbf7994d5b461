"""Parties and their roles around one trigger, by structure: which side of the trigger a
party stands on, the preposition heading it, and the parties it is coordinated with.

Rules, the same in every language (the words are in the lexicon):
- the subject is the nearest group of parties before the trigger that no preposition heads
  ("OpenAI and the UK sign"); a group inside an apposition or a relative clause
  ("X, which was founded by Y, raises") is skipped for the one before it;
- "by / par / von / led by / from" gives the acting role (buyer, investor, funder): then a
  subject of an acting verb is its patient (passive: "Y was bought by X");
- "with / avec / mit" gives a partner, "between / entre" partners, "in / à / en" before a
  place gives the place, "of / in / de" before an organisation the patient of a noun
  ("the acquisition of Y", "invests in Y").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.deals.lexicon import Lexicon
from nlp.types import EntityMention

_OBJECT_REACH = 60  # characters between a verb of buying and its target, at most
# "investment of X", "investissements d'OpenAI", "Investition der Telekom": X invests
_GENITIVE = re.compile(r"^\s*(?:of|de|d['’]|du|des|von|vom|der|des|di|del|della|do|da|van)\s*(?:the\s+|l['’])?$",
                       re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s?\s+[a-z]")


def _possessor(text: str, p: Party) -> bool:
    """"Ford's literary estate", "Kylie Jenner's company": the party owns the object, it is not it."""
    return _POSSESSIVE.match(text, p.m.end) is not None


AGENT = {"acquisition": "buyer", "investment": "investor", "public_funding": "funder", "expansion": "investor"}
PATIENT = {"acquisition": "target", "investment": "recipient", "public_funding": "recipient"}


@dataclass(slots=True)
class Party:
    m: EntityMention
    prep: frozenset[str]  # classes of the preposition heading it; empty when none
    coord: bool  # joined to the party before it by "and" or a comma
    clause: int  # number of the clause-break-delimited segment of the sentence it sits in

    @property
    def is_place(self) -> bool:
        return self.m.label == "LOC"


@dataclass(slots=True)
class Span:
    start: int
    end: int


def attach(text: str, mentions: list[EntityMention], start: int, lex: Lexicon,
           triggers: list[Span] = ()) -> list[Party]:
    """Parties of one sentence, in order, with the preposition heading each. `triggers` are
    the sentence's trigger spans: a gap holding one is never a coordination."""
    out: list[Party] = []
    prev_end = start
    breaks = [m.start() for m in lex.clause_break.finditer(text, start, mentions[-1].start if mentions else start)]
    for m in mentions:
        lo = max(prev_end, m.start - 60)
        gap = text[lo:m.start]
        # a preposition before the trigger heads nothing after it ("said it would buy X")
        cut = max([lo, *(t.end for t in triggers if lo <= t.start and t.end <= m.start)])
        if out and gap in ("'s ", "’s ") and out[-1].m.label == "LOC":
            out[-1] = Party(m, out[-1].prep, out[-1].coord, out[-1].clause)  # "the UK's DSIT"
            prev_end = m.end
            continue
        coord = (bool(out) and prev_end > start and not any(c.isdigit() for c in gap)
                 and not any(lo <= t.start < m.start for t in triggers)
                 and lex.coordination.match(gap) is not None)
        prep = out[-1].prep if coord else _heading(text[cut:m.start], lex)
        if not out and _norm(text[start:m.start]) in lex.articles:
            prep = frozenset()  # "A Microsoft abre...": the article, not the preposition "a"
        if "place" in prep and m.label != "LOC":  # "au fonds de X", "in X": X is what is funded
            prep = prep | {"of"}
        clause = sum(1 for b in breaks if b < m.start)
        out.append(Party(m, prep, coord, clause))
        prev_end = m.end
    return out


def _heading(gap: str, lex: Lexicon) -> frozenset[str]:
    """Classes of the preposition heading a party: the nearest one within three words, unless
    that one only links nouns ("de", "of") inside a phrase an earlier one heads ("par le plan
    d'investissement X", "auprès de X")."""
    found: list[frozenset[str]] = []
    pos = 0
    while (m := lex.prep.search(gap, pos)) is not None:
        found.append(lex.prep_classes.get(_norm(m["prep"]), frozenset()))
        pos = m.start() + 1
    if not found:
        return frozenset()
    last = found[-1]
    if last <= {"of"}:
        for earlier in reversed(found[:-1]):
            if earlier - {"of"}:
                return earlier
    return last


def _norm(s: str) -> str:
    return " ".join(s.lower().replace("’", "'").split())


def groups(parties: list[Party]) -> list[list[Party]]:
    """Runs of coordinated parties ("X, Y and Z"), in order."""
    out: list[list[Party]] = []
    for p in parties:
        if p.coord and out:
            out[-1].append(p)
        else:
            out.append([p])
    return out


def subject(text: str, left: list[Party], trigger: Span, lex: Lexicon) -> list[Party]:
    """The nearest unheaded group before the trigger, skipping one inside an apposition."""
    cands = [g for g in groups(left) if not g[0].prep]
    if not cands:
        return []
    best = cands[-1]
    if len(cands) > 1:
        before = cands[-2][-1].m.end
        between_in = text[before:best[0].m.start]
        between_out = text[best[-1].m.end:trigger.start]
        # "X, a start-up backed by Y, raises": Y sits between two commas (or after "which")
        inside = "," in between_in and between_in.rsplit(",", 1)[1].strip()
        if (inside or lex.clause_break.search(between_in)) and "," in between_out:
            best = cands[-2]  # (a group right after a comma starts the clause: "..., SoftBank, its investor, committed")
        elif lex.clause_break.search(between_in) and best[0].clause != cands[-2][0].clause:
            best = cands[-2]
    said = lex.speech.match(text, best[-1].m.end, trigger.start)
    if said and not lex.anaphor.match(text, said.end(), trigger.start):
        return []  # "DSIT said the partnership would...": the speaker ("X said it would buy": X acts)
    if lex.new_clause.search(text, best[-1].m.end, trigger.start):
        return []  # "X was there, and the head of state announced...": X is not the subject
    return [p for p in best if p.m.label != "MISC"]


def headed(parties: list[Party], cls: str) -> list[Party]:
    return [p for p in parties if cls in p.prep]


def acting_roles(kind: str, form: str, text: str, left: list[Party], right: list[Party],
                 trigger: Span, lex: Lexicon, beyond: list[Party] = ()) -> dict[str, list[Party]]:
    """Roles for acquisitions, investments and public funding (agent and patient forms).
    `beyond`: the parties after the trigger's clause, for "Funded by X, programme Y ..."."""
    agent, patient = AGENT[kind], PATIENT[kind]
    roles: dict[str, list[Party]] = {agent: [], patient: [], "place": []}
    subj = subject(text, left, trigger, lex)
    by = [p for p in headed(right, "agent") if not p.is_place or "place" not in p.prep]
    if lex.verb_final:  # "von X übernommen": the agent may stand before the verb
        by += [p for p in headed(left, "agent") if p not in subj and not p.is_place]
    objects = [p for p in right if not p.prep and not (kind == "acquisition" and _possessor(text, p))]
    obj = groups(objects)[0] if objects else []
    if kind == "acquisition" and obj and obj[0].m.start - trigger.end > _OBJECT_REACH:
        obj = []  # "expect to buy games on platforms like ... Steam": too far to be the target
    if form.startswith("patient"):
        roles[patient] += subj
        roles[agent] += by
    else:
        if by:
            roles[agent] += by
            roles[patient] += subj or obj
        else:
            roles[agent] += subj
            roles[patient] += obj
        of = [p for p in headed(right, "of") if not p.is_place and not (kind == "acquisition" and _possessor(text, p))]
        if of and form == "agent_noun" and kind != "acquisition" and not roles[agent] \
                and _GENITIVE.match(text[trigger.end:of[0].m.start]):
            roles[agent] += [of.pop(0)]  # "investissements d'OpenAI", "investment of X": X invests
        if not roles[patient] and (form == "agent_noun" or kind != "acquisition"):
            # "the acquisition of Y", "invests in Y"; a verb of buying takes its target directly
            # ("bought properties that he leased to Y": Y is no target)
            roles[patient] += groups(of)[0] if of else []
        if not roles[patient] and by and not subj:  # "Financé par X, le programme Y consacre..."
            free = [p for p in beyond if not p.prep and not p.is_place]
            roles[patient] += free[:1]
        if lex.verb_final and not obj and not by and len(subj) == 1:
            earlier = [g for g in groups(left) if not g[0].prep and g[0] not in subj]
            if earlier:  # "SAP hat Signavio übernommen": first group acts, nearest is the patient
                roles[agent], roles[patient] = earlier[-1], subj
        if kind == "investment":
            roles[agent] += [p for p in headed(right, "with") if not p.is_place]
    roles[patient] = [p for p in roles[patient] if p.m.label != "PER"]  # people are not bought or funded
    if kind == "acquisition":  # countries are neither bought nor buyers ("U.S. consumers may buy...")
        roles[agent] = [p for p in roles[agent] if not p.is_place]
        roles[patient] = [p for p in roles[patient] if not p.is_place]
    if kind != "acquisition":
        roles["place"] += [p for p in right + left if p.is_place and "place" in p.prep]
    return roles


def endow_roles(parties: list[Party], trigger: Span) -> dict[str, list[Party]]:
    """"Endowed with N, programme X is funded by Y": the nearest organisation or programme
    either side is the recipient, every party headed by "by" a funder."""
    funders = [p for p in parties if "agent" in p.prep]
    free = [p for p in parties if not p.prep and not p.is_place and p.m.label != "PER"]
    if not free:
        return {"recipient": [], "funder": funders}
    nearest = min(free, key=lambda p: min(abs(p.m.start - trigger.end), abs(trigger.start - p.m.end)))
    return {"recipient": [nearest], "funder": funders}


def partner_roles(text: str, form: str, left: list[Party], right: list[Party], trigger: Span,
                  lex: Lexicon) -> dict[str, list[Party]]:
    """Everyone coordinated as the subject, after "with", or after "between"; after a verb
    ("s'associe à X", "partners X"), also the first organisation it governs."""
    subj = subject(text, left, trigger, lex)
    between = headed(left + right, "between")
    if between:  # "a partnership between X and Y": X and Y, not the sentence's subject
        return {"partner": [p for p in between if p.m.label != "PER"]}
    found = subj + headed(left + right, "with")
    if form == "verb":
        gov = [p for p in right if not p.is_place and not p.prep & {"agent", "source"}]
        found += groups(gov)[0] if gov else []
    # a person is no partner ("signed by Peter Kyle and Sam Altman"), but an unlinked name
    # coordinated with an organisation is one the model mistook for a person
    has_org = any(p.m.label != "PER" for p in subj)
    return {"partner": [p for p in found if p.m.label != "PER" or (p in subj and has_org and not p.m.kb_id)]}


def expansion_roles(text: str, left: list[Party], right: list[Party], trigger: Span,
                    lex: Lexicon) -> dict[str, list[Party]]:
    """The organisation that opens (the subject) and the place (a location after "in")."""
    subj = [p for p in subject(text, left, trigger, lex) if not p.is_place]
    places = [p for p in right if p.is_place and "place" in p.prep][:1]
    if not places:  # "a Munich office": the place before the object
        places = [p for p in right if p.is_place and not p.prep][:1]
    if not places and lex.verb_final:  # "ein Rechenzentrum in Deutschland bauen"
        places = [p for p in left if p.is_place and "place" in p.prep and p not in subj][-1:]
    return {"investor": subj, "place": places}
