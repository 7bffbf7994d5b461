"""Rule-based dates (nlp.dates): absolute, month and year forms, relative phrases anchored on
the publication date, and the look-alikes that must never become dates."""
from __future__ import annotations

import datetime as dt

import pytest

from nlp.dates import find_dates
from tests.date_matches import found_dates, one_date

PUB = dt.date(2025, 7, 23)  # a Wednesday


# --------------------------------------------------------------------------- absolute dates


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("fr", "Mistral AI a levé des fonds le 9 octobre 2024 à Paris.", ("9 octobre 2024", "2024-10-09")),
        ("fr", "Le décret entre en vigueur le 1er janvier 2025.", ("1er janvier 2025", "2025-01-01")),
        ("fr", "Le décret entre en vigueur le 1ᵉʳ janvier 2025.", ("1ᵉʳ janvier 2025", "2025-01-01")),
        ("fr", "Bpifrance a signé l'accord lundi 21 juillet 2025.", ("lundi 21 juillet 2025", "2025-07-21")),
        ("fr", "Date limite de dépôt : 21/07/2025.", ("21/07/2025", "2025-07-21")),
        ("fr", "Publié au JO le 21.07.2025, le texte précise la méthode.", ("21.07.2025", "2025-07-21")),
        ("fr", "Mise à jour : 2025-07-21, 10:00.", ("2025-07-21", "2025-07-21")),
        ("fr", "Clôture de l'appel le 3 sept. 2025 à midi.", ("3 sept. 2025", "2025-09-03")),
        ("fr", "LE 14 JUILLET 2025, LE MINISTRE A PARLÉ.", ("14 JUILLET 2025", "2025-07-14")),
        ("en", "OpenAI announced the deal on October 2, 2024.", ("October 2, 2024", "2024-10-02")),
        ("en", "DSIT published its plan on 2 October 2024.", ("2 October 2024", "2024-10-02")),
        ("en", "The consultation closed on Oct. 2, 2024.", ("Oct. 2, 2024", "2024-10-02")),
        ("en", "It was signed on Thursday, October 2, 2024 in London.", ("Thursday, October 2, 2024", "2024-10-02")),
        ("en", "The summit opens on the 2nd of October 2024.", ("2nd of October 2024", "2024-10-02")),
        ("en", "The code of practice took effect on 21st July 2025.", ("21st July 2025", "2025-07-21")),
        ("de", "Die Bundesregierung hat am 9. Oktober 2024 die KI-Strategie beschlossen.", ("9. Oktober 2024", "2024-10-09")),
        ("de", "Das Gesetz gilt seit dem 9 Oktober 2024.", ("9 Oktober 2024", "2024-10-09")),
        ("de", "Die Frist endet am Montag, 21. Juli 2025.", ("Montag, 21. Juli 2025", "2025-07-21")),
        ("de", "Stichtag ist der 21.07.2025.", ("21.07.2025", "2025-07-21")),
        ("de", "Der Vertrag wurde am 3. März 2025 unterzeichnet.", ("3. März 2025", "2025-03-03")),
    ],
)
def test_absolute_day(lang, text, expected):
    assert one_date(text, lang) == (*expected, "day", False)


def test_leading_preposition_is_not_part_of_the_date():
    text = "L'accord a été signé le 21 juillet 2025 entre OpenAI et le DSIT."
    (m,) = find_dates(text, "fr")
    assert m.text == "21 juillet 2025"
    assert text[m.start - 3:m.start] == "le "
    (m,) = find_dates("Die Behörde hat am 9. Oktober 2024 entschieden.", "de")
    assert m.text == "9. Oktober 2024"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The form is dated 07/21/2025.", "2025-07-21"),  # impossible day-first: US order
        ("The form is dated 21/07/2025.", "2025-07-21"),
        ("The form is dated 05/07/2025.", "2025-07-05"),  # ambiguous: day first
    ],
)
def test_english_numeric_order(text, expected):
    assert one_date(text, "en")[1] == expected


def test_french_and_german_numeric_dates_are_day_first_only():
    assert found_dates("Échéance : 07/21/2025.", "fr") == []
    assert found_dates("Frist: 07/21/2025.", "de") == []


@pytest.mark.parametrize(
    "lang, text",
    [
        ("fr", "Rendez-vous le 31/02/2025."),
        ("fr", "Rendez-vous le 31 février 2025."),
        ("en", "Due on February 30, 2025."),
        ("de", "Fällig am 31.04.2025."),
        ("fr", "Né le 29 février 2023."),
    ],
)
def test_invalid_calendar_dates_are_rejected(lang, text):
    assert found_dates(text, lang) == []


def test_leap_day_is_accepted():
    assert one_date("Publié le 29 février 2024.", "fr")[1] == "2024-02-29"


# --------------------------------------------------------------------------- month and year precision


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("fr", "Le sommet de l'IA se tiendra en février 2025 à Paris.", ("février 2025", "2025-02")),
        ("fr", "Février 2025 a été marqué par le sommet.", ("Février 2025", "2025-02")),
        ("fr", "France 2030 publiera un bilan fin juillet 2025.", ("juillet 2025", "2025-07")),
        ("fr", "Un rapport est attendu à la mi-juillet 2025.", ("juillet 2025", "2025-07")),
        ("fr", "La feuille de route date d'août 2024.", ("août 2024", "2024-08")),
        ("en", "The AI Opportunities Action Plan was updated in July 2025.", ("July 2025", "2025-07")),
        ("en", "The report was published in Sept 2024.", ("Sept 2024", "2024-09")),
        ("de", "Der AI Act gilt im März 2025 teilweise.", ("März 2025", "2025-03")),
        ("de", "Seit Anfang Januar 2025 gelten neue Regeln.", ("Januar 2025", "2025-01")),
    ],
)
def test_month_precision(lang, text, expected):
    assert one_date(text, lang) == (*expected, "month", False)


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("fr", "L'adoption de l'IA a progressé en 2025 dans les PME.", "en 2025"),
        ("fr", "En 2025, l'État a lancé un appel à projets.", "En 2025"),
        ("fr", "France 2030 vise la souveraineté d'ici 2030.", "d'ici 2030"),
        ("fr", "France 2030 vise la souveraineté d’ici 2030.", "d’ici 2030"),
        ("fr", "Le marché doublera d'ici à 2030.", "d'ici à 2030"),
        ("fr", "Le programme est financé depuis 2021.", "depuis 2021"),
        ("fr", "Un nouveau plan est prévu fin 2026.", "fin 2026"),
        ("fr", "Le supercalculateur sera livré à l'horizon 2028.", "à l'horizon 2028"),
        ("fr", "Des annonces sont prévues mi-2026.", "mi-2026"),
        ("en", "DSIT expects adoption to double in 2025.", "in 2025"),
        ("en", "The UK wants 20 AI Growth Zones by 2030.", "by 2030"),
        ("en", "Compute capacity will grow twentyfold by mid-2026.", "mid-2026"),
        ("de", "Im Jahr 2025 hat die Bundesregierung investiert.", "Im Jahr 2025"),
        ("de", "Das Ziel soll bis 2030 erreicht werden.", "bis 2030"),
        ("de", "Die Regeln gelten ab 2026.", "ab 2026"),
    ],
)
def test_year_precision_needs_a_cue(lang, text, expected):
    found = one_date(text, lang)
    assert found[0] == expected
    assert found[1:] == (expected[-4:], "year", False)


@pytest.mark.parametrize(
    "lang, text",
    [
        ("fr", "Le plan France 2030 finance 2025 projets."),
        ("fr", "La loi 2025 est adoptée."),
        ("en", "The 2025 budget includes 2030 targets."),
        ("de", "Die Strategie 2030 steht."),
        ("fr", "Il a payé en 2025 euros de frais."),  # an amount, not a year
        ("en", "Costs rose to in 2025 dollars terms"),
        ("fr", "Les ventes ont augmenté de 2025 %."),
    ],
)
def test_bare_years_and_amounts_are_not_dates(lang, text):
    assert found_dates(text, lang) == []


# --------------------------------------------------------------------------- day and month without year


def test_day_month_takes_the_year_of_publication():
    assert found_dates("L'accord a été signé le 21 juillet.", "fr", PUB) == [
        ("21 juillet", "2025-07-21", "day", True)
    ]
    assert found_dates("The agreement was signed on 21 July.", "en", PUB) == [("21 July", "2025-07-21", "day", True)]
    assert found_dates("The agreement was signed on July 21.", "en", PUB) == [("July 21", "2025-07-21", "day", True)]
    assert found_dates("Der Vertrag wurde am 21. Juli unterzeichnet.", "de", PUB) == [
        ("21. Juli", "2025-07-21", "day", True)
    ]


def test_day_month_uses_the_nearest_year():
    january = dt.date(2025, 1, 5)
    assert one_date("Annonce faite le 28 décembre.", "fr", january)[1] == "2024-12-28"
    december = dt.date(2024, 12, 20)
    assert one_date("Le texte entre en vigueur le 2 janvier.", "fr", december)[1] == "2025-01-02"


def test_day_month_with_dernier_or_prochain():
    assert one_date("Lors du sommet du 3 septembre dernier, Mistral AI a pris la parole.", "fr", PUB) == (
        "3 septembre dernier", "2024-09-03", "day", True,
    )
    assert one_date("Réunion du 1er août prochain.", "fr", PUB)[1] == "2025-08-01"


def test_day_month_without_anchor_is_skipped():
    assert found_dates("L'accord a été signé le 21 juillet.", "fr") == []
    assert found_dates("The agreement was signed on 21 July.", "en") == []


# --------------------------------------------------------------------------- relative dates


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("fr", "Bpifrance a annoncé aujourd'hui un nouveau fonds.", ("aujourd'hui", "2025-07-23", "day")),
        ("fr", "Bpifrance a annoncé aujourd’hui un nouveau fonds.", ("aujourd’hui", "2025-07-23", "day")),
        ("fr", "Le ministre s'est exprimé hier soir.", ("hier", "2025-07-22", "day")),
        ("fr", "Hier, Mistral AI a présenté son modèle.", ("Hier", "2025-07-22", "day")),
        ("fr", "L'accord a été signé avant-hier.", ("avant-hier", "2025-07-21", "day")),
        ("fr", "Le décret sera publié demain.", ("demain", "2025-07-24", "day")),
        ("fr", "OpenAI a ouvert son bureau lundi dernier.", ("lundi dernier", "2025-07-21", "day")),
        ("fr", "Le vote aura lieu mardi prochain.", ("mardi prochain", "2025-07-29", "day")),
        ("fr", "Le rapport a été remis le mois dernier.", ("le mois dernier", "2025-06", "month")),
        ("fr", "Les candidatures ouvrent le mois prochain.", ("le mois prochain", "2025-08", "month")),
        ("fr", "Le plan a été lancé l'an dernier.", ("l'an dernier", "2024", "year")),
        ("fr", "Le plan a été lancé l'année dernière.", ("l'année dernière", "2024", "year")),
        ("fr", "Une loi est attendue l'an prochain.", ("l'an prochain", "2026", "year")),
        ("fr", "Le budget a doublé cette année.", ("cette année", "2025", "year")),
        ("en", "DSIT confirmed yesterday that the plan is funded.", ("yesterday", "2025-07-22", "day")),
        ("en", "OpenAI said today it would open an office.", ("today", "2025-07-23", "day")),
        ("en", "The minister will speak tomorrow.", ("tomorrow", "2025-07-24", "day")),
        ("en", "The bill was tabled last Tuesday.", ("last Tuesday", "2025-07-22", "day")),
        ("en", "The bill will be tabled next Monday.", ("next Monday", "2025-07-28", "day")),
        ("en", "The regulator fined the firm last month.", ("last month", "2025-06", "month")),
        ("en", "The AI Safety Institute was renamed last year.", ("last year", "2024", "year")),
        ("en", "Funding will rise next year.", ("next year", "2026", "year")),
        ("en", "Spending doubled this year.", ("this year", "2025", "year")),
        ("de", "Das Ministerium hat gestern informiert.", ("gestern", "2025-07-22", "day")),
        ("de", "Die Ministerin spricht heute in Berlin.", ("heute", "2025-07-23", "day")),
        ("de", "Die Ministerin spricht morgen in Berlin.", ("morgen", "2025-07-24", "day")),
        ("de", "Die Ministerin sprach vergangenen Montag.", ("vergangenen Montag", "2025-07-21", "day")),
        ("de", "Der Bericht erschien vergangenen Monat.", ("vergangenen Monat", "2025-06", "month")),
        ("de", "Das Gesetz wurde letztes Jahr verabschiedet.", ("letztes Jahr", "2024", "year")),
        ("de", "Das Gesetz tritt nächstes Jahr in Kraft.", ("nächstes Jahr", "2026", "year")),
        ("de", "Die Zahl stieg im vergangenen Jahr.", ("im vergangenen Jahr", "2024", "year")),
    ],
)
def test_relative_dates(lang, text, expected):
    assert one_date(text, lang, PUB) == (*expected, True)


def test_last_weekday_is_strictly_before_publication():
    wednesday = dt.date(2025, 7, 23)
    assert one_date("Annoncé mercredi dernier.", "fr", wednesday)[1] == "2025-07-16"
    assert one_date("Due next Wednesday.", "en", wednesday)[1] == "2025-07-30"


def test_relative_month_crosses_years():
    assert one_date("Le rapport a été remis le mois dernier.", "fr", dt.date(2025, 1, 10))[1] == "2024-12"
    assert one_date("Applications open next month.", "en", dt.date(2024, 12, 10))[1] == "2025-01"


def test_relative_dates_need_an_anchor():
    assert found_dates("Bpifrance a annoncé hier un fonds, l'an dernier un autre.", "fr") == []
    assert found_dates("OpenAI said yesterday it grew last year.", "en") == []
    assert found_dates("Die Ministerin sprach gestern.", "de") == []


def test_published_may_be_a_datetime():
    assert one_date("Annoncé hier.", "fr", dt.datetime(2025, 7, 23, 18, 30))[1] == "2025-07-22"


@pytest.mark.parametrize(
    "lang, text",
    [
        ("fr", "Il faut former les talents de demain."),  # figure of speech
        ("fr", "Les entreprises d'aujourd'hui adoptent l'IA."),
        ("fr", "Le monde d'hier ne reviendra pas."),
        ("fr", "Les prix ont baissé sur un an."),
        ("en", "These are the jobs of tomorrow."),
        ("en", "Tomorrow's workforce needs training."),
        ("en", "Adoption doubled over the last year."),
        ("en", "In recent years compute got cheaper."),
        ("de", "Heute Morgen hat der Bundestag getagt."),  # only "Heute", never "Morgen"
        ("de", "Das ist die Arbeitswelt von morgen."),
        ("de", "In den letzten Jahren stieg die Nachfrage."),
    ],
)
def test_relative_look_alikes(lang, text):
    found = found_dates(text, lang, PUB)
    if text.startswith("Heute Morgen"):
        assert found == [("Heute", "2025-07-23", "day", True)]
    else:
        assert found == []


# --------------------------------------------------------------------------- never dates


@pytest.mark.parametrize(
    "lang, text",
    [
        ("fr", "La croissance atteint 1,5 % et 2.5 points."),
        ("fr", "Le règlement (UE) 2024/1689 sur l'intelligence artificielle s'applique."),
        ("fr", "Appelez le 01 23 45 67 89 ou le +33 1 23 45 67 89."),
        ("fr", "Le fonds dispose de 2025 euros et emploie 1 700 employés."),
        ("fr", "OpenAI lance GPT-4o et Apple publie iOS 18.5."),
        ("fr", "Les dépôts vont de 12 à 15 dossiers par an."),
        ("fr", "La réunion commence à 14h30."),
        ("fr", "Version 1.2.2025 du logiciel, build 3.12.10."),
        ("en", "Regulation (EU) 2024/1689 applies to GPT-4o and iOS 18.5."),
        ("en", "Call +44 20 7946 0958 for 1.5 million details."),
        ("en", "The score was 10/12 with 3-2 votes."),
        ("de", "Die Verordnung (EU) 2024/1689 gilt; 1,5 Prozent Wachstum."),
    ],
)
def test_never_dates(lang, text):
    assert found_dates(text, lang, PUB) == []


# --------------------------------------------------------------------------- API contract


def test_unsupported_language_and_empty_text():
    assert find_dates("Den 21 juli 2025 i Stockholm.", "sv") == []  # no data file
    assert find_dates("Il 21 luglio 2025 a Roma.", "xx") == []
    assert find_dates("", "fr") == []


def test_longest_match_wins_and_results_are_sorted():
    text = "Le 21 juillet 2025, en 2025 et d'ici 2030, puis le 22/07/2025."
    assert [f[0] for f in found_dates(text, "fr", PUB)] == ["21 juillet 2025", "en 2025", "d'ici 2030", "22/07/2025"]


def test_offsets_with_non_ascii_spaces():
    text = "Signé\u00a0le\u00a021\u202fjuillet\u00a02025 par Bpifrance."
    (m,) = find_dates(text, "fr")
    assert (m.value, text[m.start:m.end]) == ("2025-07-21", m.text)


def test_dates_do_not_span_lines():
    assert found_dates("Rapport annuel de juillet\n2025 projets financés", "fr") == []

