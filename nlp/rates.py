"""EUR equivalents of foreign-currency amounts, from a small dated table of approximate ECB
reference rates (`nlp/data/eur_rates.json`, units of currency per 1 EUR).

The table is coarse on purpose: amounts in news are rounded ("2 milliards de livres") and a
digest only needs the order of magnitude in euros, so yearly / half-yearly averages are
enough and no network access is ever needed.
"""
from __future__ import annotations

import bisect
import datetime as dt
import json
from functools import lru_cache
from pathlib import Path

__all__ = ["to_eur"]

_TABLE_PATH = Path(__file__).with_name("data") / "eur_rates.json"


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[dt.date, ...], tuple[dict[str, float], ...]]:
    """(start dates ascending, rates per period), read once per process."""
    data = json.loads(_TABLE_PATH.read_text("utf-8"))
    rows = sorted(
        (dt.date.fromisoformat(p["from"]), {k.upper(): float(v) for k, v in p["rates"].items()})
        for p in data["periods"]
    )
    return tuple(r[0] for r in rows), tuple(r[1] for r in rows)


def to_eur(value: float, currency: str, on: dt.date | None = None) -> float | None:
    """`value` units of `currency` in EUR at the latest rate dated on or before `on` (today
    when None). Before the table starts the first period is used, since an approximate rate
    beats none. EUR returns the value itself; an unknown currency returns None."""
    code = (currency or "").strip().upper()
    if code == "EUR":
        return float(value)
    if isinstance(on, dt.datetime):
        on = on.date()
    on = on or dt.date.today()
    starts, periods = _table()
    i = max(bisect.bisect_right(starts, on) - 1, 0)
    # Walk back so that a currency missing from a newer period still gets its last known rate.
    for rates in reversed(periods[: i + 1]):
        rate = rates.get(code)
        if rate:
            return float(value) / rate
    return None
