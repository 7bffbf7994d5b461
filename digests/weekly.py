"""The weekly brief, composed: database rows → stories → summaries → `brief.build` → `Digest`.

This is the one place that reads the database and runs the encoder for a brief; `brief.build`
and `render.render` stay pure. Only the stories that can make the brief are summarised (a
week of 20,000 articles has thousands of one-article stories nobody will read here).
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, timedelta

from db import briefs as bq
from db import reads
from db.deals import deals_between
from digests import brief
from digests.stories import ClusterParams, Item, cluster, day_number, link_continuations
from digests.summarize import LLMConfig, Source, summarise
from nlp.embed import article_text

log = logging.getLogger(__name__)

CLUSTER_LABELS = ("ORG", "PER", "PROG", "LOC", "MISC")
SUMMARY_ARTICLES = 6  # articles a summary draws its sentences from


@dataclass
class Period:
    label: str  # ISO week "2025-W30", or "2025-07-14/2025-07-20" for a free span
    start: str
    end: str
    whole_week: bool


def resolve_period(week: str | None, since: str | None, until: str | None, latest: str | None,
                   today: date | None = None) -> Period:
    """The period a brief covers: an ISO week, a --since/--until span, or the last complete week."""
    today = today or date.today()
    if week and (since or until):
        raise ValueError("give either --week or --since/--until, not both")
    if since or until:
        try:
            s = date.fromisoformat(since) if since else None
            u = date.fromisoformat(until) if until else None
        except ValueError:
            raise ValueError(f"dates must be YYYY-MM-DD, got {since or ''!r} / {until or ''!r}") from None
        s = s or (u - timedelta(days=6))
        u = u or min(s + timedelta(days=6), today)
        if u < s:
            raise ValueError(f"--until {u} is before --since {s}")
        return Period(f"{s.isoformat()}/{u.isoformat()}", s.isoformat(), u.isoformat(), False)
    if week is None:
        # the last complete week; a database whose news is older (an archive, the demo) gets its latest week
        last_complete = today - timedelta(days=today.isoweekday())
        if latest and date.fromisoformat(latest[:10]) < last_complete:
            week = brief.week_of(date.fromisoformat(latest[:10]))
        else:
            week = brief.week_of(last_complete)
    s, e = brief.week_bounds(week)
    return Period(week.upper(), s.isoformat(), e.isoformat(), True)


def _weeks_back(end: str, n: int) -> list[str]:
    last = date.fromisoformat(end)
    return [brief.week_of(last - timedelta(weeks=k)) for k in range(n - 1, -1, -1)]


def make_digest(db, period: Period, lang: str = "fr", *, topic: str | None = None, encoder=None,
                llm: LLMConfig | None = None, params: ClusterParams | None = None, max_stories: int = 12,
                record: bool = True, include_off_topic: bool = False) -> brief.Digest:
    """The brief of `period` read from `db`; records its stories (for later weeks' links) when `record`."""
    from nlp.embed import embed_cached, get_encoder

    encoder = encoder or get_encoder("use")
    p = params or ClusterParams()
    rows = reads.articles_between(db, period.start, period.end + "T99")
    if topic:
        wanted = bq.article_ids_for_topic(db, topic, period.start, period.end + "T99")
        rows = [r for r in rows if r["id"] in wanted]
    # off-topic articles stay in the database (topics may change) but not in the brief
    off_topic = bq.off_topic_ids(db, [r["id"] for r in rows]) if not include_off_topic else set()
    rows = [r for r in rows if r["id"] not in off_topic]
    ids = [r["id"] for r in rows]
    mentions = reads.mentions_of(db, ids)
    amounts = reads.amounts_of(db, ids)
    topics = bq.topics_of(db, ids)

    vectors = embed_cached(db, encoder, [article_text(r["title"], r["text"]) for r in rows])
    items = [Item(id=r["id"], day=day_number(r["published"]), source=r["source"],
                  entities=frozenset(m["name"] for m in mentions.get(r["id"], []) if m["label"] in CLUSTER_LABELS))
             for r in rows]
    clusters = cluster(items, vectors, p)
    clusters = _shortlist(clusters, rows, topics, max_stories * 2)

    inputs = _story_inputs(db, period, encoder, rows, vectors, clusters, lang, llm, p)

    weeks = _weeks_back(period.end, 8)
    top_names = [name for name, _ in _top_entities(mentions, 5)]
    history_days = bq.entity_history(db, top_names, brief.week_bounds(weeks[0])[0].isoformat(), period.end)
    history = {n: [sum(v for d, v in history_days.get(n, {}).items() if brief.week_of(date.fromisoformat(d[:10])) == w)
                   for w in weeks] for n in top_names}
    # names in the brief's language ("European Union" in English), once the database reads are done
    shown = _display_names(mentions, lang)
    for ms in mentions.values():
        for m in ms:
            m["name"] = shown.get(m["name"], m["name"])
    history = {shown.get(n, n): v for n, v in history.items()}
    actors = {k: [shown.get(n, n) for n in v] for k, v in bq.amount_actors(db, ids).items()}
    ctx = brief.Context(dates=bq.dates_of(db, ids), topics=topics, actors=actors,
                        weeks=weeks, history=history, deals=deals_between(db, period.start, period.end),
                        names=shown,
                        filters={k: v for k, v in {"topic": topic, "since": None if period.whole_week else period.start,
                                                   "until": None if period.whole_week else period.end}.items() if v})
    digest = brief.build(period.label, rows, mentions, amounts, lang, stories=inputs, context=ctx,
                         start=period.start, end=period.end, max_stories=max_stories)
    digest.off_topic = len(off_topic)
    if record and period.whole_week and not topic:
        _record(db, period.label, digest, inputs, clusters, encoder.name)
    return digest


def _story_inputs(db, period: Period, encoder, rows, vectors, clusters, lang: str, llm: LLMConfig | None,
                  p: ClusterParams) -> list[brief.StoryInput]:
    """One summarised story a cluster, linked to the story it continues from an earlier week."""
    from nlp.embed import embed_cached

    earlier = bq.earlier_stories(db, period.label, encoder.name) if period.whole_week else []
    links = link_continuations([c.centroid for c in clusters] if clusters else [],
                               [(sid, v) for sid, v, _t, _w in earlier], p.continuation)
    about = {sid: {"week": wk, "title": title, "id": sid} for sid, _v, title, wk in earlier}

    def embed(texts):  # sentence vectors are cached too
        return embed_cached(db, encoder, texts)

    inputs = []
    for c, link in zip(clusters, links):
        # the accounts closest to the story's centre: a 200-article story needs no 1,200 candidate sentences
        kept = [i for i in c.members if i not in c.duplicates]
        kept = sorted(kept, key=lambda i: -float(vectors[i] @ c.centroid))[:SUMMARY_ARTICLES]
        members = [rows[i] for i in kept]
        sources = [Source(r["id"], r["url"], r["title"] or r["url"], r["source"], r["lang"], r["text"]) for r in members]
        inputs.append(brief.StoryInput(
            article_ids=[rows[i]["id"] for i in c.members],
            summary=summarise(sources, lang, embed, c.centroid, llm),
            duplicates={rows[d]["id"]: rows[k]["id"] for d, k in c.duplicates.items()},
            continues=about.get(link) if link is not None else None,
        ))
    return inputs


def _display_names(mentions: dict[int, list[dict]], lang: str) -> dict[str, str]:
    """Stored name -> name to print in `lang`, for entities whose stored name is the knowledge
    base's own (a name the user chose with `veille entities rename` is left as it is)."""
    from nlp.kb import default_kb

    kb = default_kb()
    out: dict[str, str] = {}
    for ms in mentions.values():
        for m in ms:
            entry = kb.get(m["kb_id"]) if m.get("kb_id") else None
            if entry is not None and entry.name == m["name"]:
                out[m["name"]] = entry.display(lang)
    return out


def _top_entities(mentions: dict[int, list[dict]], k: int) -> list[tuple[str, int]]:
    from collections import Counter

    c: Counter = Counter()
    for ms in mentions.values():
        c.update({m["name"] for m in ms})
    return c.most_common(k)


def _shortlist(clusters, rows, topics, k: int):
    """The `k` clusters most likely to make the brief: independent sources first, then size and topic."""
    def weight(c):
        members = [rows[i] for i in c.members if i not in c.duplicates]
        sources = {r["source"] for r in members}
        rel = max((max(topics.get(r["id"], {}).values(), default=0.0) for r in members), default=0.0)
        return math.log2(1 + len(sources)) + 0.3 * math.log2(1 + len(c.members)) + 1.5 * rel

    return sorted(clusters, key=lambda c: (-weight(c), c.members[0]))[:k]


def _record(db, week: str, digest: brief.Digest, inputs, clusters, model: str) -> None:
    by_first = {si.article_ids[0]: (si, c) for si, c in zip(inputs, clusters)}
    kept = []
    for story in digest.stories:
        ids = {a.id for a in story.articles}
        match = next(((si, c) for first, (si, c) in by_first.items() if first in ids or set(si.article_ids) & ids), None)
        if match is None:
            continue
        si, c = match
        kept.append({"key": min(si.article_ids), "title": story.title, "article_ids": si.article_ids,
                     "centroid": c.centroid, "score": story.score,
                     "continues": si.continues["id"] if si.continues else None})
    bq.save_stories(db, week, kept, model)
