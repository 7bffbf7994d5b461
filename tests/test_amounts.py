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
    # No data file: only symbols, ISO codes and a currency's home names, never number words.
    assert find_amounts("En investering på tre miljoner dollar.", "sv") == []
    assert [(a.text, a.value, a.unit) for a in find_amounts("Priset är 1 299 kr, eller 1 299 Kč.", "sv")] == [
        ("1 299 kr", 1299, "SEK"), ("1 299 Kč", 1299, "CZK")]
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


# --------------------------------------------------------------------------- eight languages


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("es", "El Gobierno destina 350 millones de euros a la IA.", ("350 millones de euros", 350e6, "EUR")),
        ("es", "La Comisión aporta dos millones de euros.", ("dos millones de euros", 2e6, "EUR")),
        ("es", "Microsoft invertirá 1.950 millones de euros en Aragón.", ("1.950 millones de euros", 1.95e9, "EUR")),
        ("es", "Polonia invertirá 5.000 millones de eslotis.", ("5.000 millones de eslotis", 5e9, "PLN")),
        ("es", "La entrada cuesta mil euros.", ("mil euros", 1000, "EUR")),
        ("it", "Il governo stanzia 4,8 miliardi di euro.", ("4,8 miliardi di euro", 4.8e9, "EUR")),
        ("it", "Il fondo mette 50 mila euro per startup.", ("50 mila euro", 50_000, "EUR")),
        ("it", "L'app costa venticinque dollari.", ("venticinque dollari", 25, "USD")),
        ("it", "Il Regno Unito destina 2 miliardi di sterline.", ("2 miliardi di sterline", 2e9, "GBP")),
        ("nl", "Het kabinet trekt 2,5 miljard euro uit.", ("2,5 miljard euro", 2.5e9, "EUR")),
        ("nl", "De ronde bedroeg €600 mln.", ("€600 mln", 600e6, "EUR")),  # the full stop ends the sentence
        ("nl", "De app kost vijfentwintig euro.", ("vijfentwintig euro", 25, "EUR")),
        ("pt", "O Governo investe 3 mil milhões de euros.", ("3 mil milhões de euros", 3e9, "EUR")),
        ("pt", "A Noruega dá mil milhões de coroas norueguesas.", ("mil milhões de coroas norueguesas", 1e9, "NOK")),
        ("pt", "A startup captou R$ 50 milhões.", ("R$ 50 milhões", 50e6, "BRL")),
        ("pt", "O Brasil investe 23 bilhões de reais.", ("23 bilhões de reais", 23e9, "BRL")),
        ("pl", "Rząd przeznaczy 2 mld zł na AI.", ("2 mld zł", 2e9, "PLN")),
        ("pl", "Grant wynosi 500 tys. zł dla firmy.", ("500 tys. zł", 500_000, "PLN")),
        ("pl", "Startup pozyskał 20 mln dolarów.", ("20 mln dolarów", 20e6, "USD")),
        ("pl", "Jeden token kosztuje 20 groszy.", ("20 groszy", 0.2, "PLN")),
        ("pl", "Kurs kosztuje 1500 złotych.", ("1500 złotych", 1500, "PLN")),
        ("en", "The chip costs USD7.25 to package.", ("USD7.25", 7.25, "USD")),
        ("en", "Mistral raised €5bn.", ("€5bn", 5e9, "EUR")),
        ("en", "A subscription costs twelve pounds.", ("twelve pounds", 12, "GBP")),
        ("en", "Reliance will spend ₹75,000 crore on data centres.", ("₹75,000 crore", 7.5e11, "INR")),
        ("en", "Sofia's institute received 90 million leva.", ("90 million leva", 90e6, "BGN")),
        ("en", "Bucharest approved a RON 500 million package.", ("RON 500 million", 500e6, "RON")),
        ("fr", "Un ticket coûte 5€ pour les étudiants.", ("5€", 5, "EUR")),
        ("fr", "La licence coûte 2 CHF 50 centimes.", ("2 CHF 50 centimes", 2.5, "CHF")),
        ("fr", "Le jeton vaut 20 centimes.", ("20 centimes", 0.2, "EUR")),
        ("fr", "Le rachat s'est fait pour 1,3 Md$.", ("1,3 Md$", 1.3e9, "USD")),
        ("de", "Die Lizenz kostet 49,- € pro Nutzer.", ("49,- €", 49, "EUR")),
        ("de", "Der Anbieter verlangt CHF 1'250.50 pro Jahr.", ("CHF 1'250.50", 1250.5, "CHF")),
        ("de", "Die Gebühr beträgt 3 Euro 50 Cent.", ("3 Euro 50 Cent", 3.5, "EUR")),
        ("de", "Der Preis sank auf 1\u202f234,56\u00a0Euro.", ("1\u202f234,56\u00a0Euro", 1234.56, "EUR")),
    ],
)
def test_money_in_eight_languages(lang, text, expected):
    found = _one(text, lang)
    assert found[0] == expected[0]
    assert found[1] == pytest.approx(expected[1])
    assert found[2:] == (expected[2], "money")


@pytest.mark.parametrize(
    "text, value, unit",
    [
        ("Kč 1 299", 1299, "CZK"), ("1 299,- Kč", 1299, "CZK"), ("2 990 Ft", 2990, "HUF"),
        ("HUF 12.990", 12990, "HUF"), ("199,00 kr", 199, "SEK"), ("NOK 1 299,-", 1299, "NOK"),
        ("DKK 199,95", 199.95, "DKK"), ("1.299,00 zł", 1299, "PLN"), ("79,90 RON", 79.9, "RON"),
        ("12,50 лв.", 12.5, "BGN"), ("₹1,299.00", 1299, "INR"), ("Rs. 1,299", 1299, "INR"),
        ("¥1,280", 1280, "JPY"), ("1,280円", 1280, "JPY"), ("CN¥99", 99, "CNY"), ("99元", 99, "CNY"),
        ("RMB 88", 88, "CNY"), ("C$19.99", 19.99, "CAD"), ("A$19.99", 19.99, "AUD"),
        ("Fr. 12.50", 12.5, "CHF"), ("2.499,- €", 2499, "EUR"), ("1'299.– CHF", 1299, "CHF"),
    ],
)
def test_prices_in_many_currencies(text, value, unit):
    (m,) = [a for a in find_amounts(text, "en", ON) if a.kind == "money"]
    assert (m.text, m.unit) == (text, unit)
    assert m.value == pytest.approx(value)


@pytest.mark.parametrize(
    "lang, text, span, low, high",
    [
        ("fr", "Le campus coûtera de 2 à 3 milliards d'euros.", "de 2 à 3 milliards d'euros", 2e9, 3e9),
        ("fr", "Le budget est compris entre 30 et 50 millions d'euros.", "entre 30 et 50 millions d'euros", 30e6, 50e6),
        ("en", "They expect between 5 and 8 euros per user.", "between 5 and 8 euros", 5, 8),
        ("en", "Grants range between €50,000 and €2.5 million.", "between €50,000 and €2.5 million", 5e4, 2.5e6),
        ("en", "Seed rounds raise $2-4 million.", "$2-4 million", 2e6, 4e6),
        ("en", "Prices run from $5 to $8.", "from $5 to $8", 5, 8),
        ("de", "Die Förderung liegt zwischen 5 und 8 Millionen Euro.", "zwischen 5 und 8 Millionen Euro", 5e6, 8e6),
        ("de", "Die Kosten werden auf 2–3 Mrd. € geschätzt.", "2–3 Mrd. €", 2e9, 3e9),
        ("es", "Se invertirán entre 2 y 3 millones de euros.", "entre 2 y 3 millones de euros", 2e6, 3e6),
        ("it", "Ogni progetto riceverà tra 2 e 3 milioni di euro.", "tra 2 e 3 milioni di euro", 2e6, 3e6),
        ("nl", "De kosten lopen van 2 tot 3 miljard euro.", "van 2 tot 3 miljard euro", 2e9, 3e9),
        ("pt", "O custo vai de 2 a 3 mil milhões de euros.", "de 2 a 3 mil milhões de euros", 2e9, 3e9),
        ("pl", "Każdy projekt otrzyma od 2 do 3 mln zł.", "od 2 do 3 mln zł", 2e6, 3e6),
    ],
)
def test_money_ranges(lang, text, span, low, high):
    (m,) = [a for a in find_amounts(text, lang, ON) if a.kind == "money"]
    assert m.text == span and m.range is True and not m.approx
    assert (m.value, m.max) == (pytest.approx(low), pytest.approx(high))
    assert m.eur == pytest.approx(to_eur(low, m.unit, ON))


@pytest.mark.parametrize(
    "lang, text",
    [
        ("fr", "Les prix sont passés de 30 à 20 euros."),  # a fall, not a range: bounds inverted
        ("pl", "Cena spadła z 99 zł do 79 zł."),
        ("en", "GPU prices dropped from $8 to $2 an hour."),
        ("en", "It costs 5 - 2024 €."),  # no dash range spans three orders of magnitude
    ],
)
def test_inverted_or_implausible_bounds_are_no_range(lang, text):
    assert all(not a.range for a in find_amounts(text, lang, ON))


@pytest.mark.parametrize(
    "lang, text, span",
    [
        ("fr", "Chaque lauréat recevra près de 500 000 € de subventions.", "près de 500 000 €"),
        ("fr", "La facture atteint environ 40 M€.", "environ 40 M€"),
        ("fr", "Soit un peu plus d'un milliard d'euros.", "un peu plus d'un milliard d'euros"),
        ("en", "Revenue is about $5bn.", "about $5bn"),
        ("en", "Credits worth nearly $300,000 were offered.", "nearly $300,000"),
        ("de", "Die ETH erhält rund 20 Millionen Schweizer Franken.", "rund 20 Millionen Schweizer Franken"),
        ("de", "Der Fonds verwaltet ca. 12 Mrd. € Kapital.", "ca. 12 Mrd. €"),
        ("es", "Telefónica invertirá cerca de 1.000 millones de euros.", "cerca de 1.000 millones de euros"),
        ("it", "Il supercomputer è costato circa 240 milioni di euro.", "circa 240 milioni di euro"),
        ("nl", "De supercomputer kost ongeveer 70 miljoen euro.", "ongeveer 70 miljoen euro"),
        ("pt", "O fundo gere cerca de 1,5 mil milhões de euros.", "cerca de 1,5 mil milhões de euros"),
        ("pl", "Fabryka kosztuje około 1 234,5 mln zł.", "około 1 234,5 mln zł"),
        ("en", "The round is ~€5bn.", "~€5bn"),
    ],
)
def test_approximate_money(lang, text, span):
    (m,) = [a for a in find_amounts(text, lang, ON) if a.kind == "money"]
    assert (m.text, m.approx, m.range) == (span, True, False)


@pytest.mark.parametrize(
    "lang, text",
    [
        ("es", "OpenAI presentó GPT-4o y el reglamento 2024/1689 ya se aplica."),
        ("es", "El robot pesa 300 libras."),
        ("es", "Llame al 91 123 45 67 o al +34 600 123 456."),
        ("it", "L'articolo 5 del regolamento vieta il social scoring nel 2025."),
        ("it", "Lei ha detto che il progetto partirà nel 2026 con 3 partner."),
        ("nl", "Het pakket weegt 3 pond."),
        ("nl", "De digitale euro komt in 20 landen van de eurozone."),
        ("pt", "O Benfica venceu por 3-1 e o Real Madrid perdeu."),
        ("pl", "Model Llama 3 70B uzyskał 87 punktów, a stopa spadła do 5,1 proc."),
        ("en", "Twenty euro area countries signed; Euro 2024 starts at 9:30."),
        ("de", "Die 20 Euro-Länder stimmten zu; Windows 11 erschien 2021."),
    ],
)
def test_never_money_in_eight_languages(lang, text):
    assert [a.text for a in find_amounts(text, lang, ON) if a.kind == "money"] == []


def test_money_json_carries_range_and_approx_fields():
    from nlp.types import Analysis

    ms = find_amounts("Entre 2 et 3 milliards d'euros, puis environ 5 M€.", "fr", ON)
    d = Analysis("fr", None, None, None, "", amounts=ms).to_json()["amounts"]
    assert [(a["value"], a["max"], a["range"], a["approx"]) for a in d] == [
        (2e9, 3e9, True, False), (5e6, None, False, True)]


def test_counts_and_percents_in_new_languages():
    assert _found("La empresa tiene 1.500 empleados y crece un 12 %.", "es") == [
        ("1.500 empleados", 1500, "empleados", "count"), ("12 %", 12, "%", "percent")]
    assert _found("Het bedrijf groeide met 12 procent.", "nl") == [("12 procent", 12, "%", "percent")]


@pytest.mark.parametrize("lang, text, phrase", [
    ("fr", "Le programme formera 20 000 petites et moyennes entreprises d'ici 2026.", "petites et moyennes entreprises"),
    ("en", "It will train 20,000 small and medium-sized businesses.", "small and medium-sized businesses"),
    ("es", "Formará a 20.000 pequeñas y medianas empresas europeas.", "pequeñas y medianas empresas"),
    ("de", "Geschult werden 20.000 kleine und mittlere Unternehmen.", "kleine und mittlere Unternehmen"),
    ("it", "Saranno formate 20.000 piccole e medie imprese.", "piccole e medie imprese"),
    ("nl", "Er worden 20.000 kleine en middelgrote bedrijven opgeleid.", "kleine en middelgrote bedrijven"),
    ("pt", "Serão formadas 20.000 pequenas e médias empresas.", "pequenas e médias empresas"),
    ("pl", "Program obejmie 20 tys. małych i średnich przedsiębiorstw.", "małych i średnich przedsiębiorstw"),
])
def test_a_coordinated_kind_of_firm_is_counted_whole(lang, text, phrase):
    """"20 000 petites et moyennes entreprises": the adjective pair ("petites et moyennes") must
    not stop the count noun from being found, in any of the eight languages."""
    (found,) = _found(text, lang)
    assert found[1:] == (20_000, phrase, "count") and found[0].endswith(phrase)


def test_every_recognised_currency_converts_to_eur():
    from nlp.amounts_lexicon import shared

    for code in shared()["codes"]:
        assert to_eur(100.0, code, ON) is not None, code


@pytest.mark.parametrize(
    "lang, text, value, unit",
    [
        ("fr", "Le gazole est à 1,859 € le litre.", 1.859, "EUR"),  # fuel prices have three decimals
        ("en", "Gas averaged $3.599 a gallon.", 3.599, "USD"),
        ("en", "A bento costs ¥1.280 at the station.", 1280, "JPY"),  # never three decimals in yen
        ("en", "The plan costs 1.299 zł a month.", 1299, "PLN"),
        ("fr", "Le forfait coûte 2,990 Ft.", 2990, "HUF"),
        ("de", "Die Kosten: 1,5 Mrd. Ft.", 1.5e9, "HUF"),  # scaled: the decimal mark holds
    ],
)
def test_three_digits_after_a_lone_separator(lang, text, value, unit):
    (m,) = [a for a in find_amounts(text, lang, ON) if a.kind == "money"]
    assert (m.unit, m.value) == (unit, pytest.approx(value))


@pytest.mark.parametrize(
    "lang, text, span, value, unit",
    [
        ("en", "Half a billion dollars went to compute.", "Half a billion dollars", 5e8, "USD"),
        ("fr", "Un demi-milliard d'euros est promis.", "Un demi-milliard d'euros", 5e8, "EUR"),
        ("fr", "Il faudra une dizaine de millions d'euros.", "une dizaine de millions d'euros", 1e7, "EUR"),
        ("de", "Der Bund gibt anderthalb Milliarden Euro.", "anderthalb Milliarden Euro", 1.5e9, "EUR"),
        ("es", "Cuesta medio millón de euros.", "medio millón de euros", 5e5, "EUR"),
        ("it", "Il bando vale 300mila euro.", "300mila euro", 3e5, "EUR"),
        ("pl", "Rząd daje półtora miliarda złotych.", "półtora miliarda złotych", 1.5e9, "PLN"),
        ("en", "The licence is $10 CAD per seat.", "$10 CAD", 10, "CAD"),
    ],
)
def test_halves_glued_scales_and_trailing_codes(lang, text, span, value, unit):
    (m,) = [a for a in find_amounts(text, lang, ON) if a.kind == "money"]
    assert (m.text, m.unit) == (span, unit)
    assert m.value == pytest.approx(value)


def test_exchange_rate_quotes_are_not_money():
    assert [a for a in find_amounts("EUR/USD 1.08 at the close.", "en", ON) if a.kind == "money"] == []


@pytest.mark.parametrize(
    "lang, text",
    [
        ("es", "El plan llega hasta 2030 a 5 millones de euros."),
        ("pl", "W 2024 do 5 mln zł wzrosły przychody."),
    ],
)
def test_years_and_wide_spans_are_no_lower_bound(lang, text):
    assert all(not a.range for a in find_amounts(text, lang, ON))


# --------------------------------------------------------------------------- number reading


@pytest.mark.parametrize(
    "raw, mark, whole, value",
    [
        ("1 234,56", ",", False, 1234.56), ("1.234,56", ",", False, 1234.56),
        ("1,234.56", ".", False, 1234.56), ("1'234.50", ",", False, 1234.5),
        ("1\u202f234", ",", False, 1234), ("1,5", ".", False, 1.5), ("1.500", ",", False, 1500),
        ("1,500", ".", False, 1500), ("1,859", ",", False, 1.859), ("1,859", ",", True, 1859),
        ("1,234,567", ",", False, 1234567), ("5,-", ",", False, 5), ("2.499,-", ".", False, 2499),
        ("1'299.–", ".", False, 1299),
    ],
)
def test_parse_number(raw, mark, whole, value):
    from nlp.amounts_text import parse_number

    assert parse_number(raw, mark, whole) == pytest.approx(value)


def test_parse_number_refuses_uneven_groups():
    from nlp.amounts_text import parse_number

    assert parse_number("1,23,4", ".") is None


@pytest.mark.parametrize(
    "parts, value",
    [([2, 100], 200), ([3, 20], 23), ([2, 1000, 5, 100], 2500), ([100, 50], 150), ([0.5], 0.5),
     ([20, 1000], 20000), ([1, 100, 20, 5], 125)],
)
def test_words_value(parts, value):
    from nlp.amounts_text import words_value

    assert words_value(parts) == value


@pytest.mark.parametrize("lang, text, unit", [
    ("de", "Das schwedische Unternehmen meldet einen Umsatz von 4 Milliarden Kronen.", "SEK"),
    ("nl", "De Noorse investeerder legde 300 miljoen kronen in.", "NOK"),
    ("fr", "La société danoise a levé 500 millions de couronnes.", "DKK"),
    ("pl", "Szwedzka firma pozyskała 300 mln koron.", "SEK"),
    ("en", "The Czech lab raised 150 million crowns.", "CZK"),
    # no country named, or two: a name four currencies share is no money
    ("de", "Der Umsatz lag bei 4 Milliarden Kronen.", None),
    ("de", "Schweden und Norwegen zahlen je 4 Milliarden Kronen.", None),
])
def test_a_shared_currency_name_takes_the_country_its_sentence_names(lang, text, unit):
    money = [a for a in find_amounts(text, lang) if a.kind == "money"]
    assert [a.unit for a in money] == ([unit] if unit else [])
