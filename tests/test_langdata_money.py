"""The [money] section of every language file (nlp/data/lang/<code>.toml) and the shared
currency file (nlp/data/currencies.toml): what each must contain, and that the values are
usable by the amounts engine (codes it can convert, numeric scales, pairs of range words)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from nlp import langdata
from nlp.amounts_lexicon import REQUIRED_KEYS, lexicon, shared

EIGHT = ("fr", "en", "de", "es", "it", "nl", "pt", "pl")
RATES = json.loads((Path(__file__).parents[1] / "nlp" / "data" / "eur_rates.json").read_text("utf-8"))
# Currencies European news cites: every one must be recognisable in every analysed language.
CITED = {"EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "BGN",
         "JPY", "CNY", "INR", "CAD", "AUD"}


def _codes_with_rates() -> set[str]:
    last = max(RATES["periods"], key=lambda p: p["from"])
    return {"EUR", *last["rates"]}


def test_every_analysed_language_has_a_money_file():
    assert set(EIGHT) <= set(langdata.available())


@pytest.mark.parametrize("code", EIGHT)
def test_money_section_has_every_key_with_its_type(code):
    sec = langdata.section(code, "money")
    missing = [k for k in REQUIRED_KEYS if k not in sec]
    assert not missing, f"{code}.toml [money] lacks {missing}"
    for key, typ in REQUIRED_KEYS.items():
        assert isinstance(sec[key], typ), (code, key, type(sec[key]))
    assert sec["decimal_mark"] in {",", "."}


@pytest.mark.parametrize("code", EIGHT)
def test_money_words_are_usable(code):
    sec = langdata.section(code, "money")
    known = set(shared()["codes"])
    assert set(sec["currency_words"].values()) <= known
    assert set(sec["subunit_words"].values()) <= known
    # Every cited currency has a name in this language or a symbol / code shared by all.
    assert CITED <= set(sec["currency_words"].values()) | known
    lowered = {w.lower() for w in sec["currency_words"]}
    assert {w.lower() for w in sec["weak_currency_words"]} <= lowered
    for word, factor in sec["scale_abbreviations"].items():  # "k", "Mio.", "mld": powers of ten
        assert factor >= 1000 and math.log10(factor) == int(math.log10(factor)), (code, word)
    for word, factor in sec["scale_words"].items():  # also "demi-milliard", "decina di milioni"
        assert factor >= 100 and float(factor).is_integer(), (code, word)
    assert all(isinstance(v, (int, float)) and 0 < v <= 1e9 for v in sec["number_words"].values())
    assert all(v == 1 for v in sec["articles"].values())
    assert all(isinstance(p, list) and len(p) == 2 and all(p) for p in sec["range_pairs"])
    assert sec["approx_markers"] and sec["percent_words"] and sec["count_nouns"]


@pytest.mark.parametrize("code", EIGHT)
def test_money_section_compiles(code):
    lex = lexicon(code)
    assert lex is not None and lex.code == code
    assert lex.rules["money"].search("12") is None  # a bare number is never money


def test_shared_currencies_all_have_an_eur_rate():
    sh = shared()
    with_rates = _codes_with_rates()
    assert set(sh["codes"]) <= with_rates
    assert set(sh["prefix"].values()) | set(sh["suffix"].values()) <= with_rates
    assert CITED <= set(sh["codes"])
    assert sh["signs"]["approx"] and sh["signs"]["range_dashes"]


def test_rates_table_has_one_documented_source_date():
    assert RATES["source_date"][:4] >= "2025"
    for p in RATES["periods"]:
        assert CITED - {"EUR"} <= set(p["rates"]), p["from"]
        assert p["rates"]["BGN"] == pytest.approx(1.95583)  # pegged: a typo check


def test_a_language_without_a_money_section_gets_the_symbols_and_codes_fallback():
    lex = lexicon("xx")
    assert lex is not None and lex.code == "*" and lex is lexicon("sv")
    assert not lex.number and not lex.scale  # no words: those need the language's own data
    assert lexicon("") is None


def test_fallback_section_has_every_key():
    fb = shared()["fallback"]
    assert [k for k in REQUIRED_KEYS if not isinstance(fb.get(k), REQUIRED_KEYS[k])] == []
