"""The brief's deals: "Deals of the week" (who × whom × what × amount × date × sources), and
key figures that put this week's announced deal amounts first and mark the others as context.

Pure functions over the rows of `db.deals.deals_between` (no database here): the composition
(`digests.weekly`) reads the rows, `digests.brief.build` calls these.
"""
from __future__ import annotations

from datetime import date, timedelta

ACTING = ("partner", "buyer", "investor", "funder")
RECEIVING = ("target", "recipient")
# how recent a deal's own date may be, before the period starts, to count as news of the week
RECENT_DAYS = 7
_ORDER = {"acquisition": 0, "investment": 1, "public_funding": 2, "partnership": 3, "expansion": 4}


def _span(value: str | None) -> tuple[date, date] | None:
    if not value:
        return None
    try:
        if len(value) == 4:
            return date(int(value), 1, 1), date(int(value), 12, 31)
        if len(value) == 7:
            y, m = int(value[:4]), int(value[5:7])
            nxt = date(y + (m == 12), m % 12 + 1, 1)
            return date(y, m, 1), nxt - timedelta(days=1)
        d = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return d, d


def is_recent(deal: dict, start: str, end: str) -> bool:
    """The deal happened in the period (or just before it): not an old deal an article recalls
    ("OpenAI opened its London office in 2023"). A year-precise date is too vague to be news."""
    span = _span(deal.get("date") or deal.get("first_seen"))
    if span is None:
        return True
    if deal.get("date_precision") == "year" or len(deal.get("date") or "") == 4:
        return False
    lo = date.fromisoformat(start) - timedelta(days=RECENT_DAYS)
    return span[1] >= lo and span[0] <= date.fromisoformat(end)


def week_deals(rows: list[dict], start: str, end: str, names: dict[str, str] | None = None,
               limit: int = 15) -> list[dict]:
    """Entries of "Deals of the week": the period's recent deals, announced before reported,
    acquisitions and rounds before partnerships, bigger sums first. `names` maps stored entity
    names to the names to print in the brief's language."""
    shown = names or {}
    out = []
    for d in rows:
        if not is_recent(d, start, end):
            continue

        out.append({
            "id": d["id"], "kind": d["kind"], "status": d["status"],
            "who": _names(d, ACTING, shown), "whom": _names(d, RECEIVING, shown),
            "where": _names(d, ("place",), shown),
            "amount": d.get("amount_text"), "eur": d.get("amount_eur"),
            "value": d.get("amount_value"), "unit": d.get("amount_unit"),
            "date": d.get("date"), "date_precision": d.get("date_precision"),
            "sources": [{"source": s["source"], "url": s["url"], "title": s["title"], "lang": s["lang"]}
                        for s in d["sources"]],
        })
    out = _merge_repeats(out)
    out.sort(key=lambda x: (x["status"] != "announced", _ORDER.get(x["kind"], 9), -(x["eur"] or 0),
                            x["date"] or ""))
    return out[:limit]


def _same_deal(a: dict, b: dict) -> bool:
    """One deal stored twice: same kind and parties, one's places within the other's (one account
    names the country, another does not), amounts that do not disagree."""
    if (a["kind"], a["who"], a["whom"]) != (b["kind"], b["who"], b["whom"]):
        return False
    if not (set(a["where"]) <= set(b["where"]) or set(b["where"]) <= set(a["where"])):
        return False
    return a["eur"] is None or b["eur"] is None or abs(a["eur"] - b["eur"]) <= 0.05 * max(a["eur"], b["eur"])


def _merge_repeats(entries: list[dict]) -> list[dict]:
    """Fold entries the store kept apart (or a source listed twice) into one line: a reader sees
    "OpenAI → AI Growth Zones" once, with every account that tells it, each account once."""
    out: list[dict] = []
    for e in entries:
        into = next((o for o in out if _same_deal(o, e)), None)
        if into is None:
            out.append({**e, "sources": list(e["sources"])})
            into, new = out[-1], []
        else:
            new = e["sources"]
            if len(e["where"]) > len(into["where"]):
                into["where"] = e["where"]
            for k in ("amount", "eur", "value", "unit"):
                into[k] = into[k] if into[k] is not None else e[k]
            into["status"] = "announced" if "announced" in (into["status"], e["status"]) else into["status"]
        seen: set[str] = set()
        into["sources"] = [s for s in [*into["sources"], *new] if not (s["url"] in seen or seen.add(s["url"]))]
    return out


def _names(deal: dict, roles: tuple[str, ...], shown: dict[str, str]) -> list[str]:
    return [shown.get(p["canonical"], p["canonical"]) for p in deal["parties"] if p["role"] in roles]


def deal_figures(rows: list[dict], start: str, end: str) -> set[tuple[str, str]]:
    """(article url, amount text) of the period's announced deal amounts."""
    out = set()
    for d in rows:
        if d["status"] != "announced" or not is_recent(d, start, end):
            continue
        for s in d["sources"]:
            if s.get("amount_text"):
                out.add((s["url"], s["amount_text"]))
    return out


def order_figures(money: list[dict], figures: set[tuple[str, str]]) -> list[dict]:
    """Key figures with this week's announced deal amounts first (`deal: True`), then the
    others marked `context: True` (market sizes, budgets, older sums), each group largest first."""
    for m in money:
        m["deal"] = (m.get("url"), m.get("text")) in figures
        m["context"] = not m["deal"]
    return sorted(money, key=lambda m: (not m["deal"], -(m.get("eur") or 0)))
