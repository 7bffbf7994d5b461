"""Rule-based amounts (nlp.amounts): money with its ISO currency and EUR equivalent, counts of
domain nouns, percentages, and the look-alikes that must never become amounts; plus the
dated EUR rates table (nlp.rates)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from nlp.amounts import COUNT_NOUNS, find_amounts
from nlp.rates import to_eur

ON = dt.date(2025, 7, 23)


def _found(text: str, lang: str, on: dt.date | None = ON) -> list[tuple[str, float, str, str]]:
    ms = find_amounts(text, lang, on)
    for m in ms:
        assert text[m.start:m.end] == m.text, m
    for a, b in zip(ms, ms[1:]):
        assert a.end <= b.start, (a, b)
    return [(m.text, m.value, m.unit, m.kind) for m in ms]


def _one(text: str, lang: str) -> tuple[str, float, str, str]:
    found = _found(text, lang)
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("fr", "Le DSIT mobilise une enveloppe de 2 milliards de livres sterling.", ("2 milliards de livres sterling", 2e9, "GBP")),
        ("fr", "Bpifrance investit 25 millions d'euros dans Mistral AI.", ("25 millions d'euros", 25e6, "EUR")),
        ("fr", "Bpifrance investit 25 millions d’euros dans Mistral AI.", ("25 millions d’euros", 25e6, "EUR")),
        ("fr", "Un tour de table de 25 M€ mené par Bpifrance.", ("25 M€", 25e6, "EUR")),
        ("fr", "Un tour de table de 25M€ mené par Bpifrance.", ("25M€", 25e6, "EUR")),
        ("fr", "France 2030 consacre 1,5 Md€ à l'IA.", ("1,5 Md€", 1.5e9, "EUR")),
        ("fr", "France 2030 consacre 1,5 Mds€ à l'IA.", ("1,5 Mds€", 1.5e9, "EUR")),
        ("fr", "La levée atteint 105 M€.", ("105 M€", 105e6, "EUR")),
        ("fr", "L'État promet trois milliards d'euros.", ("trois milliards d'euros", 3e9, "EUR")),
        ("fr", "Un milliard d'euros sera investi.", ("Un milliard d'euros", 1e9, "EUR")),
        ("fr", "OpenAI a levé 6,6 milliards de dollars.", ("6,6 milliards de dollars", 6.6e9, "USD")),
        ("fr", "Une subvention de 250 000 € est prévue.", ("250 000 €", 250_000, "EUR")),
        ("fr", "Une subvention de 250\u202f000\u00a0€ est prévue.", ("250\u202f000\u00a0€", 250_000, "EUR")),
        ("fr", "Une subvention de 250.000 euros est prévue.", ("250.000 euros", 250_000, "EUR")),
        ("fr", "La start-up lève 40 millions de dollars américains.", ("40 millions de dollars américains", 40e6, "USD")),
        ("fr", "Le canton verse CHF 3 millions au projet.", ("CHF 3 millions", 3e6, "CHF")),
        ("fr", "Une bourse de 10 000 francs suisses.", ("10 000 francs suisses", 10_000, "CHF")),
        ("fr", "Un contrat de 500 millions de couronnes suédoises.", ("500 millions de couronnes suédoises", 500e6, "SEK")),
        ("fr", "Un prêt de 50 k€ pour chaque lauréat.", ("50 k€", 50_000, "EUR")),
        ("fr", "La dette atteint 1 billion d'euros.", ("1 billion d'euros", 1e12, "EUR")),
        ("fr", "Un budget de 12 millions EUR est alloué.", ("12 millions EUR", 12e6, "EUR")),
        ("en", "DSIT committed £2bn to AI Growth Zones.", ("£2bn", 2e9, "GBP")),
        ("en", "DSIT committed £2 billion to AI Growth Zones.", ("£2 billion", 2e9, "GBP")),
        ("en", "OpenAI raised $6.6 billion in October.", ("$6.6 billion", 6.6e9, "USD")),
        ("en", "Grants of EUR 250,000 are available.", ("EUR 250,000", 250_000, "EUR")),
        ("en", "The startup raised US$40 million.", ("US$40 million", 40e6, "USD")),
        ("en", "Zurich pledged CHF 3 million for research.", ("CHF 3 million", 3e6, "CHF")),
        ("en", "Mistral AI raised €600m last year.", ("€600m", 600e6, "EUR")),
        ("en", "The lab spent $40M on GPUs.", ("$40M", 40e6, "USD")),
        ("en", "The fund holds 20 billion dollars.", ("20 billion dollars", 20e9, "USD")),
        ("en", "It cost two hundred million dollars.", ("two hundred million dollars", 200e6, "USD")),
        ("en", "The UK will spend 3 billion pounds on compute.", ("3 billion pounds", 3e9, "GBP")),
        ("en", "Toyota invested ¥500 billion in AI.", ("¥500 billion", 500e9, "JPY")),
        ("en", "Ottawa committed C$2.4 billion to AI.", ("C$2.4 billion", 2.4e9, "CAD")),
        ("en", "A prize of 5 million yen was awarded.", ("5 million yen", 5e6, "JPY")),
        ("de", "Die Bundesregierung stellt 1,6 Milliarden Euro bereit.", ("1,6 Milliarden Euro", 1.6e9, "EUR")),
        ("de", "Das Programm umfasst 500 Mio. Euro.", ("500 Mio. Euro", 500e6, "EUR")),
        ("de", "Das Programm umfasst 2 Mrd. € für KI.", ("2 Mrd. €", 2e9, "EUR")),
        ("de", "Jedes Projekt erhält 250.000 Euro.", ("250.000 Euro", 250_000, "EUR")),
        ("de", "Der Bund gibt zwei Milliarden Euro aus.", ("zwei Milliarden Euro", 2e9, "EUR")),
        ("de", "Die Schweiz investiert 100 Millionen Franken.", ("100 Millionen Franken", 100e6, "CHF")),
        ("de", "Aleph Alpha sammelte 500 Millionen US-Dollar ein.", ("500 Millionen US-Dollar", 500e6, "USD")),
    ],
)
def test_money(lang, text, expected):
    found = _one(text, lang)
    assert found[0] == expected[0]
    assert found[1] == pytest.approx(expected[1])
    assert found[2:] == (expected[2], "money")


def test_money_has_eur_equivalent():
    (m,) = find_amounts("OpenAI raised $6.6 billion.", "en", dt.date(2024, 10, 2))
    assert m.eur == pytest.approx(6.6e9 / 1.0824, rel=1e-6)
    (m,) = find_amounts("Bpifrance investit 25 M€.", "fr", ON)
    assert m.eur == 25e6
    (m,) = find_amounts("Un fonds de 20 millions de dollars australiens.", "fr", ON)
    assert m.unit == "AUD" and m.eur is not None


def test_counts_and_percents_have_no_eur():
    for m in find_amounts("20 000 PME et 12 % de croissance.", "fr", ON):
        assert m.eur is None


@pytest.mark.parametrize(
    "lang, text",
    [
        ("fr", "OpenAI lance GPT-4o et le règlement 2024/1689 s'applique."),
        ("fr", "Appelez le 01 23 45 67 89 ou le +33 1 23 45 67 89."),
        ("fr", "Airbus livre des A320 ; le plan France 2030 avance."),
        ("fr", "En 2025, le marché a progressé."),
        ("fr", "Le modèle obtient 4,5/5 et 87 points au test."),
        ("fr", "Le fonds représente 25 millions."),  # no currency: not money
        ("fr", "Il existe 2 millions de livres numérisés."),  # books, not pounds
        ("en", "The robot weighs 300 pounds."),  # weight, not money
        ("en", "Apple shipped iOS 18.5 and GPT-4o runs on it."),
        ("de", "Das Paket wiegt 3 Pfund."),
        ("de", "Die Verordnung (EU) 2024/1689 gilt."),
    ],
)
def test_never_money(lang, text):
    assert [f for f in _found(text, lang) if f[3] == "money"] == []


# --------------------------------------------------------------------------- counts


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("fr", "OpenAI veut aider 20 000 PME en Europe.", ("20 000 PME", 20_000, "PME")),
        ("fr", "Le groupe compte 1 700 employés.", ("1 700 employés", 1700, "employés")),
        ("fr", "Le programme couvre six pays européens.", ("six pays", 6, "pays")),
        ("fr", "La filiale emploie 3 000 salariés.", ("3 000 salariés", 3000, "salariés")),
        ("fr", "France 2030 a financé 200 projets.", ("200 projets", 200, "projets")),
        ("fr", "Le laboratoire réunit 650 chercheurs.", ("650 chercheurs", 650, "chercheurs")),
        ("fr", "Le service revendique 3 millions d'utilisateurs.", ("3 millions d'utilisateurs", 3e6, "utilisateurs")),
        ("fr", "Il vise 20 000 petites entreprises.", ("20 000 petites entreprises", 20_000, "entreprises")),
        ("fr", "Le campus accueillera 500 start-up.", ("500 start-up", 500, "start-up")),
        ("fr", "La France compte 35 centres de données.", ("35 centres de données", 35, "centres de données")),
        ("fr", "Le cluster aligne 10 000 GPU.", ("10 000 GPU", 10_000, "GPU")),
        ("en", "The scheme supports 20,000 SMEs.", ("20,000 SMEs", 20_000, "SMEs")),
        ("en", "Station F hosts 500 startups.", ("500 startups", 500, "startups")),
        ("en", "ChatGPT has 200 million users a week.", ("200 million users", 200e6, "users")),
        ("en", "The plan will create 13,250 jobs.", ("13,250 jobs", 13_250, "jobs")),
        ("en", "Six countries signed the declaration.", ("Six countries", 6, "countries")),
        ("en", "The cluster uses 100,000 GPUs.", ("100,000 GPUs", 100_000, "GPUs")),
        ("en", "ChatGPT has 700 million weekly active users.", ("700 million weekly active users", 700e6, "users")),
        ("en", "The plan funds a thousand schools.", ("a thousand schools", 1000, "schools")),
        ("de", "Das Unternehmen hat 500 Mitarbeiter.", ("500 Mitarbeiter", 500, "Mitarbeiter")),
        ("de", "Es entstehen 1.200 Arbeitsplätze.", ("1.200 Arbeitsplätze", 1200, "Arbeitsplätze")),
        ("de", "Die App hat 1,2 Millionen Nutzer.", ("1,2 Millionen Nutzer", 1.2e6, "Nutzer")),
        ("de", "Fünf Länder beteiligen sich.", ("Fünf Länder", 5, "Länder")),
        ("de", "Gefördert werden 300 Unternehmen.", ("300 Unternehmen", 300, "Unternehmen")),
    ],
)
def test_counts(lang, text, expected):
    found = _one(text, lang)
    assert found[0] == expected[0]
    assert found[1] == pytest.approx(expected[1])
    assert found[2:] == (expected[2], "count")


@pytest.mark.parametrize(
    "lang, text",
    [
        ("fr", "Une entreprise sur deux utilise l'IA."),  # article, not a count
        ("fr", "Le plan compte 12 mesures et 7 jours de formation."),  # nouns outside the list
        ("fr", "En 2025 entreprises et État ont coopéré."),  # the number is a year
        ("fr", "Le 21 juillet 2025, le DSIT a signé."),
        ("fr", "OpenAI lance GPT-4 utilisateurs."),
        ("en", "In 2025 companies raised more."),
        ("en", "One company led the round."),
        ("de", "Ein Unternehmen führt die Runde an."),
    ],
)
def test_never_counts(lang, text):
    assert [f for f in _found(text, lang) if f[3] == "count"] == []


def test_money_is_not_also_a_count():
    assert _found("Mistral AI lève 600 millions d'euros auprès de 20 investisseurs.", "fr") == [
        ("600 millions d'euros", 600e6, "EUR", "money"),
        ("20 investisseurs", 20, "investisseurs", "count"),
    ]


def test_count_nouns_is_an_extensible_module_list():
    assert {"fr", "en", "de"} <= set(COUNT_NOUNS)
    for lang, nouns in (("fr", ("PME", "employés", "pays")), ("en", ("SMEs", "users")), ("de", ("Unternehmen", "Nutzer"))):
        assert set(nouns) <= set(COUNT_NOUNS[lang])


# --------------------------------------------------------------------------- percentages


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("fr", "Les PME représentent 99% des entreprises.", ("99%", 99)),
        ("fr", "L'adoption atteint 12 % chez les PME.", ("12 %", 12)),
        ("fr", "L'adoption atteint 12\u202f% chez les PME.", ("12\u202f%", 12)),
        ("fr", "L'adoption atteint 12,5 % chez les PME.", ("12,5 %", 12.5)),
        ("fr", "L'adoption atteint 12 pour cent.", ("12 pour cent", 12)),
        ("fr", "Le chômage recule de -0,3 % sur un an.", ("-0,3 %", -0.3)),
        ("fr", "La part atteint dix pour cent.", ("dix pour cent", 10)),
        ("en", "Adoption reached 12 percent in 2024.", ("12 percent", 12)),
        ("en", "Adoption reached 12.5% among SMEs.", ("12.5%", 12.5)),
        ("en", "Adoption reached 12 per cent among SMEs.", ("12 per cent", 12)),
        ("de", "Die Nutzung stieg um 12 Prozent.", ("12 Prozent", 12)),
        ("de", "Die Nutzung stieg um 12,5 %.", ("12,5 %", 12.5)),
    ],
)
def test_percentages(lang, text, expected):
    found = [f for f in _found(text, lang) if f[3] == "percent"]
    assert len(found) == 1, found
    assert found[0][0] == expected[0]
    assert found[0][1] == pytest.approx(expected[1])
    assert found[0][2] == "%"


def test_percentage_points_are_not_percentages():
    assert _found("Die Quote stieg um 2 Prozentpunkte.", "de") == []


# --------------------------------------------------------------------------- number syntax


@pytest.mark.parametrize(
    "lang, text, value",
    [
        ("fr", "1 234 567,5 euros", 1_234_567.5),
        ("fr", "1.234.567,5 euros", 1_234_567.5),
        ("fr", "1,5 euro", 1.5),
        ("de", "1.234,50 Euro", 1234.5),
        ("de", "3'000 Franken", 3000),
        ("en", "1,234,567.5 euros", 1_234_567.5),
        ("en", "1.5 million euros", 1.5e6),
        ("en", "1,500 euros", 1500),
    ],
)
def test_number_syntax(lang, text, value):
    (m,) = find_amounts(text, lang, ON)
    assert m.value == pytest.approx(value)


def test_billion_scale_depends_on_language():
    (fr,) = find_amounts("2 billions d'euros", "fr", ON)
    (en,) = find_amounts("2 billion euros", "en", ON)
    (de,) = find_amounts("2 Billionen Euro", "de", ON)
    assert (fr.value, en.value, de.value) == (2e12, 2e9, 2e12)


# --------------------------------------------------------------------------- API contract


def test_mixed_sentence_sorted_and_non_overlapping():
    text = (
        "Le 21 juillet 2025, OpenAI et le DSIT ont annoncé £2bn pour 200 projets ; "
        "Bpifrance ajoute 25 M€ pour 20 000 PME, soit 17 % de plus."
    )
    assert [(f[0], f[3]) for f in _found(text, "fr")] == [
        ("£2bn", "money"),
        ("200 projets", "count"),
        ("25 M€", "money"),
        ("20 000 PME", "count"),
        ("17 %", "percent"),
    ]


def test_unsupported_language_and_empty_text():
    assert find_amounts("En investering på 3 miljoner kronor.", "sv") == []  # no data file
    assert find_amounts("Un investimento di 3 milioni di euro.", None) == []
    assert find_amounts("", "fr") == []


def test_amounts_do_not_span_lines():
    assert _found("Budget 2025 : 25 millions\neuros de recettes", "fr") == []


# --------------------------------------------------------------------------- rates


def test_to_eur_picks_the_latest_rate_on_or_before_the_date():
    table = json.loads((Path(__file__).parents[1] / "nlp" / "data" / "eur_rates.json").read_text("utf-8"))
    periods = sorted(table["periods"], key=lambda p: p["from"])
    first, second = periods[0], periods[1]
    day_before_second = dt.date.fromisoformat(second["from"]) - dt.timedelta(days=1)
    assert to_eur(100, "USD", day_before_second) == pytest.approx(100 / first["rates"]["USD"])
    assert to_eur(100, "USD", dt.date.fromisoformat(second["from"])) == pytest.approx(100 / second["rates"]["USD"])


def test_to_eur_edges():
    assert to_eur(42.0, "EUR") == 42.0
    assert to_eur(42.0, "eur", dt.date(1999, 1, 1)) == 42.0
    assert to_eur(1.0, "XYZ", ON) is None
    assert to_eur(1.0, "", ON) is None
    assert to_eur(1.0, "gbp", ON) == pytest.approx(to_eur(1.0, "GBP", ON))
    # Outside the table: the nearest known period, not nothing.
    assert to_eur(1.0, "USD", dt.date(2001, 1, 1)) is not None
    assert to_eur(1.0, "USD", dt.date(2099, 1, 1)) is not None
    assert to_eur(1.0, "USD") is not None  # today
    assert to_eur(1.0, "USD", dt.datetime(2024, 6, 1, 12)) == to_eur(1.0, "USD", dt.date(2024, 6, 1))


def test_rates_table_is_documented_and_plausible():
    table = json.loads((Path(__file__).parents[1] / "nlp" / "data" / "eur_rates.json").read_text("utf-8"))
    assert "ECB" in table["source"] and "pproximate" in table["note"]
    years = {p["from"][:4] for p in table["periods"]}
    assert {"2023", "2024", "2025"} <= years
    wanted = {"USD", "GBP", "CHF", "JPY", "SEK", "DKK", "NOK", "PLN", "CZK", "HUF", "CAD", "CNY"}
    for p in table["periods"]:
        assert wanted <= set(p["rates"])
        assert 0.9 < p["rates"]["USD"] < 1.3
        assert 0.75 < p["rates"]["GBP"] < 0.95
        assert 7.4 < p["rates"]["DKK"] < 7.5  # pegged: a typo check
