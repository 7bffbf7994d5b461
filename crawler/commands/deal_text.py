"""Deals told in one line: the entity view, `veille query deals` and `veille analyze` share it."""
from __future__ import annotations

_SYMBOL = {"partnership": "×", "investment": "→", "acquisition": "→", "public_funding": "→", "expansion": "@"}


def deal_line(d: dict) -> str:
    """One deal in words: "OpenAI × Royaume-Uni (partnership)", "Bpifrance → IA Booster, 25 M€"."""
    acting = [p["canonical"] for p in d["parties"] if p["role"] in ("partner", "buyer", "investor", "funder")]
    others = [p["canonical"] for p in d["parties"] if p["role"] in ("target", "recipient")]
    places = [p["canonical"] for p in d["parties"] if p["role"] == "place"]
    who = " × ".join(acting) if d["kind"] == "partnership" else " + ".join(acting)
    if others:
        who = f"{who} {_SYMBOL[d['kind']]} {', '.join(others)}" if who else ", ".join(others)
    if places:
        who += f" @ {', '.join(places)}"
    amount = f", {d['amount_text']}" if d.get("amount_text") else ""
    mark = " (reported)" if d["status"] == "reported" else ""
    return f"{d['kind']}: {who.strip()}{amount}{mark}"


def entity_deals(conn, entity_id: int, filters, *, limit: int = 10) -> list[dict]:
    """The entity view's deals section: one row per deal, told in one line."""
    from db.deals import list_deals

    rows = list_deals(conn, entity_id=entity_id, since=filters.since, until=filters.until, limit=limit)
    return [{"date": d["date"], "kind": d["kind"], "status": d["status"], "deal": deal_line(d),
             "amount": d["amount_text"], "eur": d["amount_eur"], "sources": len(d["sources"]),
             "parties": d["parties"]} for d in rows]
