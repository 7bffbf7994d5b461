"""The weekly brief as data: rows from the database in, a `Digest` out (no I/O here)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta


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
class Digest:
    week: str  # ISO week, e.g. 2025-W30
    start: str
    end: str
    lang: str  # language of the brief's own words
    articles: list[BriefArticle]
    top_entities: list[tuple[str, str, int]]  # (name, label, number of articles)
    money: list[dict]  # money amounts of the week, largest EUR first, with their article


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


def build(week: str, rows: list[dict], mentions: dict[int, list[dict]], amounts: dict[int, list[dict]],
          lang: str = "fr") -> Digest:
    """The brief of `week` from its article rows, their entity mentions and their amounts."""
    start, end = week_bounds(week)
    articles = []
    entity_articles: Counter = Counter()
    labels: dict[str, str] = {}
    money = []
    for r in rows:
        ents = mentions.get(r["id"], [])
        for e in ents:
            entity_articles[e["name"]] += 1
            labels.setdefault(e["name"], e["label"])
        amts = amounts.get(r["id"], [])
        art = BriefArticle(
            id=r["id"],
            url=r["url"],
            title=r["title"] or r["url"],
            source=r["source"],
            lang=r["lang"],
            published=r["published"],
            lead=_lead(r["text"]),
            entities=[{"name": e["name"], "label": e["label"], "n": e["n"]} for e in ents[:8]],
            amounts=[{k: a[k] for k in ("text", "value", "unit", "kind", "eur")} for a in amts],
            copies=[c for c in (r.get("copies") or "").split("|") if c],
        )
        articles.append(art)
        for a in amts:
            if a["kind"] == "money":
                money.append({**{k: a[k] for k in ("text", "value", "unit", "eur")},
                              "title": art.title, "url": art.url, "source": art.source})
    money.sort(key=lambda m: -(m["eur"] or 0))
    top = [(name, labels[name], n) for name, n in entity_articles.most_common(15)]
    return Digest(week=week, start=start.isoformat(), end=end.isoformat(), lang=lang,
                  articles=articles, top_entities=top, money=money)
