"""Plain-text tables for the query commands (`veille query ...`, `veille query deals`)."""
from __future__ import annotations

import click


def print_table(rows: list[dict], cols) -> None:
    """Print `rows` as aligned columns (`cols` first, in order); "(none)" when there are none."""
    if not rows:
        click.echo("  (none)")
        return
    cols = [c for c in cols if c in rows[0]] or list(rows[0])
    cells = [[cell(r.get(c)) for c in cols] for r in rows]
    widths = [min(max(len(c), *(len(row[i]) for row in cells)), 60) for i, c in enumerate(cols)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for row in cells:
        click.echo("  ".join(v[:w].ljust(w) for v, w in zip(row, widths)).rstrip())


def cell(v) -> str:
    """One value as a table cell: large floats with thousands separators, text on one line."""
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"
    return " ".join(str(v).split())
