"""What every language file (`nlp/data/lang/<code>.toml`) must contain, section by section.

Each stage owns its section and its test functions here (`test_dates_*` for nlp.dates).
Adding a ninth language is one more data file: these tests then check it like the others.
"""
from __future__ import annotations

import copy
import datetime as dt

import pytest

from nlp import date_rules, langdata
from nlp.date_rules import REQUIRED, UNITS, norm, rules_for
from nlp.date_values import easter, holiday_date
from nlp.dates import find_dates

LANGS = langdata.available()
PUB = dt.date(2025, 3, 12)  # a Wednesday


def _dates(code: str) -> dict:
    return langdata.section(code, "dates")


def test_dates_the_eight_languages_have_data():
    assert {"fr", "en", "de", "es", "it", "nl", "pt", "pl"} <= set(LANGS)


@pytest.mark.parametrize("code", LANGS)
def test_dates_section_has_every_key(code):
    d = _dates(code)
    missing = [k for k in REQUIRED if k not in d]
    assert not missing, f"{code}.toml [dates] lacks {missing}"
    wrong = [k for k, kind in REQUIRED.items() if not isinstance(d[k], kind)]
    assert not wrong, f"{code}.toml [dates]: wrong type for {wrong}"


@pytest.mark.parametrize("code", LANGS)
def test_dates_section_has_no_unknown_key(code):
    """A misspelt key would be silently ignored: every key must be one the engine reads."""
    assert set(_dates(code)) <= set(REQUIRED), set(_dates(code)) - set(REQUIRED)


@pytest.mark.parametrize("code", LANGS)
def test_dates_twelve_months_seven_weekdays_no_shared_form(code):
    d = _dates(code)
    assert len(d["months"]) == 12 and all(d["months"]), code
    assert len(d["weekdays"]) == 7 and all(d["weekdays"]), code
    for table in ("months", "weekdays"):
        seen: dict[str, int] = {}
        for i, forms in enumerate(d[table]):
            for f in forms:
                assert seen.setdefault(norm(f), i) == i, f"{code}: {f!r} names two {table}"


@pytest.mark.parametrize("code", LANGS)
def test_dates_units_numbers_and_relative_words(code):
    d = _dates(code)
    assert set(d["units"]) == set(UNITS)
    forms = {f for fs in d["units"].values() for f in fs}
    assert set(d["units_singular"]) <= forms
    assert {-1, 0, 1} <= set(d["relative_days"].values()), "yesterday, today, tomorrow"
    assert set(d["case_exact"]) <= set(d["relative_days"])
    assert d["numbers"] and all(isinstance(v, int) for v in d["numbers"].values())
    assert {-1, 1} <= set(d["shift_before"].values()) | set(d["shift_after"].values())
    assert d["ago_before"] or d["ago_after"]
    assert d["future_cues"], "the tense policy needs future cues"
    assert set(d["quarter_ordinals"].values()) == {1, 2, 3, 4}


@pytest.mark.parametrize("code", LANGS)
def test_dates_holidays_parse_and_cover_the_common_ones(code):
    rules = {h: date_rules._holiday(spec, code) for h, spec in _dates(code)["holidays"].items()}
    when = {holiday_date(h, 2025) for h in rules.values()}
    e = easter(2025)
    for day, what in [(dt.date(2025, 12, 25), "Christmas"), (dt.date(2025, 1, 1), "New Year"),
                      (e, "Easter"), (e + dt.timedelta(days=1), "Easter Monday"),
                      (e + dt.timedelta(days=39), "Ascension"), (e + dt.timedelta(days=49), "Pentecost")]:
        assert day in when, f"{code}.toml has no {what}"


@pytest.mark.parametrize("code", LANGS)
def test_dates_engine_reads_each_file(code):
    """A date built from the file's own words is found: the engine has no per-language code."""
    d = _dates(code)
    october = next(f for f in d["months"][9] if not f.endswith("."))
    dm = f" {d['day_month_link'][0]} " if d["day_month_link"] else " "
    text = f"9{dm}{october} 2024"
    assert [(m.text, m.value) for m in find_dates(f"— {text} —", code)] == [(text, "2024-10-09")]
    yesterday = next(w for w, v in d["relative_days"].items() if v == -1)
    (m,) = find_dates(f"— {yesterday} —", code, PUB)
    assert (m.value, m.relative) == ("2025-03-11", True)
    assert rules_for(code).trigger.search(f"— {october.lower()} —")  # month names open windows


def test_dates_a_ninth_language_is_only_data(monkeypatch):
    """Swedish from a data section alone: no code change in nlp.dates."""
    sv = copy.deepcopy(_dates("en"))
    sv.update(case_sensitive=False, lowercase_names=True, month_day_order=False, month_first_numeric=False,
              months=[[m] for m in "januari februari mars april maj juni juli augusti september oktober "
                                   "november december".split()],
              weekdays=[[w] for w in "måndag tisdag onsdag torsdag fredag lördag söndag".split()],
              day_ordinals=[], day_month_link=[], month_year_link=[], cues=["i", "sedan"],
              relative_days={"idag": 0, "igår": -1, "imorgon": 1}, holidays={"juldagen": "12-25"})
    real = langdata.load
    monkeypatch.setattr(langdata, "load", lambda code: {"code": "sv", "dates": sv} if code == "sv" else real(code))
    rules_for.cache_clear()
    try:
        found = [(m.text, m.value) for m in find_dates("Avtalet undertecknades 9 oktober 2024, igår och i 2023.", "sv", PUB)]
    finally:
        rules_for.cache_clear()
    assert found == [("9 oktober 2024", "2024-10-09"), ("igår", "2025-03-11"), ("i 2023", "2023")]


def test_dates_a_broken_section_is_refused(monkeypatch):
    broken = copy.deepcopy(_dates("fr"))
    broken["months"] = broken["months"][:11]
    real = langdata.load
    monkeypatch.setattr(langdata, "load", lambda code: {"code": "xx", "dates": broken} if code == "xx" else real(code))
    rules_for.cache_clear()
    try:
        with pytest.raises(date_rules.DateDataError, match="12 months"):
            rules_for("xx")
        broken["months"] = _dates("fr")["months"]
        broken["holidays"] = {"Noël": "25/12"}
        rules_for.cache_clear()
        with pytest.raises(date_rules.DateDataError, match="holiday rule"):
            rules_for("xx")
    finally:
        rules_for.cache_clear()


def test_dates_easter_computus():
    known = {2000: (4, 23), 2019: (4, 21), 2024: (3, 31), 2025: (4, 20), 2026: (4, 5), 2038: (4, 25)}
    for year, (m, d) in known.items():
        assert easter(year) == dt.date(year, m, d), year


def test_dates_holiday_rule_forms():
    nth = date_rules._holiday("11-thu#4", "t")
    assert holiday_date(nth, 2024) == dt.date(2024, 11, 28)  # Thanksgiving
    assert holiday_date(date_rules._holiday("11-thu#4+1", "t"), 2024) == dt.date(2024, 11, 29)
    assert holiday_date(date_rules._holiday("05-mon#-1", "t"), 2025) == dt.date(2025, 5, 26)
    king = date_rules._holiday("04-27 sun-1", "t")
    assert holiday_date(king, 2025) == dt.date(2025, 4, 26)  # 27 April 2025 is a Sunday
    assert holiday_date(king, 2024) == dt.date(2024, 4, 27)
    assert holiday_date(date_rules._holiday("easter-2", "t"), 2025) == dt.date(2025, 4, 18)  # Good Friday
