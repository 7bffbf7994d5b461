"""The weekly brief as data: rows from the database in, a `Digest` out (no I/O here).

`build()` is pure: the composition (`digests.weekly`) reads the database, clusters the week
into stories and summarises them, then hands everything here. Called with rows only (no
stories), each article is its own story with its lead as summary, so the brief still reads.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from digests.deals import deal_figures, order_figures, week_deals
from digests.summarize import SummarySentence, sentences
from nlp.topics import ON_TOPIC


@dataclass
class BriefArticle:
    id: int
    url: str
    title: str
    source: str
    lang: str | None
    published: str | None
    lead: str  # first sentences of the text, for the reader to judge
    entities: list[dict] = field(default_factory=list)  # {"name","label","n"}
    amounts: list[dict] = field(default_factory=list)  # {"text","value","unit","kind","eur"}
    copies: list[str] = field(default_factory=list)  # other sources that republished it


@dataclass
class StoryInput:
    """A story as the composition found it: its articles, summary and link to earlier weeks."""

    article_ids: list[int]
    summary: list[SummarySentence] = field(default_factory=list)
    duplicates: dict[int, int] = field(default_factory=dict)  # article id -> id of the copy kept
    continues: dict | None = None  # {"week","title"} of the story it develops


@dataclass
class Context:
    """What the composition knows beyond the week's rows; every part may be empty."""

    dates: dict[int, list[dict]] = field(default_factory=dict)  # article id -> {"text","value","precision","start","end"}
    topics: dict[int, dict[str, float]] = field(default_factory=dict)  # article id -> {topic: score}
    actors: dict[tuple[int, int], list[str]] = field(default_factory=dict)  # (article id, sentence) -> ORG/PER names
    weeks: list[str] = field(default_factory=list)  # the chart's weeks, oldest first, ending with this one
    history: dict[str, list[int]] = field(default_factory=dict)  # entity -> articles per week, aligned on weeks
    filters: dict = field(default_factory=dict)  # what the brief was restricted to (topic, since, until)
    deals: list[dict] = field(default_factory=list)  # rows of db.deals.deals_between for the period
    names: dict[str, str] = field(default_factory=dict)  # stored entity name -> name in the brief's language


@dataclass
class Story:
    title: str
    url: str
    summary: list[SummarySentence]
    articles: list[BriefArticle]  # independent accounts first; copies are folded into `copies`
    entities: list[str]
    amounts: list[dict]
    sources: list[str]  # independent sources
    languages: list[str]
    score: float
    why: dict  # {"sources","topics","keywords","continues"}
    continues: dict | None = None
    topic: str | None = None


@dataclass
class Digest:
    week: str  # ISO week, e.g. 2025-W30 (or the --since/--until span)
    start: str
    end: str
    lang: str  # language of the brief's own words
    articles: list[BriefArticle]
    top_entities: list[tuple[str, str, int]]  # (name, label, number of articles)
    money: list[dict]  # money amounts of the week: this week's deal amounts first, then context figures
    stories: list[Story] = field(default_factory=list)  # ranked, most important first
    people: list[dict] = field(default_factory=list)  # {"name","label","n","previous","trend": new|rising|steady}
    dates_ahead: list[dict] = field(default_factory=list)  # {"value","precision","text","context","url","source"}
    topics: list[dict] = field(default_factory=list)  # {"topic","stories": [story index]}
    sources: list[dict] = field(default_factory=list)  # {"source","articles","stories"}
    charts: dict = field(default_factory=dict)  # chart data; PNGs are drawn by the renderer
    filters: dict = field(default_factory=dict)
    off_topic: int = 0  # articles of the period left out as off the watch topics
    deals: list[dict] = field(default_factory=list)  # "Deals of the week" (see digests.deals.week_deals)

    def to_json(self) -> dict:
        """The JSON contract of `veille digest --format json` (see ARCHITECTURE.md and README)."""
        d = asdict(self)
        d["top_entities"] = [{"name": n, "label": lab, "articles": k} for n, lab, k in self.top_entities]
        for s, story in zip(d["stories"], self.stories):
            s["summary"] = [x.to_json() for x in story.summary]
            s["articles"] = [{"url": a.url, "title": a.title, "source": a.source, "lang": a.lang,
                              "published": a.published, "copies": a.copies} for a in story.articles]
        return d


def week_bounds(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week 'YYYY-Www'."""
    try:
        year, w = week.upper().split("-W")
        monday = date.fromisocalendar(int(year), int(w), 1)
    except ValueError:
        raise ValueError(f"not an ISO week: {week!r} (expected YYYY-Www, e.g. 2025-W30)") from None
    return monday, monday + timedelta(days=6)


def week_of(day: date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def _lead(text: str, limit: int = 320) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(". ", 0, limit)
    return text[: cut + 1] if cut > 80 else text[:limit].rsplit(" ", 1)[0] + "…"


def _sentence_around(text: str, start: int, end: int, limit: int = 220) -> str:
    """The sentence of `text` holding [start, end), trimmed to `limit` characters around it."""
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start))
    right_candidates = [i for i in (text.find(". ", end), text.find("\n", end)) if i != -1]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    s = " ".join(text[left + 1 : right].split())
    if len(s) > limit:
        mid = s.find(text[start:end])
        lo = max(0, mid - limit // 2)
        s = ("…" if lo else "") + s[lo : lo + limit].strip() + "…"
    return s


def _article(r: dict, mentions: dict, amounts: dict) -> BriefArticle:
    ents = mentions.get(r["id"], [])
    return BriefArticle(
        id=r["id"], url=r["url"], title=r["title"] or r["url"], source=r["source"], lang=r["lang"],
        published=r["published"], lead=_lead(r["text"]),
        entities=[{"name": e["name"], "label": e["label"], "n": e["n"]} for e in ents[:8]],
        amounts=[{k: a[k] for k in ("text", "value", "unit", "kind", "eur")} for a in amounts.get(r["id"], [])],
        copies=[c for c in (r.get("copies") or "").split("|") if c],
    )


def _lead_summary(a: BriefArticle, text: str) -> list[SummarySentence]:
    first = sentences(text, 4)
    picked = [s for s in first if len(s.split()) >= 5][:2] or first[:2] or [a.title]
    return [SummarySentence(s, a.id, a.url, a.source, a.lang) for s in picked]


def build(week: str, rows: list[dict], mentions: dict[int, list[dict]], amounts: dict[int, list[dict]],
          lang: str = "fr", *, stories: list[StoryInput] | None = None, context: Context | None = None,
          start: str | None = None, end: str | None = None, max_stories: int = 12) -> Digest:
    """The brief of `week` from its article rows, mentions, amounts and (optionally) its stories."""
    ctx = context or Context()
    if start is None or end is None:
        s, e = week_bounds(week)
        start, end = s.isoformat(), e.isoformat()
    by_id = {r["id"]: r for r in rows}
    articles = [_article(r, mentions, amounts) for r in rows]
    art_of = {a.id: a for a in articles}

    entity_articles: Counter = Counter()
    labels: dict[str, str] = {}
    for r in rows:
        for e in mentions.get(r["id"], []):
            entity_articles[e["name"]] += 1
            labels.setdefault(e["name"], e["label"])
    top = [(name, labels[name], n) for name, n in entity_articles.most_common(15)]

    if stories is None:
        stories = [StoryInput([a.id], _lead_summary(a, by_id[a.id]["text"])) for a in articles]
    built = [_story(si, art_of, by_id, mentions, ctx, entity_articles, len(rows), lang)
             for si in stories if any(i in art_of for i in si.article_ids)]
    built.sort(key=lambda s: -s.score)
    built = built[:max_stories]
    story_of_article = {a.id: n for n, s in enumerate(built) for a in s.articles}

    money = _money(rows, amounts, art_of, ctx, built, story_of_article)
    figures = deal_figures(ctx.deals, start, end)
    money = order_figures(money, figures)
    _mark_context(built, figures)
    return Digest(
        week=week, start=start, end=end, lang=lang, articles=articles, top_entities=top, money=money,
        stories=built, people=_people(top, ctx), dates_ahead=_dates_ahead(rows, ctx, end, art_of, story_of_article),
        topics=_topic_sections(built), sources=_sources(rows, story_of_article),
        charts=_chart_data(ctx, top, money, built), filters=ctx.filters,
        deals=week_deals(ctx.deals, start, end, ctx.names),
    )


def _story(si: StoryInput, art_of, by_id, mentions, ctx: Context, entity_articles: Counter,
           week_total: int, lang: str) -> Story:
    ids = [i for i in si.article_ids if i in art_of]
    kept = [i for i in ids if i not in si.duplicates]
    arts = [art_of[i] for i in kept]
    for dup, original in si.duplicates.items():  # a copy folds into the account it repeats
        if original in art_of and dup in art_of:
            art_of[original].copies = list(dict.fromkeys([*art_of[original].copies, art_of[dup].source]))
    arts.sort(key=lambda a: (a.published or "", a.id))
    sources = list(dict.fromkeys(a.source for a in arts))
    counts: Counter = Counter()
    for i in ids:
        for e in mentions.get(i, []):
            counts[e["name"]] += 1
    entities = [n for n, _ in counts.most_common(8)]
    story_amounts = [{**a, "url": art_of[i].url, "source": art_of[i].source}
                     for i in kept for a in art_of[i].amounts if a["kind"] == "money"]
    topic_scores: dict[str, float] = defaultdict(float)
    for i in ids:
        for t, sc in ctx.topics.get(i, {}).items():
            topic_scores[t] = max(topic_scores[t], sc)
    topics_sorted = sorted(topic_scores.items(), key=lambda kv: -kv[1])
    relevance = topics_sorted[0][1] if topics_sorted else 0.0
    # salience: how much of the week the story's leading actors account for
    salience = max((entity_articles[n] / max(week_total, 1) for n in entities[:3]), default=0.0)
    novelty = 0.4 if si.continues else 1.0
    score = (1.2 * math.log2(1 + len(sources)) + 1.5 * relevance + 1.0 * salience + 0.5 * novelty
             + 0.3 * math.log2(1 + len(ids)) + 0.2 * bool(story_amounts))
    # title: the first account in the brief's language reads best; else the earliest
    lead = next((a for a in arts if a.lang == lang), arts[0])
    return Story(
        title=lead.title, url=lead.url, summary=si.summary or _lead_summary(lead, by_id[lead.id]["text"]),
        articles=arts, entities=entities, amounts=story_amounts, sources=sources,
        languages=sorted({a.lang for a in arts if a.lang}), score=round(score, 3),
        why={"sources": len(sources), "topics": [t for t, sc in topics_sorted[:3] if sc >= ON_TOPIC],
             "keywords": entities[:4], "continues": si.continues is not None},
        continues=si.continues, topic=topics_sorted[0][0] if topics_sorted and topics_sorted[0][1] >= ON_TOPIC else None,
    )


def _money(rows, amounts, art_of, ctx: Context, stories: list[Story], story_of_article) -> list[dict]:
    money = []
    for r in rows:
        art = art_of[r["id"]]
        for a in amounts.get(r["id"], []):
            if a["kind"] != "money":
                continue
            n = story_of_article.get(art.id)
            money.append({
                **{k: a[k] for k in ("text", "value", "unit", "eur")},
                "who": ctx.actors.get((art.id, a.get("sentence")), [])[:3],
                "what": stories[n].title if n is not None else art.title,
                "topic": stories[n].topic if n is not None else None,
                "title": art.title, "url": art.url, "source": art.source, "lang": art.lang,
            })
    money.sort(key=lambda m: -(m["eur"] or 0))
    # the same sum repeated by several outlets is one figure: keep its first (largest) row
    seen, out = set(), []
    for m in money:
        key = (m["unit"], round(m["value"], 2), m["what"])
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def _mark_context(stories: list[Story], figures: set[tuple[str, str]]) -> None:
    """A story's amounts line marks the sums that are no deal of the week, as the key figures do
    (IA Booster's "25 M€ · 54 Md€ (context)"); any wording of a deal's sum counts as the deal.
    A week without deal records marks nothing: there is nothing to tell them from."""
    if not figures:
        return
    for s in stories:
        news = {(a["unit"], round(a["value"] or 0, 2)) for a in s.amounts if (a["url"], a["text"]) in figures}
        for a in s.amounts:
            a["context"] = (a["unit"], round(a["value"] or 0, 2)) not in news


def _people(top, ctx: Context) -> list[dict]:
    out = []
    for name, label, n in top:
        if label not in ("PER", "ORG", "PROG"):
            continue
        past = ctx.history.get(name, [])[:-1]
        previous = sum(past) / len(past) if past else None
        if not past or not any(past):
            trend = "new" if past else "steady"
        elif n >= 2 * (previous or 0) and n >= 2:
            trend = "rising"
        else:
            trend = "steady"
        out.append({"name": name, "label": label, "n": n,
                    "previous": round(previous, 1) if previous is not None else None, "trend": trend})
    return out[:12]


def _dates_ahead(rows, ctx: Context, end: str, art_of, story_of_article) -> list[dict]:
    by_id = {r["id"]: r for r in rows}
    seen, out = set(), []
    for aid, dates in ctx.dates.items():
        if aid not in by_id:
            continue
        for d in dates:
            # a day or a month after the brief's period: what the reader must plan for
            if d["precision"] not in ("day", "month") or d["value"] <= end:
                continue
            # one date told by several accounts of a story is one line
            key = (d["value"], story_of_article.get(aid, -aid))
            if key in seen:
                continue
            seen.add(key)
            out.append({"value": d["value"], "precision": d["precision"], "text": d["text"],
                        "context": _sentence_around(by_id[aid]["text"], d["start"], d["end"]),
                        "url": art_of[aid].url, "title": art_of[aid].title, "source": art_of[aid].source})
    out.sort(key=lambda x: x["value"])
    return out[:15]


def _topic_sections(stories: list[Story]) -> list[dict]:
    sections: dict[str, list[int]] = defaultdict(list)
    for n, s in enumerate(stories):
        if s.topic:
            sections[s.topic].append(n)
    return [{"topic": t, "stories": idx} for t, idx in sorted(sections.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


def _sources(rows, story_of_article) -> list[dict]:
    arts: Counter = Counter()
    stories: dict[str, set] = defaultdict(set)
    for r in rows:
        arts[r["source"]] += 1
        if r["id"] in story_of_article:
            stories[r["source"]].add(story_of_article[r["id"]])
    return [{"source": s, "articles": n, "stories": len(stories[s])} for s, n in arts.most_common()]


def _chart_data(ctx: Context, top, money, stories: list[Story]) -> dict:
    leaders = [name for name, _label, _n in top[:5] if name in ctx.history]
    by_topic: dict[str, float] = defaultdict(float)
    grouped_by = "topic" if any(m["topic"] for m in money) else "story"
    # "money announced": once the week has deal amounts, a plan's budget or a market size told as
    # background must not make the longest bar (France 2030's 54 Md€ over this week's 25 M€)
    announced = [m for m in money if m.get("deal")] or money
    for m in announced:
        if m["eur"]:
            key = m["topic"] if grouped_by == "topic" else _short(m["what"])
            by_topic[key or "—"] += m["eur"]
    return {
        "mentions": {"weeks": ctx.weeks, "series": {n: ctx.history[n] for n in leaders}} if leaders and ctx.weeks else {},
        "money": {"by": grouped_by, "eur": dict(sorted(by_topic.items(), key=lambda kv: -kv[1])[:8])},
    }


def _short(title: str, limit: int = 38) -> str:
    title = re.sub(r"\s+", " ", title)
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + "…"
