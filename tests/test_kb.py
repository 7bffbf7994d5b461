"""Knowledge base (nlp.kb): packaged data, normalisation, lookups across languages,
acronym pairs, ruler patterns and user additions. No spaCy model is loaded here."""
from __future__ import annotations

import json
from importlib import resources

import pytest

from nlp.acronyms import acronym_pairs
from nlp.kb import Entry, KnowledgeBase, default_kb, normalise, surface_variants


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


# --------------------------------------------------------------------------- packaged data


def test_packaged_file_is_valid_jsonl_with_unique_ids():
    raw = resources.files("nlp").joinpath("data/kb.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in raw.splitlines() if line.strip()]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert len(rows) >= 250
    for r in rows:
        assert r["type"] in {"PER", "ORG", "LOC", "PROG", "MISC"}, r
        assert r["name"].strip() and r["description"].strip(), r
        assert isinstance(r.get("aliases", []), list), r


def test_every_alias_points_back_to_its_entry(kb):
    clashes = []
    for e in kb.entries:
        for alias in e.surface_forms():
            found = kb.lookup(alias)
            if found is None or found.id != e.id:
                clashes.append((alias, e.id, found and found.id))
    assert not clashes  # an alias shared by two entities would link arbitrarily


@pytest.mark.parametrize("entity_id, type_", [
    ("openai", "ORG"), ("mistral-ai", "ORG"), ("dsit", "ORG"), ("bpifrance", "ORG"), ("eurohpc", "ORG"),
    ("ia-booster", "PROG"), ("ai-act", "PROG"), ("ai-growth-zones", "PROG"), ("stargate", "PROG"),
    ("sam-altman", "PER"), ("ursula-von-der-leyen", "PER"), ("henna-virkkunen", "PER"),
    ("paris", "LOC"), ("brussels", "LOC"), ("elysee", "ORG"), ("chatgpt", "MISC"),
])
def test_core_actors_are_present(kb, entity_id, type_):
    assert kb.get(entity_id) is not None and kb.get(entity_id).type == type_


def test_default_is_cached():
    assert default_kb() is default_kb() is KnowledgeBase.default()


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize("a, b", [
    ("Élysée", "ELYSEE"),
    ("l’Économie", "l'economie"),
    ("Royaume-Uni", "royaume uni"),
    ("Royaume–Uni", "Royaume Uni"),
    ("  Open   AI ", "open ai"),
    ("«OpenAI»", "openai"),
    ("Straße", "strasse"),
])
def test_normalise_equates_spelling_variants(a, b):
    assert normalise(a) == normalise(b)


# --------------------------------------------------------------------------- lookups


@pytest.mark.parametrize("entity_id, forms", [
    ("dsit", ["DSIT", "Department for Science, Innovation and Technology",
              "ministère britannique de la Science, de l'Innovation et de la Technologie",
              "ministère britannique de la Science, de l’Innovation et de la Technologie"]),
    ("eu", ["UE", "EU", "Union européenne", "union europeenne", "European Union", "Europäische Union"]),
    ("elysee", ["Élysée", "Elysée", "Elysee", "Palais de l'Élysée"]),
    ("uk", ["Royaume-Uni", "UK", "United Kingdom", "Grande-Bretagne", "Vereinigtes Königreich"]),
    ("germany", ["Allemagne", "Germany", "Deutschland"]),
    ("brussels", ["Bruxelles", "Brussels", "Brüssel"]),
    ("ai-act", ["AI Act", "règlement sur l'IA", "règlement (UE) 2024/1689", "KI-Verordnung"]),
    ("openai", ["OpenAI", "Open AI", "openai"]),
    ("gdpr", ["RGPD", "GDPR", "DSGVO"]),
])
def test_lookup_across_languages(kb, entity_id, forms):
    for form in forms:
        entry = kb.lookup(form)
        assert entry is not None and entry.id == entity_id, form


def test_acronyms_match_only_in_their_case(kb):
    assert kb.lookup("US").id == "usa"
    assert kb.lookup("us") is None
    assert kb.lookup("Ue") is None
    assert kb.lookup("dsit") is None


def test_language_specific_aliases_link_but_stay_out_of_other_rulers(kb):
    assert kb.lookup("UN").id == "un"
    en = {p["pattern"] for p in kb.ruler_patterns("en") if p["id"] == "un"}
    fr = {p["pattern"] for p in kb.ruler_patterns("fr") if p["id"] == "un"}
    assert "UN" in en and "UN" not in fr  # "UN" is a French word in all-caps headlines


def test_surname_and_fuzzy_lookups(kb):
    assert kb.lookup_surname("Virkkunen").id == "henna-virkkunen"
    assert kb.lookup_surname("Nobody") is None
    assert kb.fuzzy("Hugging Faces").id == "hugging-face"
    assert kb.fuzzy("Sarah Friarr").id == "sarah-friar"
    assert kb.fuzzy("Orage") is None  # short strings are never guessed
    assert kb.fuzzy("Mistral IA") is None  # too far from "Mistral AI" for a conservative match


# --------------------------------------------------------------------------- acronym pairs


@pytest.mark.parametrize("text, pair", [
    ("The Department for Science, Innovation and Technology (DSIT) said on Monday.",
     ("DSIT", "Department for Science, Innovation and Technology")),
    ("DSIT (Department for Science, Innovation and Technology) said.",
     ("DSIT", "Department for Science, Innovation and Technology")),
    ("selon l'Organisation mondiale du commerce (OMC), les droits",
     ("OMC", "Organisation mondiale du commerce")),
    ("selon l’Agence nationale de la recherche (ANR).", ("ANR", "Agence nationale de la recherche")),
    ("Die Bundesnetzagentur (BNetzA) prüft.", ("BNetzA", "Bundesnetzagentur")),
    ("das Bundesministerium für Digitales und Verkehr (BMDV) teilte mit",
     ("BMDV", "Bundesministerium für Digitales und Verkehr")),
])
def test_acronym_pairs(text, pair):
    assert pair in acronym_pairs(text)


@pytest.mark.parametrize("text", [
    "Le document (PDF) est en ligne.",
    "20 000 PME (petites entreprises) sont visées.",
    "OpenAI (USA) a annoncé",
    "Il a parlé longtemps de beaucoup de choses (IA).",
])
def test_no_acronym_pair_without_a_matching_expansion(text):
    assert acronym_pairs(text) == []


# --------------------------------------------------------------------------- ruler patterns


def test_ruler_patterns_have_ids_labels_and_case_variants(kb):
    patterns = kb.ruler_patterns("fr")
    by_id: dict[str, set[str]] = {}
    for p in patterns:
        assert set(p) == {"label", "pattern", "id"}
        assert p["label"] == kb.get(p["id"]).type
        by_id.setdefault(p["id"], set()).add(p["pattern"])
    eu = by_id["eu"]
    assert {"Union européenne", "union européenne", "UNION EUROPÉENNE", "Union Européenne", "EU", "UE"} <= eu
    assert not {"eu", "ue", "Ue"} & eu  # acronyms: exact case only
    assert "Elysée" in by_id["elysee"] and "ELYSEE" in by_id["elysee"]
    assert "orange" not in by_id["orange"]  # one-word names get no lower-case variant
    assert "claude" not in by_id  # ruler=False: linked when found, never forced
    assert any("’" in p for p in by_id["ministere-economie"])


def test_surface_variants():
    v = surface_variants("Royaume-Uni")
    assert {"Royaume-Uni", "Royaume Uni", "royaume-uni", "ROYAUME-UNI"} <= set(v)
    assert surface_variants("DSIT", exact=True) == ["DSIT"]
    assert "GPT 4" not in surface_variants("GPT-4")


# --------------------------------------------------------------------------- user additions


def test_add_and_add_alias_round_trip(tmp_path):
    kb = KnowledgeBase([Entry("openai", "OpenAI", "ORG", ["Open AI"], description="x")])
    e = kb.add("Quantalis", "ORG", ["Quantalis SAS"], country="FR")
    assert e.id == "quantalis" and kb.lookup("quantalis sas").id == "quantalis"
    kb.add_alias("OpenAI", "OAI Labs")
    kb.add_alias("openai", "ChatGPT-Macher", lang="de")
    assert kb.lookup("oai labs").id == "openai"
    assert any(p["pattern"] == "ChatGPT-Macher" for p in kb.ruler_patterns("de"))
    assert not any(p["pattern"] == "ChatGPT-Macher" for p in kb.ruler_patterns("fr"))
    with pytest.raises(KeyError):
        kb.add_alias("Nobody Inc", "NB")
    with pytest.raises(ValueError):
        kb.add("Thing", "COMPANY")

    user = tmp_path / "user_kb.jsonl"
    kb.save_user(user)
    reloaded = KnowledgeBase.load(user)
    assert reloaded.lookup("Quantalis SAS").id == "quantalis"
    assert reloaded.lookup("OAI Labs").id == "openai"
    assert reloaded.lookup("Open-AI").id == "openai"  # packaged aliases are kept
    assert len(reloaded) == len(KnowledgeBase.load()) + 1


def test_user_file_line_with_known_id_only_adds_aliases(tmp_path):
    user = tmp_path / "extra.jsonl"
    user.write_text('{"id": "bpifrance", "aliases": ["la BPI"]}\n# comment\n\nnot json\n', encoding="utf-8")
    kb = KnowledgeBase.load(user, tmp_path / "missing.jsonl")
    e = kb.lookup("la BPI")
    assert e.id == "bpifrance" and e.name == "Bpifrance" and kb.lookup("BPI France").id == "bpifrance"


def test_display_names_survive_a_round_trip_through_the_user_file(tmp_path):
    from nlp.kb import KnowledgeBase

    kb = KnowledgeBase.load()
    e = kb.add("Agence de l'innovation de défense", "ORG", ["AID"], id="aid-test")
    e.names["en"] = "Defence Innovation Agency"
    kb.save_user(tmp_path / "u.jsonl")
    again = KnowledgeBase.load(tmp_path / "u.jsonl")
    assert again.get("aid-test").display("en") == "Defence Innovation Agency"
    assert again.get("uk").display("en") == "United Kingdom" and again.get("uk").display("de") == "Royaume-Uni"


# --------------------------------------------------------------------------- the grown base


def test_packaged_base_covers_european_news_actors(kb):
    rows = kb.entries
    assert len(rows) >= 1200
    countries = {e.country for e in rows if e.type == "ORG"}
    assert {"FR", "DE", "ES", "IT", "NL", "PT", "PL", "GB", "EU", "US", "CN", "JP"} <= countries
    for e in rows:
        assert len(e.description) <= 140, e.id  # one line, not an article
        assert e.country is None or (len(e.country) == 2 and e.country.isupper()), e.id


@pytest.mark.parametrize("form, entity_id", [
    ("SNCF", "sncf"), ("CGT", "cgt"), ("Insee", "insee"), ("INSEE", "insee"), ("AFP", "afp"),
    ("OMS", "who"), ("Organisation mondiale de la santé", "who"), ("Bundeskartellamt", "bundeskartellamt"),
    ("Agencia Española de Protección de Datos", "aepd"), ("Agcom", "agcom"),
    ("Autoriteit Persoonsgegevens", "ap-nl"), ("UODO", "uodo"), ("Cour des comptes européenne", "court-of-auditors"),
    ("Parquet européen", "eppo"), ("Force ouvrière", "fo"), ("Rassemblement national", "rn"),
])
def test_news_organisations_link_in_their_usual_forms(kb, form, entity_id):
    entry = kb.lookup(form)
    assert entry is not None and entry.id == entity_id and entry.type == "ORG", form


def test_acronyms_that_are_words_elsewhere_stay_in_their_language(kb):
    # "PS" is the French Socialist party, a postscript in English; "HAS" a French authority
    assert "PS" in {p["pattern"] for p in kb.ruler_patterns("fr") if p["id"] == "ps-fr"}
    assert "PS" not in {p["pattern"] for p in kb.ruler_patterns("en") if p["id"] == "ps-fr"}
    assert not [p for p in kb.ruler_patterns("en") if p["pattern"] == "HAS"]


def test_titles_made_of_common_words_match_only_as_written(kb):
    patterns = {p["pattern"] for p in kb.ruler_patterns("fr") if p["id"] == "le-monde"}
    assert "Le Monde" in patterns and "le monde" not in patterns and "LE MONDE" not in patterns
