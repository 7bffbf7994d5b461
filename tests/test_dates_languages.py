"""Dates in the eight languages of the data files (nlp.dates with nlp/data/lang/*.toml):
explicit forms, quarters, relative phrases, the tense policy for undated days, holidays, and
the look-alikes that must never become dates. tests/test_dates.py holds the original fr/en/de
contract tests."""
from __future__ import annotations

import datetime as dt

import pytest

from nlp.dates import find_dates
from tests.date_matches import found_dates, one_date

# --------------------------------------------------------------------------- eight languages, one engine

WED = dt.date(2025, 3, 12)  # a Wednesday


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("es", "El Gobierno aprobó el plan el 12 de marzo de 2024.", ("12 de marzo de 2024", "2024-03-12")),
        ("es", "La norma se publicó el 1.º de julio del 2024.", ("1.º de julio del 2024", "2024-07-01")),
        ("it", "Il decreto è stato firmato il 3 maggio 2025.", ("3 maggio 2025", "2025-05-03")),
        ("it", "La riforma è in vigore dal 1° gennaio 2025.", ("1° gennaio 2025", "2025-01-01")),
        ("nl", "Het kabinet besloot op 9 oktober 2024 tot extra steun.", ("9 oktober 2024", "2024-10-09")),
        ("nl", "De wet geldt sinds woensdag 1 januari 2025.", ("woensdag 1 januari 2025", "2025-01-01")),
        ("pt", "O Governo aprovou a estratégia a 9 de outubro de 2024.", ("9 de outubro de 2024", "2024-10-09")),
        ("pl", "Rząd przyjął dokument 9 października 2024 r.", ("9 października 2024", "2024-10-09")),
        ("pl", "Ustawa weszła w życie 1 stycznia 2025 roku.", ("1 stycznia 2025", "2025-01-01")),
        ("it", "La scadenza è il 03.04.2024.", ("03.04.2024", "2024-04-03")),
        ("es", "Plazo: 3/4/2024.", ("3/4/2024", "2024-04-03")),
        ("pl", "Komunikat z 2024/10/09 opublikowano.", ("2024/10/09", "2024-10-09")),
    ],
)
def test_absolute_day_in_every_language(lang, text, expected):
    assert one_date(text, lang) == (*expected, "day", False)


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("es", "La empresa nació en octubre de 2023.", ("octubre de 2023", "2023-10")),
        ("it", "Il round si è chiuso a novembre del 2024.", ("novembre del 2024", "2024-11")),
        ("nl", "De fabriek opende in januari 2025.", ("januari 2025", "2025-01")),
        ("pt", "A rede foi lançada em janeiro de 2025.", ("janeiro de 2025", "2025-01")),
        ("pl", "Centrum otwarto w styczniu 2025.", ("styczniu 2025", "2025-01")),
        ("pl", "Premierę przesunięto na marzec 2025.", ("marzec 2025", "2025-03")),
    ],
)
def test_month_precision_in_every_language(lang, text, expected):
    assert one_date(text, lang) == (*expected, "month", False)


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("en", "Exports should recover in Q3 2025.", ("Q3 2025", "2025-Q3")),
        ("en", "Revenue fell in the fourth quarter of 2024.", ("fourth quarter of 2024", "2024-Q4")),
        ("fr", "Le chiffre d'affaires a progressé au T3 2025.", ("T3 2025", "2025-Q3")),
        ("fr", "Les résultats du troisième trimestre 2024 ont déçu.", ("troisième trimestre 2024", "2024-Q3")),
        ("de", "Der Umsatz stieg im 3. Quartal 2025.", ("3. Quartal 2025", "2025-Q3")),
        ("es", "Ganó más en el tercer trimestre de 2024.", ("tercer trimestre de 2024", "2024-Q3")),
        ("it", "I ricavi del terzo trimestre 2024 crescono.", ("terzo trimestre 2024", "2024-Q3")),
        ("nl", "De omzet steeg in het derde kwartaal van 2024.", ("derde kwartaal van 2024", "2024-Q3")),
        ("pt", "As receitas subiram no terceiro trimestre de 2024.", ("terceiro trimestre de 2024", "2024-Q3")),
        ("pl", "Przychody wzrosły w III kwartale 2024.", ("III kwartale 2024", "2024-Q3")),
        ("en", "Shipments resume in Q1'26.", ("Q1'26", "2026-Q1")),
    ],
)
def test_quarters(lang, text, expected):
    assert one_date(text, lang) == (*expected, "quarter", False)


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("es", "En 2024 la inversión creció.", "En 2024"),
        ("it", "Nel 2024 gli investimenti sono cresciuti.", "Nel 2024"),
        ("nl", "Het kabinet wil tegen 2030 alles digitaal.", "tegen 2030"),
        ("pt", "O plano quer tudo digital até 2030.", "até 2030"),
        ("pl", "W 2024 roku inwestycje wzrosły.", "W 2024 roku"),
        ("pl", "Fundusz działa od 2022 r. w Polsce.", "od 2022 r."),
        ("de", "Im Jahr 2024 flossen Milliarden in Start-ups.", "Im Jahr 2024"),
    ],
)
def test_year_cues_in_every_language(lang, text, expected):
    found = one_date(text, lang)
    assert (found[0], found[2]) == (expected, "year")


@pytest.mark.parametrize(
    "lang, word, offset",
    [
        ("es", "ayer", -1), ("es", "hoy", 0), ("es", "mañana", 1),
        ("it", "ieri", -1), ("it", "oggi", 0), ("it", "domani", 1),
        ("nl", "gisteren", -1), ("nl", "vandaag", 0), ("nl", "morgen", 1),
        ("pt", "ontem", -1), ("pt", "hoje", 0), ("pt", "amanhã", 1),
        ("pl", "wczoraj", -1), ("pl", "dzisiaj", 0), ("pl", "jutro", 1),
    ],
)
def test_relative_days_in_every_language(lang, word, offset):
    text = f"Il ministro — {word} — ha parlato." if lang == "it" else f"— {word} —"
    assert one_date(text, lang, WED) == (word, (WED + dt.timedelta(days=offset)).isoformat(), "day", True)


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("fr", "Le vote aura lieu lundi prochain.", ("lundi prochain", "2025-03-17", "day")),
        ("de", "Sie sprach vergangenen Montag.", ("vergangenen Montag", "2025-03-10", "day")),
        ("es", "El regulador decidirá el próximo lunes.", ("el próximo lunes", "2025-03-17", "day")),
        ("it", "La startup ha lanciato il modello martedì scorso.", ("martedì scorso", "2025-03-11", "day")),
        ("pt", "A decisão sai na próxima segunda-feira.", ("na próxima segunda-feira", "2025-03-17", "day")),
        ("pl", "Regulator opublikuje decyzję w przyszły poniedziałek.", ("w przyszły poniedziałek", "2025-03-17", "day")),
        ("nl", "De provider meldde afgelopen vrijdag een storing.", ("afgelopen vrijdag", "2025-03-07", "day")),
        ("en", "The board meets next week.", ("next week", "2025-W12", "week")),
        ("en", "The bill passed last week.", ("last week", "2025-W10", "week")),
        ("fr", "Les PME ont été aidées la semaine dernière.", ("la semaine dernière", "2025-W10", "week")),
        ("de", "Die Ministerin sprach letzte Woche.", ("letzte Woche", "2025-W10", "week")),
        ("fr", "Le rapport sera remis le mois prochain.", ("le mois prochain", "2025-04", "month")),
        ("fr", "Le plan a été lancé l'année dernière.", ("l'année dernière", "2024", "year")),
        ("es", "La empresa duplicó su facturación el año pasado.", ("el año pasado", "2024", "year")),
        ("it", "L'operatore ha raddoppiato gli utili l'anno scorso.", ("l'anno scorso", "2024", "year")),
        ("it", "Quest'anno le vendite sono salite.", ("Quest'anno", "2025", "year")),
        ("pl", "Spółka podwoiła przychody w ubiegłym roku.", ("w ubiegłym roku", "2024", "year")),
        ("nl", "De verkoop daalde vorig jaar.", ("vorig jaar", "2024", "year")),
    ],
)
def test_shifted_weekdays_weeks_months_years(lang, text, expected):
    assert one_date(text, lang, WED) == (*expected, True)


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("fr", "Le décret a été publié il y a trois jours.", ("il y a trois jours", "2025-03-09", "day")),
        ("de", "Der Konzern hat die Sparte vor zwei Wochen verkauft.", ("vor zwei Wochen", "2025-W09", "week")),
        ("es", "El ataque se detectó hace dos días.", ("hace dos días", "2025-03-10", "day")),
        ("it", "L'attacco è stato scoperto tre giorni fa.", ("tre giorni fa", "2025-03-09", "day")),
        ("nl", "Het onderzoek verscheen twee dagen geleden.", ("twee dagen geleden", "2025-03-10", "day")),
        ("pt", "O ataque foi detetado há três dias.", ("há três dias", "2025-03-09", "day")),
        ("pl", "Atak wykryto trzy dni temu.", ("trzy dni temu", "2025-03-09", "day")),
        ("pl", "Firma powstała rok temu.", ("rok temu", "2024", "year")),
        ("en", "The firm raised money six months ago.", ("six months ago", "2024-09", "month")),
        ("en", "The plant will open in two years.", ("in two years", "2027", "year")),
        ("fr", "Le service sera lancé dans six mois.", ("dans six mois", "2025-09", "month")),
    ],
)
def test_ago_and_ahead(lang, text, expected):
    assert one_date(text, lang, WED) == (*expected, True)


def test_all_caps_headline_in_a_case_sensitive_language():
    assert one_date("OPENAI SIGNED THE DEAL ON OCTOBER 2, 2024.", "en")[:2] == ("OCTOBER 2, 2024", "2024-10-02")


def test_ahead_needs_a_future_clause():
    # a duration, not a date: no future cue in its clause
    assert found_dates("Revenue doubled in two years, and the plant will open in two years.", "en", WED) == [
        ("in two years", "2027", "year", True)
    ]
    assert found_dates("Le chiffre d'affaires a doublé en deux ans.", "fr", WED) == []


# --------------------------------------------------------------------------- the tense policy


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("fr", "La Commission a ouvert une enquête mardi.", "2025-03-11"),  # past: a report of facts
        ("fr", "Le texte sera examiné jeudi en commission.", "2025-03-13"),  # future: "sera"
        ("fr", "Le ministre présentera le texte jeudi.", "2025-03-13"),  # future ending -era
        ("fr", "Le ministre a annoncé mardi qu'il présentera le texte.", "2025-03-11"),  # clause break
        ("fr", "Le conseil se réunit mercredi.", "2025-03-12"),  # the day itself, either way
        ("en", "Parliament debated the amendments on Monday.", "2025-03-10"),
        ("en", "The committee will vote on Thursday.", "2025-03-13"),
        ("de", "Das Kabinett wird am Freitag entscheiden.", "2025-03-14"),
        ("de", "Die Behörde hat am Montag ein Verfahren eröffnet.", "2025-03-10"),
        ("es", "La comisión presentará el informe el jueves.", "2025-03-13"),
        ("it", "Il consiglio esaminerà il decreto venerdì.", "2025-03-14"),
        ("nl", "De minister zal donderdag een besluit nemen.", "2025-03-13"),
        ("pt", "O Conselho aprovará o decreto na sexta-feira.", "2025-03-14"),
        ("pl", "Sejm będzie głosował w piątek.", "2025-03-14"),
        ("pl", "Firma poinformowała w poniedziałek o zwolnieniach.", "2025-03-10"),
    ],
)
def test_undated_weekday_policy(lang, text, expected):
    found = one_date(text, lang, WED)
    assert (found[1], found[2], found[3]) == (expected, "day", True)


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("fr", "L'accord a été signé le 3 mars.", "2025-03-03"),
        ("fr", "Le bilan a été publié le 20 mars.", "2024-03-20"),  # past even when far
        ("fr", "Le texte sera voté le 20 mars.", "2025-03-20"),
        ("fr", "Le texte sera voté le 3 mars.", "2026-03-03"),  # future, after the anchor
        ("en", "The summit is scheduled to open on April 9.", "2025-04-09"),
        ("es", "La norma entrará en vigor el 2 de agosto.", "2025-08-02"),
        ("pl", "Aukcja odbędzie się 19 listopada.", "2025-11-19"),
        ("pt", "O acordo foi assinado a 14 de fevereiro.", "2025-02-14"),
        ("es", "La feria ha tenido lugar desde el 2 hasta el 15 de mayo.", "2024-05-15"),  # "hasta": no tense
    ],
)
def test_day_month_policy(lang, text, expected):
    found = one_date(text, lang, WED)
    assert (found[1], found[3]) == (expected, True)


def test_month_without_year_needs_a_cue_and_follows_the_policy():
    assert found_dates("La loi a été votée en juin.", "fr", WED) == [("juin", "2024-06", "month", True)]
    assert found_dates("La loi sera votée en juin.", "fr", WED) == [("juin", "2025-06", "month", True)]
    assert found_dates("La loi a été votée en février.", "fr", WED) == [("février", "2025-02", "month", True)]
    assert found_dates("The law passed in May.", "en", WED) == [("May", "2024-05", "month", True)]
    assert found_dates("It may pass, said May.", "en", WED) == []
    assert found_dates("La sonde se dirige vers Mars.", "fr", WED) == []  # the planet, capitalised


def test_numeric_day_month_without_year():
    assert found_dates("La réunion a eu lieu le 3/4 à Paris.", "fr", WED) == [("3/4", "2024-04-03", "day", True)]
    assert found_dates("Die Tagung beginnt am 3.4. in Berlin.", "de", WED) == [("3.4.", "2025-04-03", "day", True)]
    assert found_dates("Les 3/4 des PME utilisent l'IA.", "fr", WED) == []  # a fraction
    assert found_dates("Die Quote lag am Ende bei 3.4 Prozent.", "de", WED) == []


# --------------------------------------------------------------------------- holidays


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("fr", "Le site a planté à Noël 2024.", ("Noël 2024", "2024-12-25")),
        ("fr", "Les équipes ont travaillé pendant Pâques 2024.", ("Pâques 2024", "2024-03-31")),
        ("de", "Am Tag der Deutschen Einheit 2024 sprach der Präsident.", ("Tag der Deutschen Einheit 2024", "2024-10-03")),
        ("de", "Das Portal fiel am Ostermontag 2025 aus.", ("Ostermontag 2025", "2025-04-21")),
        ("es", "El Día de la Hispanidad de 2024 se presentó el plan.", ("Día de la Hispanidad de 2024", "2024-10-12")),
        ("it", "La Festa della Repubblica del 2024 è stata segnata da un attacco.", ("Festa della Repubblica del 2024", "2024-06-02")),
        ("nl", "Rond Koningsdag 2025 lag de dienst plat.", ("Koningsdag 2025", "2025-04-26")),
        ("pt", "No 25 de Abril de 2024 houve festa.", ("25 de Abril de 2024", "2024-04-25")),
        ("pl", "W Święto Niepodległości 2024 prezydent przemawiał.", ("Święto Niepodległości 2024", "2024-11-11")),
        ("en", "The outage hit shoppers on Black Friday 2024.", ("Black Friday 2024", "2024-11-29")),
        ("en", "Offices close on Ascension Day 2025.", ("Ascension Day 2025", "2025-05-29")),
        ("de", "Die Messe endet an Pfingsten 2025.", ("Pfingsten 2025", "2025-06-08")),
    ],
)
def test_holidays_with_a_year(lang, text, expected):
    assert one_date(text, lang) == (*expected, "day", False)


def test_holidays_without_year_follow_the_policy_and_need_a_cue():
    assert found_dates("Le régulateur rendra sa décision avant Noël.", "fr", WED) == [("Noël", "2025-12-25", "day", True)]
    assert found_dates("Das Portal war über Ostern nicht erreichbar.", "de", WED) == [("Ostern", "2024-03-31", "day", True)]
    assert found_dates("Easter eggs are hidden in the app.", "en", WED) == []  # a one-word name needs a cue
    assert found_dates("Babbo Natale e il paese natale.", "it", WED) == []
    assert found_dates("The Sunday Times ran the story; Plácido Domingo sang.", "en", WED) == []


# --------------------------------------------------------------------------- never dates, every language


@pytest.mark.parametrize(
    "lang, text",
    [
        ("es", "La versión 3.10.2024 del programa corrige fallos."),
        ("it", "La versione 2.11.2024 del software corregge bug."),
        ("nl", "Versie 2.11.2024 van de app verhelpt fouten."),
        ("pt", "A versão 2.11.2024 da aplicação corrige falhas."),
        ("pl", "Wersja 2.11.2024 aplikacji usuwa błędy."),
        ("es", "Hoy en día casi todas las empresas usan la nube."),
        ("es", "Los profesionales del mañana necesitan formación."),
        ("pt", "Hoje em dia quase todas as empresas usam a nuvem."),
        ("es", "La tarjeta cuesta 2.025 euros y el chip A18 Pro tiene 6 núcleos."),
        ("pl", "Karta kosztuje 2025 zł, a firma zatrudnia 2024 pracowników."),
        ("nl", "Bel 020 123 4567; de wedstrijd eindigde in 2-1."),
        ("it", "L'articolo 50 del regolamento (UE) 2024/1689 impone obblighi."),
        ("de", "Die Grafikkarte kostet 2.025 Euro; GPT-4 erreichte 86,4 Punkte."),
        ("en", "Windows 11 24H2 and iOS 18.4 shipped; the RTX 5090 draws 575 watts."),
        ("fr", "La loi n° 2024-449 est citée ; le modèle Mistral Large 2 progresse."),
        ("de", "Die Stadt wurde vor 2000 Jahren gegründet."),  # a count of years, not the year 2000
        ("en", "Python 3.12.10 and the v10.12.20 firmware fix the bug; IP 10.0.0.1."),
        ("fr", "Appelez le 01.23.45.67.89 ou le 06.12.34.56.78."),
        ("it", "Il fatturato è raddoppiato in due anni."),  # a duration, not a date
        ("fr", "Le marché se tient le mardi matin."),  # a habit, not a day
        ("it", "Il venerdì nero è una consuetudine importata."),
        ("en", "Experts told USA TODAY that the rule changed."),
        ("fr", "Le siège est au 3, place du 8 Mai 1945, près de la rue du 4 Septembre."),  # streets
        ("pl", "Biuro mieści się przy ul. 3 Maja 12 w Krakowie."),
        ("en", "The helpline runs on 24/7 shifts, a lesson learnt on 9/11."),
        ("pt", "A Ponte 25 de Abril fechou ao trânsito."),
        ("de", "Die Straße des 17. Juni war gesperrt."),
        ("es", "La tienda está en la calle 20 de Noviembre, junto a la plaza."),
    ],
)
def test_never_dates_in_every_language(lang, text):
    assert found_dates(text, lang, WED) == []


def test_development_suite_is_well_formed_and_has_no_false_dates():
    """The suite benchmarks/dates_quality.py scores: >= 40 expressions and >= 15 negatives per
    language, spans present in their text, and no date at all found on a negative line."""
    import json
    from pathlib import Path

    suite = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "dates_dev"
    for lang in ("fr", "en", "de", "es", "it", "nl", "pt", "pl"):
        rows = [json.loads(line) for line in (suite / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert sum(len(r["expected"]) for r in rows) >= 40, lang
        negatives = [r for r in rows if not r["expected"]]
        assert len(negatives) >= 15, lang
        for r in rows:
            assert all(e["text"] in r["text"] for e in r["expected"]), r
        for r in negatives:
            assert find_dates(r["text"], lang, dt.date.fromisoformat(r["published"])) == [], r["text"]


def test_a_day_range_is_one_mention_valued_at_its_first_day():
    assert found_dates("Le salon se tient les 9-10 octobre 2024.", "fr") == [("9-10 octobre 2024", "2024-10-09", "day", False)]
    assert found_dates("Die Konferenz findet vom 9.–11. Oktober 2024 statt.", "de") == [
        ("9.–11. Oktober 2024", "2024-10-09", "day", False)]
    assert found_dates("The summit runs October 9-11, 2024 in Seoul.", "en") == [("October 9-11, 2024", "2024-10-09", "day", False)]
    assert found_dates("Le score final est de 3-2 mars.", "fr", WED) == []  # days must ascend


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("en", "The minister said this morning that talks failed last night.", [("this morning", "2025-03-12"), ("last night", "2025-03-11")]),
        ("fr", "Le ministre a annoncé ce matin un plan.", [("ce matin", "2025-03-12")]),
        ("es", "El Gobierno aprobó esta mañana el plan; por la mañana hubo protestas.", [("esta mañana", "2025-03-12")]),
        ("it", "Il governo ha approvato stamattina il decreto.", [("stamattina", "2025-03-12")]),
    ],
)
def test_parts_of_a_relative_day_are_that_day(lang, text, expected):
    assert [(f[0], f[1]) for f in found_dates(text, lang, WED)] == expected
