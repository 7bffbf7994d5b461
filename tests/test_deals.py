"""Deal extraction on sentences in each language, from `Analysis` inputs built directly: the
entities (as NER and the KB would give them) are given, the amounts and dates come from the
real rules where the language has them, so only deal extraction is under test."""
from __future__ import annotations

import datetime as dt

import pytest

from nlp.amounts import find_amounts
from nlp.dates import find_dates
from nlp.deals import find_deals
from nlp.deals.lexicon import KINDS, DealLexiconError, _compile, available, lexicon
from nlp.types import AmountMention, Analysis, EntityMention

RULES = ("fr", "en", "de")  # languages with amount and date rules in nlp.amounts / nlp.dates


def analysis(lang: str, text: str, ents, money=(), published: str = "2025-07-21") -> Analysis:
    """`ents`: (surface, label) or (surface, label, canonical); `money` (only where the language
    has no amount rules): (surface, value, unit)."""
    seen: dict[str, int] = {}

    def find(surface: str) -> int:
        start = text.index(surface, seen.get(surface, 0))
        seen[surface] = start + 1
        return start

    entities = []
    for e in ents:
        surface, label = e[0], e[1]
        canonical = e[2] if len(e) > 2 else surface
        s = find(surface)
        entities.append(EntityMention(surface, label, canonical, s, s + len(surface)))
    on = dt.date.fromisoformat(published)
    if lang in RULES:
        amounts = find_amounts(text, lang, on)
        dates = find_dates(text, lang, on)
    else:
        amounts, dates = [], []
        for surface, value, unit in money:
            s = find(surface)
            amounts.append(AmountMention(surface, value, unit, "money", s, s + len(surface), value))
    an = Analysis(lang=lang, title=None, published=published, author=None, text=text,
                  entities=sorted(entities, key=lambda m: m.start), dates=dates, amounts=amounts)
    an.deals = find_deals(an)
    return an


def roles(deal) -> set[tuple[str, str]]:
    return {(p.canonical, p.role) for p in deal.parties}


def only(an: Analysis):
    assert len(an.deals) == 1, [d.to_json() for d in an.deals]
    return an.deals[0]


# -- English ------------------------------------------------------------------------------------------


def test_acquisition_with_its_amount():
    d = only(analysis("en", "AMD has agreed to acquire the Finnish lab Silo AI for $665m in cash.",
                      [("AMD", "ORG"), ("Silo AI", "ORG")]))
    assert d.kind == "acquisition" and d.status == "announced"
    assert roles(d) == {("AMD", "buyer"), ("Silo AI", "target")}
    assert d.amount is not None and d.amount.text == "$665m" and d.amount.unit == "USD"


def test_passive_acquisition_gives_the_agent_the_buyer_role():
    d = only(analysis("en", "Silo AI was acquired by AMD last year.", [("Silo AI", "ORG"), ("AMD", "ORG")]))
    assert roles(d) == {("AMD", "buyer"), ("Silo AI", "target")}


def test_round_with_lead_investor_and_the_round_amount_not_the_valuation():
    d = only(analysis("en", "Mistral AI raised €600m at a valuation of €5.8bn in a round led by General Catalyst.",
                      [("Mistral AI", "ORG"), ("General Catalyst", "ORG")]))
    assert d.kind == "investment"
    assert roles(d) == {("Mistral AI", "recipient"), ("General Catalyst", "investor")}
    assert d.amount.text == "€600m"


@pytest.mark.parametrize("text, ents", [
    ("OpenAI's annualised revenue passed $10bn in June.", [("OpenAI", "ORG")]),
    ("Anthropic was valued at $61.5bn after its latest funding round.", [("Anthropic", "ORG")]),
    ("The European market for AI services could reach $200bn by 2030, Gartner estimates.",
     [("Gartner", "ORG")]),
    ("Nvidia's market capitalisation topped $4tn as Microsoft invested heavily in chips.",
     [("Nvidia", "ORG"), ("Microsoft", "ORG")]),
])
def test_figures_that_are_no_deal_give_none(text, ents):
    assert analysis("en", text, ents).deals == []


def test_talks_are_reported_not_announced():
    d = only(analysis("en", "Meta is in talks to invest in Scale AI, a data labelling start-up.",
                      [("Meta", "ORG"), ("Scale AI", "ORG")]))
    assert d.kind == "investment" and d.status == "reported"
    assert roles(d) == {("Meta", "investor"), ("Scale AI", "recipient")}


def test_partnership_needs_two_organisations_not_the_signatories():
    d = only(analysis("en", "The UK government and OpenAI signed a memorandum of understanding on Monday.",
                      [("UK", "LOC", "Royaume-Uni"), ("OpenAI", "ORG")]))
    assert d.kind == "partnership" and roles(d) == {("Royaume-Uni", "partner"), ("OpenAI", "partner")}
    assert d.date.value == "2025-07-21"  # no date in the sentence: the publication day
    people = analysis("en", "The agreement was signed by Peter Kyle and Sam Altman.",
                      [("Peter Kyle", "PER"), ("Sam Altman", "PER")])
    assert people.deals == []


def test_a_government_funder_makes_public_funding():
    d = only(analysis("en", "UK Research and Innovation awarded £10m to the University of Cambridge.",
                      [("UK Research and Innovation", "ORG"), ("University of Cambridge", "ORG")]))
    assert d.kind == "public_funding"
    assert roles(d) == {("UK Research and Innovation", "funder"), ("University of Cambridge", "recipient")}
    private = only(analysis("en", "Microsoft will invest €4bn in France to expand its cloud.",
                            [("Microsoft", "ORG"), ("France", "LOC")]))
    assert private.kind == "investment" and roles(private) == {("Microsoft", "investor"), ("France", "place")}


def test_the_amount_is_the_one_tied_to_the_trigger():
    text = "The AI market is worth $200bn. OpenAI bought io for $6.5bn, while rivals spent $1bn on chips."
    d = only(analysis("en", text, [("OpenAI", "ORG"), ("io", "ORG")]))
    assert d.kind == "acquisition" and d.amount.text == "$6.5bn"
    assert text[d.start:d.end] == d.text and d.text.startswith("OpenAI bought io")


def test_opening_an_office_is_an_expansion():
    d = only(analysis("en", "OpenAI opened its first office in Paris on 9 October 2024.",
                      [("OpenAI", "ORG"), ("Paris", "LOC")]))
    assert d.kind == "expansion" and roles(d) == {("OpenAI", "investor"), ("Paris", "place")}
    assert (d.date.value, d.date.precision) == ("2024-10-09", "day")
    assert analysis("en", "OpenAI opened a new chapter in Paris.", [("OpenAI", "ORG"), ("Paris", "LOC")]).deals == []


# -- French --------------------------------------------------------------------------------------------


def test_french_partnership_and_public_funding():
    d = only(analysis("fr", "Le Royaume-Uni et OpenAI signent un protocole d'accord sur l'IA.",
                      [("Royaume-Uni", "LOC"), ("OpenAI", "ORG")]))
    assert d.kind == "partnership" and len(d.parties) == 2
    f = only(analysis("fr", "Bpifrance mobilise 25 M€ pour le programme IA Booster France 2030 destiné aux PME.",
                      [("Bpifrance", "ORG"), ("IA Booster France 2030", "PROG")]))
    assert f.kind == "public_funding" and f.amount.value == 25e6
    assert roles(f) == {("Bpifrance", "funder"), ("IA Booster France 2030", "recipient")}


def test_a_programmes_historical_budget_is_no_deal():
    text = ("France 2030, le plan de 54 milliards d'euros lancé par l'État en octobre 2021, "
            "finance l'innovation et la réindustrialisation.")
    assert analysis("fr", text, [("France 2030", "PROG"), ("État", "LOC")]).deals == []
    endowed = "Doté de 54 milliards d'euros en 2021, France 2030 finance l'innovation."
    assert analysis("fr", endowed, [("France 2030", "PROG")]).deals == []


def test_endowed_programme_funded_by_a_public_bank():
    d = only(analysis("fr", "Doté de 25 millions d'euros, le programme IA Booster France 2030 est opéré par "
                            "Bpifrance et financé par le plan d'investissement France 2030.",
                      [("IA Booster France 2030", "PROG"), ("Bpifrance", "ORG"), ("France 2030", "PROG")]))
    assert d.kind == "public_funding" and d.amount.text == "25 millions d'euros"
    assert ("IA Booster France 2030", "recipient") in roles(d) and ("Bpifrance", "funder") in roles(d)


def test_the_next_sentence_continues_the_deal():
    text = "Mistral AI a levé 600 millions d'euros. L'opération est menée par General Catalyst."
    d = only(analysis("fr", text, [("Mistral AI", "ORG"), ("General Catalyst", "ORG")]))
    assert roles(d) == {("Mistral AI", "recipient"), ("General Catalyst", "investor")}
    assert d.start == 0 and d.end == len(text)


def test_a_sentence_opening_on_the_company_takes_the_previous_subject():
    text = "Pigment a publié ses résultats. La société lève 145 millions de dollars auprès de Iconiq."
    d = only(analysis("fr", text, [("Pigment", "ORG"), ("Iconiq", "ORG")]))
    assert roles(d) == {("Pigment", "recipient"), ("Iconiq", "investor")}


def test_french_plans_are_reported():
    d = only(analysis("fr", "Brookfield prévoit d'investir 20 milliards d'euros en France.",
                      [("Brookfield", "ORG"), ("France", "LOC")]))
    assert d.status == "reported" and d.kind == "investment"


def test_a_stake_is_an_investment_not_a_takeover():
    d = only(analysis("fr", "Microsoft a acquis une participation de 15 millions d'euros dans Mistral AI.",
                      [("Microsoft", "ORG"), ("Mistral AI", "ORG")]))
    assert d.kind == "investment" and roles(d) == {("Microsoft", "investor"), ("Mistral AI", "recipient")}


# -- German, Spanish, Italian and the others ---------------------------------------------------------


def test_german_acquisition_expansion_and_verb_final_order():
    d = only(analysis("de", "SAP übernimmt WalkMe für 1,5 Milliarden Dollar.", [("SAP", "ORG"), ("WalkMe", "ORG")]))
    assert d.kind == "acquisition" and d.amount.value == 1.5e9 and roles(d) == {("SAP", "buyer"), ("WalkMe", "target")}
    late = only(analysis("de", "SAP hat Signavio im Januar übernommen.", [("SAP", "ORG"), ("Signavio", "ORG")]))
    assert roles(late) == {("SAP", "buyer"), ("Signavio", "target")}
    x = only(analysis("de", "OpenAI eröffnet ein Büro in München.", [("OpenAI", "ORG"), ("München", "LOC")]))
    assert x.kind == "expansion" and roles(x) == {("OpenAI", "investor"), ("München", "place")}
    assert analysis("de", "Der Umsatz von SAP stieg auf 9 Milliarden Euro.", [("SAP", "ORG")]).deals == []


def test_spanish_and_italian_from_the_lexicon():
    es = only(analysis("es", "Microsoft invertirá 1.950 millones de euros en España.",
                       [("Microsoft", "ORG"), ("España", "LOC")], [("1.950 millones de euros", 1.95e9, "EUR")]))
    assert es.kind == "investment" and roles(es) == {("Microsoft", "investor"), ("España", "place")}
    assert es.amount.value == 1.95e9
    it = only(analysis("it", "Capgemini acquisisce WNS per 3,3 miliardi di dollari.",
                       [("Capgemini", "ORG"), ("WNS", "ORG")], [("3,3 miliardi di dollari", 3.3e9, "USD")]))
    assert it.kind == "acquisition" and roles(it) == {("Capgemini", "buyer"), ("WNS", "target")}
    market = analysis("es", "El mercado español de la IA alcanzará 4.500 millones de euros.", [],
                      [("4.500 millones de euros", 4.5e9, "EUR")])
    assert market.deals == []


@pytest.mark.parametrize("lang, text, ents, kind", [
    ("nl", "Booking.com werkt samen met OpenAI aan een programma.", [("Booking.com", "ORG"), ("OpenAI", "ORG")],
     "partnership"),
    ("pt", "A Microsoft abre um escritório em Lisboa.", [("Microsoft", "ORG"), ("Lisboa", "LOC")], "expansion"),
    ("pl", "Nvidia przejmuje spółkę Run:ai.", [("Nvidia", "ORG"), ("Run:ai", "ORG")], "acquisition"),
])
def test_the_other_languages_have_lexicons(lang, text, ents, kind):
    assert only(analysis(lang, text, ents)).kind == kind


# -- contract and data ---------------------------------------------------------------------------------


def test_json_contract_of_a_deal():
    an = analysis("en", "AMD has agreed to acquire Silo AI for $665m.", [("AMD", "ORG"), ("Silo AI", "ORG")])
    out = an.to_json()["deals"]
    assert list(out[0]) == ["kind", "status", "parties", "amount", "date", "text", "start", "end"]
    assert out[0]["parties"][0] == {"name": "AMD", "canonical": "AMD", "role": "buyer"}
    assert set(out[0]["amount"]) == {"text", "value", "unit", "eur"} and set(out[0]["date"]) == {"value", "precision"}
    assert Analysis(lang="en", title=None, published=None, author=None, text="").to_json()["deals"] == []


def test_every_language_file_has_every_kind_and_bad_data_is_refused():
    assert {"fr", "en", "de", "es", "it", "nl", "pt", "pl"} <= set(available())
    for code in available():
        lex = lexicon(code)
        assert {t.kind for t in lex.triggers} == set(KINDS), code
    with pytest.raises(DealLexiconError):
        _compile("xx", {"kinds": {"merger": {"noun": ["merger"]}}})
    with pytest.raises(DealLexiconError):
        _compile("xx", {"kinds": {"acquisition": {"adverb": ["quickly"]}}})
    assert lexicon("sv") is None and find_deals(Analysis(lang="sv", title=None, published=None, author=None,
                                                         text="Spotify köper X.")) == []


# -- names the model missed, everyday verbs, general news ------------------------------------------


def test_a_target_the_model_missed_is_taken_from_the_verbs_object():
    d = only(analysis("en", "Google agreed to buy the cloud security company Wiz for $32bn.", [("Google", "ORG")]))
    assert roles(d) == {("Google", "buyer"), ("Wiz", "target")} and d.amount.text == "$32bn"
    de = only(analysis("de", "Nvidia übernimmt das israelische Start-up Run:ai für rund 700 Millionen Dollar.",
                       [("Nvidia", "ORG")]))
    assert roles(de) == {("Nvidia", "buyer"), ("Run:ai", "target")}
    # a German common noun after its article is no name
    assert analysis("de", "SAP übernimmt das Unternehmen.", [("SAP", "ORG")]).deals == []


def test_a_partner_the_model_missed_is_taken_from_the_coordination():
    d = only(analysis("en", "Nscale and Aker formed a joint venture in Norway.", [("Nscale", "ORG"), ("Norway", "LOC")]))
    assert d.kind == "partnership" and roles(d) == {("Nscale", "partner"), ("Aker", "partner")}


@pytest.mark.parametrize("text, ents", [
    ("McNally added that it may take years for western oil companies to commit to Venezuela.",
     [("McNally", "PER"), ("Venezuela", "LOC")]),
    ("Alibaba shares closed in New York on Tuesday at $185.25, up 0.35%.", [("Alibaba", "ORG"), ("New York", "LOC")]),
    ("Cleveland also received a one-game suspension, and both teams received $250,000 fines.", [("Cleveland", "ORG")]),
    ("Spain will be back in action on Wednesday against defending champion Croatia.",
     [("Spain", "LOC"), ("Croatia", "LOC")]),
    ("He spoke to an analyst at Danish investment company Saxo Bank.", [("Danish", "LOC"), ("Saxo Bank", "ORG")]),
    ("U.S. consumers may choose to buy fewer Chinese goods, hurting China's economy.",
     [("U.S.", "LOC"), ("China", "LOC")]),
    ("You may look at potential subsidies through the Affordable Care Act marketplace.",
     [("Affordable Care Act", "MISC")]),
])
def test_everyday_uses_of_deal_words_give_no_deal(text, ents):
    assert analysis("en", text, ents).deals == []


def test_a_money_verb_needs_its_amount_and_a_rumour_anywhere_makes_it_reported():
    d = only(analysis("en", "SoftBank agreed to inject $6.5 billion into WeWork.", [("SoftBank", "ORG"), ("WeWork", "ORG")]))
    assert d.kind == "investment" and roles(d) == {("SoftBank", "investor"), ("WeWork", "recipient")}
    r = only(analysis("en", "The European Investment Bank will lend €500m to Mistral AI, according to people "
                            "familiar with the matter.", [("European Investment Bank", "ORG"), ("Mistral AI", "ORG")]))
    assert r.kind == "public_funding" and r.status == "reported"


def test_a_running_total_without_recipient_is_no_deal():
    text = "Since 2021, France 2030 has financed thousands of projects with €30bn."
    assert analysis("en", text, [("France 2030", "PROG")]).deals == []
    fr = "Depuis 2021, France 2030 a financé des milliers de projets à hauteur de 30 milliards d'euros."
    assert analysis("fr", fr, [("France 2030", "PROG")]).deals == []


def test_an_openings_place_the_model_missed_is_taken_after_its_preposition():
    d = only(analysis("es", "Anthropic abrirá una oficina en París y otra en Múnich.", [("Anthropic", "ORG")]))
    assert d.kind == "expansion" and {(p.name, p.role) for p in d.parties} == {("Anthropic", "investor"),
                                                                                ("París", "place")}


def test_a_bare_year_dates_an_old_opening():
    d = only(analysis("de", "OpenAI hat 2023 in London sein erstes Büro eröffnet.", [("OpenAI", "ORG"), ("London", "LOC")]))
    assert d.kind == "expansion" and (d.date.value, d.date.precision) == ("2023", "year")


def test_a_year_inside_a_name_or_ahead_is_no_date_of_the_deal():
    d = only(analysis("fr", "Bpifrance mobilise 25 M€ pour le programme IA Booster France 2030.",
                      [("Bpifrance", "ORG"), ("IA Booster France 2030", "PROG")]))
    assert (d.date.value, d.date.precision) == ("2025-07-21", "day")  # the publication day


@pytest.mark.parametrize("lang, text", [
    ("fr", "OpenAI et Booking.com lancent un programme pour former les PME à l'IA."),
    ("en", "OpenAI and Booking.com launch an accelerator for small businesses."),
    ("es", "OpenAI y Booking.com lanzan un programa para formar a las pymes."),
    ("it", "OpenAI e Booking.com lanciano un programma per le piccole imprese."),
    ("pt", "OpenAI e Booking.com lançam um programa para pequenas empresas."),
])
def test_two_companies_launching_a_programme_together_are_partners(lang, text):
    d = only(analysis(lang, text, [("OpenAI", "ORG"), ("Booking.com", "ORG")]))
    assert d.kind == "partnership" and roles(d) == {("OpenAI", "partner"), ("Booking.com", "partner")}


def test_one_company_launching_a_programme_is_no_partnership():
    an = analysis("fr", "OpenAI lance un programme pour former les PME à l'IA.", [("OpenAI", "ORG")])
    assert an.deals == []
    plural = analysis("fr", "Les chercheurs de l'Inria lancent un appel à contributions.", [("Inria", "ORG")])
    assert [d.kind for d in plural.deals] != ["partnership"]
