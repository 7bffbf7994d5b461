"""What an alert says: one message per group of outbox rows, from Jinja templates, and the
Atom feed of a subscription. Crawled titles and snippets are escaped as the brief escapes them
(`digests.markup`), and only http(s) article links are linked."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache

from db import outbox, reads
from digests import atom, markup
from digests.alerts.matching import HIT_CLOSE, HIT_OPEN
from digests.alerts.subscriptions import Subscription

WORDS = {
    "fr": {"code": "fr", "new": "nouveaux articles", "entities": "Acteurs", "amounts": "Montants", "why": "Pourquoi",
           "query": "requête", "entity": "entité", "amount": "montant ≥", "read": "Lire", "deal": "deal",
           "any_deal": "tout deal", "deal_amount": "montant du deal ≥", "reported": "envisagé",
           "months": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
                      "déc.")},
    "en": {"code": "en", "new": "new articles", "entities": "Actors", "amounts": "Amounts", "why": "Why",
           "query": "query", "entity": "entity", "amount": "amount ≥", "read": "Read", "deal": "deal",
           "any_deal": "any deal", "deal_amount": "deal amount ≥", "reported": "reported",
           "months": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")},
}


@dataclass
class AlertItem:
    outbox_id: int
    article_id: int
    title: str
    url: str
    source: str | None
    published: str | None
    why: dict
    entities: list[str]
    amounts: list[str]
    why_line: str = ""  # set by render()
    deal_lines: list[str] = field(default_factory=list)  # set by render(): the deals matched, one line each

    @property
    def link(self) -> str | None:
        return markup.web_url(self.url)

    @property
    def meta(self) -> str:
        return " · ".join(x for x in (self.source, self.published) if x)

    @property
    def snippet(self) -> str | None:
        return self.why.get("snippet")


@dataclass
class Message:
    title: str
    markdown: str
    html: str
    key: str  # the same for every attempt at the same rows


def _md_snippet(snippet: str) -> str:
    return markup.md_text(snippet).replace(HIT_OPEN, "**").replace(HIT_CLOSE, "**")


def _html_snippet(snippet: str):
    from markupsafe import Markup, escape

    s = str(escape(" ".join(snippet.split())))
    return Markup(s.replace(HIT_OPEN, "<mark>").replace(HIT_CLOSE, "</mark>"))


def plain_snippet(snippet: str | None) -> str:
    """The snippet as plain text, its matched terms in «»."""
    return " ".join((snippet or "").split()).replace(HIT_OPEN, "«").replace(HIT_CLOSE, "»")


@cache
def _env():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("digests", "templates"), autoescape=select_autoescape(["html.j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(mdtext=markup.md_text, mdurl=markup.md_url, mdsnippet=_md_snippet,
                       htmlsnippet=_html_snippet)
    return env


_ACTING = ("partner", "buyer", "investor", "funder")
_RECEIVING = ("target", "recipient")


def _deal_date(value: str | None, precision: str | None, w: dict) -> str:
    """"9 Sep 2025", "Sep 2025" or "2025" (French: "9 sept. 2025") as precise as the deal's date."""
    if not value:
        return ""
    bits = value.split("-")
    try:
        year, month, day = (int(bits[i]) if len(bits) > i else 0 for i in range(3))
    except ValueError:
        return value
    if precision == "year" or not 1 <= month <= 12:
        return str(year)
    if precision == "month" or not day:
        return f"{w['months'][month - 1]} {year}"
    return f"{day} {w['months'][month - 1]} {year}"


def deal_line(deal: dict, lang: str = "fr") -> str:
    """A matched deal in one line: "Mistral AI × ASML — investment, €1.3bn, 9 Sep 2025"
    (French: "… — investissement, 1,3 Md€, 9 sept. 2025"); `deal` as kept in an outbox row's why."""
    from digests.render import fmt_money, labels

    w = WORDS.get(lang, WORDS["fr"])
    parties = deal.get("parties") or []
    names = [p["name"] for role in (_ACTING, _RECEIVING) for p in parties if p["role"] in role]
    places = [p["name"] for p in parties if p["role"] == "place"]
    who = " × ".join(names) + (f" ({', '.join(places)})" if names and places else ", ".join(places) if places else "")
    parts = [labels(lang)["deal_kinds"].get(deal["kind"], deal["kind"])]
    if deal.get("amount_value") is not None and deal.get("amount_unit"):
        parts.append(fmt_money(deal["amount_value"], deal["amount_unit"], lang))
    elif deal.get("amount_text"):
        parts.append(deal["amount_text"])
    when = _deal_date(deal.get("date"), deal.get("date_precision"), w)
    if when:
        parts.append(when)
    line = f"{who} — {', '.join(parts)}" if who else ", ".join(parts)
    return line + (f" ({w['reported']})" if deal.get("status") == "reported" else "")


def why_line(sub: Subscription, item: AlertItem, w: dict) -> str:
    """Why this article matched, in words: the query and its terms, entities, amounts, language."""
    parts = []
    if sub.query:
        terms = ", ".join(item.why.get("terms") or [])
        parts.append(f"{w['query']} « {sub.query} »" + (f" ({terms})" if terms else ""))
    if sub.deal:
        from digests.render import labels

        kind = labels(w["code"])["deal_kinds"].get(sub.deal)
        parts.append(f"{w['deal']} {kind}" if kind else w["any_deal"])
    for e in item.why.get("entities") or sub.entities:
        parts.append(f"{w['entity']} {e}")
    if sub.min_amount is not None and sub.deal:
        parts.append(f"{w['deal_amount']} {sub.min_amount:,.0f} EUR")
    elif sub.min_amount is not None:
        found = ", ".join(a["text"] for a in item.why.get("amounts") or [])
        parts.append(f"{w['amount']} {sub.min_amount:,.0f} EUR" + (f" ({found})" if found else ""))
    if sub.lang:
        parts.append(f"lang {sub.lang}")
    return "; ".join(parts)


def render(sub: Subscription, items: list[AlertItem], lang: str = "fr") -> Message:
    """The message for one group of outbox rows: title, Markdown body, HTML body and stable key."""
    w = WORDS.get(lang, WORDS["fr"])
    if len(items) == 1:
        title = f"[veille] {sub.name}: {items[0].title}"
        key = f"veille-{sub.id}-{items[0].article_id}"
    else:
        title = f"[veille] {sub.name}: {len(items)} {w['new']}"
        digest = hashlib.sha1(",".join(str(i.outbox_id) for i in items).encode()).hexdigest()[:12]
        key = f"veille-{sub.id}-batch-{digest}"
    for it in items:
        it.why_line = why_line(sub, it, w)
        it.deal_lines = [deal_line(d, lang) for d in it.why.get("deals") or []]
    env = _env()
    md = env.get_template("alert.md.j2").render(items=items, w=w)
    html = env.get_template("alert.html.j2").render(items=items, w=w)
    return Message(markup.plain_line(title), md.strip() + "\n", html.strip(), key)


def _fmt_amount(a: dict) -> str:
    if a["eur"] is not None and a["unit"] != "EUR":
        return f"{a['text']} (≈ {a['eur']:,.0f} EUR)"
    return a["text"]


def load_items(db, outbox_ids: list[int]) -> list[AlertItem]:
    """The outbox rows with what a message shows of their article: entities, amounts, link."""
    rows = outbox.alert_rows(db, outbox_ids)
    aids = [r["article_id"] for r in rows]
    ments, amts = reads.mentions_of(db, aids), reads.amounts_of(db, aids)
    out = []
    for r in rows:
        money = sorted((a for a in amts.get(r["article_id"], []) if a["kind"] == "money"),
                       key=lambda a: -(a["eur"] or 0))
        out.append(AlertItem(
            outbox_id=r["id"], article_id=r["article_id"], title=r["title"] or r["url"], url=r["url"],
            source=r["source"], published=r["published"], why=json.loads(r["why"] or "{}"),
            entities=[m["name"] for m in ments.get(r["article_id"], [])[:6]],
            amounts=[_fmt_amount(a) for a in money[:3]]))
    return out


def feed(db, sub: Subscription, *, limit: int = 50, lang: str = "fr") -> str:
    """The Atom feed of a subscription's latest matches (whatever their delivery status)."""
    from digests.alerts.subscriptions import recent

    w = WORDS.get(lang, WORDS["fr"])
    entries = []
    for r in recent(db, sub.id, limit):
        item = AlertItem(r["id"], r["article_id"], r["title"] or r["url"], r["url"], r["source"], r["published"],
                         json.loads(r["why"] or "{}"), [], [])
        deals = " · ".join(deal_line(d, lang) for d in item.why.get("deals") or [])
        summary = " ".join(x for x in (deals, plain_snippet(item.snippet), f"{w['why']}: {why_line(sub, item, w)}")
                           if x)
        entries.append(atom.Entry(id=f"urn:veille:alert:{sub.id}:{r['article_id']}", title=item.title,
                                  link=item.link, updated=r["created_at"], summary=summary, author=r["source"]))
    return atom.feed(entries, lang=None, feed_id=f"urn:veille:alert:{sub.id}", title=f"veille · {sub.name}")
