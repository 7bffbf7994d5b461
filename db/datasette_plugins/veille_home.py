"""The home page of `veille serve` and how amounts read: the canned queries and the documented
tables listed with their one-line descriptions (for `templates/index.html`), EUR equivalents
written as money."""
from __future__ import annotations

import math

from datasette import hookimpl

# columns holding a EUR equivalent (the amounts table and the canned queries that show it)
EUR_COLUMNS = {"eur"}


def format_eur(value) -> str | None:
    """109000000000.0 -> "109 000 000 000 €" (narrow no-break spaces, whole euros); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value):  # NaN, infinities: not money
        return None
    return f"{round(value):,}".replace(",", "\u202f") + "\u00a0€"


@hookimpl
def render_cell(value, column):
    # HTML pages only: the JSON and CSV exports keep the number
    if column in EUR_COLUMNS:
        return format_eur(value)
    return None


@hookimpl
def extra_template_vars(template, datasette, request):
    if template != "index.html":
        return {}

    async def canned():
        out = []
        actor = request.actor if request is not None else None
        for name, database in datasette.databases.items():
            if name == "_internal":
                continue
            queries = await datasette.get_canned_queries(name, actor)
            present = set(await database.table_names())
            tables = datasette.metadata("tables", database=name) or {}
            out.append({"database": name, "queries": [
                {"name": key, "title": q.get("title") or key, "description": q.get("description") or ""}
                for key, q in queries.items()],
                "tables": [{"name": t, "description": m.get("description", "")} for t, m in tables.items()
                           if t in present and not m.get("hidden")]})
        return {"veille_canned": out}

    return canned
