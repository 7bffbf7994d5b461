"""Number reading for the amounts engine (`nlp.amounts`): written numbers ("1 234,56",
"1'234.50") and spelled-out ones.

Kept apart from `nlp.dates` on purpose: amounts need currency-aware number reading that dates
never do. The rule windows both engines scan with are in `nlp.rule_windows`.
"""
from __future__ import annotations

import re

__all__ = ["parse_number", "words_value"]

_GROUP_ONLY = re.compile(r"[ \u00a0\u202f\u2009'’]")
_DASH_TAIL = re.compile(r"[.,][-–]{1,2}$")  # "5,-", "1'299.–": a price with no cents


def parse_number(s: str, decimal_mark: str, whole: bool = False) -> float | None:
    """Value of a written number such as "1 234,56", "1,234.56", "1'234.50", "1.5", "5,-".

    Spaces and apostrophes only group thousands. When both "," and "." appear, the last one is
    the decimal mark. A lone separator followed by exactly three digits groups thousands when
    it is not the language's decimal mark ("1.500" in German, "1,500" in English), or when
    `whole` says the number is an unscaled price in a currency whose prices never have three
    decimals ("¥1.280", "1.299 zł"). Otherwise it is a decimal mark ("1,5" in an English text
    is 1.5, "1,859 €" a French fuel price). Repeated separators always group."""
    s = _GROUP_ONLY.sub("", s)
    if _DASH_TAIL.search(s):  # whole units: any other separator groups thousands ("2.499,-")
        s = re.sub(r"[.,]", "", _DASH_TAIL.sub("", s))
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        grp = "." if dec == "," else ","
        s = s.replace(grp, "").replace(dec, ".")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        parts = s.split(sep)
        if len(parts) > 2:
            if any(len(p) != 3 for p in parts[1:]):
                return None
            s = s.replace(sep, "")
        elif len(parts[1]) == 3 and (sep != decimal_mark or whole):
            s = s.replace(sep, "")
        else:
            s = s.replace(sep, ".")
    try:
        return float(s)
    except ValueError:
        return None


def words_value(parts: list[int]) -> float:
    """Value of a spelled-out number from its word values in order: units and tens add up,
    a hundred multiplies what precedes it, a thousand closes a group ("two hundred" 200,
    "dreiundzwanzig" 3 + 20, "deux mille cinq cents" 2500, "duecento" 2 x 100)."""
    total, current = 0, 0
    for v in parts:
        if v == 100:
            current = max(current, 1) * 100
        elif v >= 1000:
            total += max(current, 1) * v
            current = 0
        else:
            current += v
    return float(total + current)
