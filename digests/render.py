"""Render a `Digest` as Markdown, HTML (inline CSS, safe for mail clients), JSON or Atom."""
from __future__ import annotations

import json
from datetime import UTC
from functools import cache

from digests.brief import Digest
from digests.markup import md_text as _md_text
from digests.markup import md_url as _md_url
from digests.markup import safe_url  # noqa: F401 - public here before digests.markup existed

FORMATS = ("md", "html", "json", "atom")
# accounts listed under a story: a 1,600-article story must not make a 1 MB mail (Gmail clips at 102 KB)
MAX_ACCOUNTS = 8

def _topic_label(name: str, lang: str) -> str:
    from nlp.topics import topic_label

    return topic_label(name, lang)


class Plural:
    """A label with a singular and a plural form; `format(n=...)` picks one, as `str.format` would."""

    def __init__(self, one: str, many: str, *, singular_zero: bool = True):
        # French says "0 article", English "0 articles"
        self.one, self.many, self.singular_zero = one, many, singular_zero

    def format(self, n: int, **kw) -> str:
        single = n == 1 or (n == 0 and self.singular_zero)
        return (self.one if single else self.many).format(n=n, **kw)


LABELS = {
    "fr": {
        "title": "Veille — semaine {week}",
        "title_span": "Veille — du {start} au {end}",
        "period": "Du {start} au {end}",
        "stories": "Les sujets de la semaine",
        "articles": "Articles de la semaine",
        "entities": "Acteurs les plus cités",
        "people": "Personnes et organisations de la semaine",
        "money": "Chiffres clés",
        "deals": "Les deals de la semaine",
        "only_in": "récit en {langs} seulement",
        "chart_deals": "Qui s'allie, investit ou finance qui cette semaine",
        "deal_kinds": {"partnership": "partenariat", "investment": "investissement", "acquisition": "rachat",
                       "public_funding": "financement public", "expansion": "implantation"},
        "whom": "Avec / bénéficiaire",
        "kind": "Nature",
        "date": "Date",
        "reported": "en discussion",
        "context": "contexte",
        "context_note": "Les montants marqués « contexte » ne sont pas des annonces de la semaine (budget d'un plan, taille d'un marché, montant plus ancien).",
        "dates": "À venir",
        "topics": "Par thème",
        "sources": "Sources",
        "charts": "En graphiques",
        "chart_mentions": "Articles citant les principaux acteurs, 8 dernières semaines",
        "chart_money_topic": "Montants annoncés par thème (équivalent EUR)",
        "chart_money_story": "Montants annoncés par sujet (équivalent EUR)",
        "source": "Source",
        "also": "Repris par",
        "more": Plural("+ {n} autre article", "+ {n} autres articles"),
        "none": "Aucun article cette semaine.",
        "who": "Qui",
        "what": "Quoi",
        "amount": "Montant",
        "eur": "Équivalent EUR",
        "count": Plural("{n} article", "{n} articles"),
        "story_count": Plural("{n} sujet", "{n} sujets"),
        "accounts": Plural("{n} source · {langs}", "{n} sources · {langs}"),
        "continues": "Développement de « {title} » ({week})",
        "why": "Pourquoi ce sujet :",
        "why_sources": Plural("{n} source indépendante", "{n} sources indépendantes"),
        "why_topics": "thèmes : {topics}",
        "why_keywords": "mots-clés : {keywords}",
        "why_follow": "suite d'un sujet déjà suivi",
        "read": "Lire",
        "new": "nouveau",
        "rising": "en hausse",
        "steady": "",
        "filters": "Filtres :",
        "off_topic": Plural("{n} article hors des thèmes de veille a été écarté.",
                            "{n} articles hors des thèmes de veille ont été écartés."),
        "footer": "Brief généré par veille. Chaque phrase renvoie à son article d'origine.",
    },
    "en": {
        "title": "Tech watch — week {week}",
        "title_span": "Tech watch — {start} to {end}",
        "period": "{start} to {end}",
        "stories": "This week's stories",
        "articles": "This week's articles",
        "entities": "Most mentioned",
        "people": "People and organisations of the week",
        "money": "Key figures",
        "deals": "Deals of the week",
        "only_in": "told in {langs} only",
        "chart_deals": "Who partners with, invests in or funds whom this week",
        "deal_kinds": {"partnership": "partnership", "investment": "investment", "acquisition": "acquisition",
                       "public_funding": "public funding", "expansion": "opening"},
        "whom": "With / recipient",
        "kind": "What",
        "date": "Date",
        "reported": "reported",
        "context": "context",
        "context_note": "Amounts marked “context” are not this week's announcements (a plan's budget, a market size, an older sum).",
        "dates": "Dates ahead",
        "topics": "By topic",
        "sources": "Sources",
        "charts": "Charts",
        "chart_mentions": "Articles naming the leading actors, last 8 weeks",
        "chart_money_topic": "Money announced by topic (EUR equivalent)",
        "chart_money_story": "Money announced by story (EUR equivalent)",
        "source": "Source",
        "also": "Also published by",
        "more": Plural("+ {n} more article", "+ {n} more articles", singular_zero=False),
        "none": "No articles this week.",
        "who": "Who",
        "what": "What",
        "amount": "Amount",
        "eur": "EUR equivalent",
        "count": Plural("{n} article", "{n} articles", singular_zero=False),
        "story_count": Plural("{n} story", "{n} stories", singular_zero=False),
        "accounts": Plural("{n} source · {langs}", "{n} sources · {langs}", singular_zero=False),
        "continues": "Follows “{title}” ({week})",
        "why": "Why it is here:",
        "why_sources": Plural("{n} independent source", "{n} independent sources", singular_zero=False),
        "why_topics": "topics: {topics}",
        "why_keywords": "keywords: {keywords}",
        "why_follow": "continues a story already followed",
        "read": "Read",
        "new": "new",
        "rising": "rising",
        "steady": "",
        "filters": "Filters:",
        "off_topic": Plural("{n} article off the watch topics was left out.",
                            "{n} articles off the watch topics were left out.", singular_zero=False),
        "footer": "Brief generated by veille. Every sentence links to its source article.",
    },
}


def labels(lang: str) -> dict:
    return LABELS.get(lang, LABELS["fr"])


def title_of(d: Digest) -> str:
    t = labels(d.lang)
    return t["title"].format(week=d.week) if "/" not in d.week else t["title_span"].format(start=d.start, end=d.end)


def fmt_eur(value: float | None, lang: str = "fr") -> str:
    """An EUR amount for a reader: "2,3 Md€" in French, "€2.3bn" in English; "—" when unknown."""
    if value is None:
        return "—"
    for size, fr, en in ((1e9, " Md€", "bn"), (1e6, " M€", "m"), (1e3, " k€", "k")):
        if abs(value) >= size:
            n = f"{value / size:.1f}".rstrip("0").rstrip(".")
            return n.replace(".", ",") + fr if lang == "fr" else f"€{n}{en}"
    return f"{value:.0f} €" if lang == "fr" else f"€{value:.0f}"


_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def fmt_money(value: float | None, unit: str | None, lang: str = "fr") -> str:
    """An amount in its currency, written the brief's way: "£2bn", "$665m" in English, "2 Md£",
    "665 M$" in French (a French text's "2 milliards de livres sterling" in an English brief)."""
    if value is None or not unit:
        return "—"
    if unit == "EUR":
        return fmt_eur(value, lang)
    sym = _SYMBOLS.get(unit)
    # the loop names are read after it: `break` leaves the scale found
    for size, fr, en in ((1e9, "Md", "bn"), (1e6, "M", "m"), (1e3, "k", "k")):  # noqa: B007
        if abs(value) >= size:
            n = f"{value / size:.1f}".rstrip("0").rstrip(".")
            break
    else:
        size, fr, en, n = 1, "", "", f"{value:,.0f}"
    if lang == "fr":
        n = n.replace(".", ",")
        return f"{n} {fr}{sym}" if sym else f"{n} {fr} {unit}".replace("  ", " ")
    return f"{sym}{n}{en}" if sym else f"{unit} {n}{en}"


def distinct_amounts(amounts: list[dict], articles: list | None = None, lang: str | None = None) -> list[dict]:
    """`amounts` less repeats of one sum (same value and unit): "25 M€" and "25 millions d'euros" are one figure.

    With the story's `articles` and the brief's `lang`, the wording kept is one in the brief's language.
    """
    lang_of = {a.url: a.lang for a in articles or []}
    amounts = sorted(amounts, key=lambda m: lang is not None and lang_of.get(m.get("url")) != lang)
    seen, out = set(), []
    for m in amounts:
        key = (m.get("unit"), round(m.get("value") or 0, 2))
        if key not in seen:
            seen.add(key)
            # a figure only told in another language is written the brief's way ("€54bn")
            other = lang is not None and lang_of.get(m.get("url"), lang) != lang
            out.append({**m, "shown": fmt_money(m.get("value"), m.get("unit"), lang) if other else m.get("text")})
    return out


def _json_text(data: dict) -> str:
    # <, > and & as \u escapes: the same strings once parsed, and inert if the JSON is pasted into a page
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@cache
def _env():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("digests", "templates"),
        autoescape=select_autoescape(["html", "html.j2"]),  # titles may contain markup: always escape
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["eur"] = fmt_eur
    env.filters["money"] = fmt_money
    env.filters["mdtext"] = _md_text
    env.filters["url"] = safe_url
    env.filters["distinct_amounts"] = distinct_amounts
    env.filters["mdurl"] = _md_url
    env.filters["topic"] = _topic_label
    return env


def chart_images(d: Digest) -> list[dict]:
    """The brief's charts: [{"cid","title","png"}], empty when there is nothing to draw."""
    from digests import charts

    t = labels(d.lang)
    out = []
    mentions = d.charts.get("mentions") or {}
    if mentions.get("series"):
        png = charts.mentions_chart(mentions["weeks"], mentions["series"], t["chart_mentions"])
        if png:
            out.append({"cid": "chart-mentions", "title": t["chart_mentions"], "png": png})
    if charts.network_worth_drawing(d.deals):
        png = charts.deals_chart(d.deals, t["chart_deals"], t["deal_kinds"])
        if png:
            out.append({"cid": "chart-deals", "title": t["chart_deals"], "png": png})
    money = d.charts.get("money") or {}
    if len(money.get("eur") or {}) >= 2:  # one bar compares nothing: the key figures table says it
        title = t["chart_money_topic"] if money.get("by") == "topic" else t["chart_money_story"]
        eur = money["eur"]
        if money.get("by") == "topic":
            from nlp.topics import topic_label

            eur = {topic_label(k, d.lang): v for k, v in eur.items()}
        png = charts.money_chart(eur, title, lang=d.lang)
        if png:
            out.append({"cid": "chart-money", "title": title, "png": png})
    return out


def render_html(d: Digest, *, images: str = "data") -> tuple[str, list[dict]]:
    """HTML of the brief and its chart images; `images` = "data" (inline data URIs) or "cid" (mail parts)."""
    from digests.charts import data_uri

    imgs = chart_images(d)
    for img in imgs:
        img["src"] = data_uri(img["png"]) if images == "data" else f"cid:{img['cid']}"
    html = _env().get_template("brief.html.j2").render(d=d, t=labels(d.lang), title=title_of(d), charts=imgs,
                                                           max_accounts=MAX_ACCOUNTS)
    return html, imgs


def render(digest: Digest, fmt: str = "md") -> str:
    """The brief as text in `fmt`: md, html (charts inline), json or atom (a feed of this brief)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt == "json":
        return _json_text(digest.to_json())
    if fmt == "html":
        return render_html(digest)[0]
    if fmt == "atom":
        from digests.atom import feed

        return feed([atom_entry(digest, render_html(digest)[0])], lang=digest.lang)
    return _env().get_template("brief.md.j2").render(d=digest, t=labels(digest.lang), title=title_of(digest),
                                                            max_accounts=MAX_ACCOUNTS)


def atom_entry(digest: Digest, html: str, updated: str | None = None):
    """The feed entry of one brief: its stories' titles as summary, the HTML brief as content."""
    from datetime import datetime

    from digests.atom import Entry

    return Entry(
        id=f"tag:veille,{digest.start}:brief/{digest.lang}/{digest.week}",
        title=title_of(digest),
        updated=updated or datetime.now(UTC).isoformat(timespec="seconds"),
        summary=" · ".join(s.title for s in digest.stories[:5]),
        html=html,
    )
