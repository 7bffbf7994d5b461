"""Watch topics: configuration, keyword and embedding scores, marks stored by enrichment."""
import numpy as np
import pytest

from nlp.language import ANALYSED
from nlp.topics import (
    DEFAULT_TOPICS,
    ON_TOPIC,
    TopicError,
    TopicScorer,
    keyword_score,
    parse_topics,
    rescale_similarity,
)

PARTNERSHIP_FR = ("Le Royaume-Uni et OpenAI signent un protocole d'accord",
                  "Le ministère britannique de la Science a signé avec OpenAI un partenariat pour déployer "
                  "des outils d'intelligence artificielle dans les services publics et investir dans les "
                  "centres de données du pays.")
PROGRAMME_EN = ("Bpifrance opens IA Booster to small firms",
                "The French public bank Bpifrance runs IA Booster, a programme of the France 2030 plan that "
                "helps SMEs adopt artificial intelligence with diagnostics, experts and grants.")
# about AI but without one of the topics' keywords: only the encoder can place it
PARAPHRASE_EN = ("British ministry and American AI lab sign a deal",
                 "A British ministry and an American artificial intelligence lab signed a deal to bring "
                 "chatbots to civil servants; the two sides put their pledges in writing this week.")
CYCLING_FR = ("Tour de France : l'étape de Montmartre",
              "Les coureurs ont grimpé la butte Montmartre sous les applaudissements avant l'arrivée sur les "
              "Champs-Élysées, où le maillot jaune a conservé son avance.")


def test_defaults_cover_the_five_watch_topics_in_french_and_english():
    assert [t.name for t in parse_topics(None)] == ["ai-partnerships", "ai-policy", "funding", "compute",
                                                    "public-programmes"]
    assert all(t.descriptions["fr"] and t.descriptions["en"] and t.keywords for t in DEFAULT_TOPICS)


def test_every_default_topic_has_a_label_descriptions_and_keywords_in_every_analysed_language():
    # what nlp/data/topics.toml must hold for a language: a ninth analysed language fails here until
    # each topic has its block
    for topic in DEFAULT_TOPICS:
        for lang in ANALYSED:
            assert topic.label.get(lang) and topic.descriptions.get(lang) and topic.keywords.get(lang), (topic.name, lang)


def test_configured_topics_replace_the_defaults():
    topics = parse_topics([{"name": "quantum", "keywords": ["quantique", "qubit"],
                            "description_fr": "Informatique quantique", "label": "Quantique"}])
    assert [t.name for t in topics] == ["quantum"] and topics[0].descriptions == {"fr": ("Informatique quantique",)}


@pytest.mark.parametrize("items,message", [
    ([{"keywords": ["x"]}], "'name' is required"),
    ([{"name": "a", "keywords": ["x"]}, {"name": "a", "keywords": ["y"]}], "defined twice"),
    ([{"name": "a", "keywords": "x"}], "list of strings"),
    ([{"name": "a"}], "description or keywords"),
    ([{"name": "a", "keywords": ["x"], "weight": 2}], "unknown keys weight"),
    ([{"name": "a", "description": 3}], "string or a list"),
    ([{"name": "a", "description_xx": "x"}], "unknown keys description_xx"),
    ([{"name": "a", "keywords_de": "Quanten"}], "keywords_de must be a list"),
    (["a"], "expected a table"),
])
def test_bad_topic_tables_are_clear_errors(items, message):
    with pytest.raises(TopicError, match=message):
        parse_topics(items)


def test_keyword_score_saturates_and_title_hits_weigh_double():
    assert keyword_score(0, 0) == 0
    assert keyword_score(2, 0) == pytest.approx(0.5)
    assert keyword_score(0, 1) == keyword_score(2, 0)
    assert keyword_score(10, 3) < 1
    assert rescale_similarity(0.0) == 0 and rescale_similarity(0.9) == 1


def test_keywords_only_scoring_ranks_the_right_topic_and_marks_off_topic():
    scorer = TopicScorer()
    fr, prog, cycling = scorer.score(*zip(PARTNERSHIP_FR, PROGRAMME_EN, CYCLING_FR))
    assert fr.scores[0].topic == "ai-partnerships" and "protocole d'accord" in fr.scores[0].keywords
    assert prog.scores[0].topic == "public-programmes" and prog.on_topic
    assert not cycling.on_topic and cycling.relevance < 0.2
    assert [s.score for s in fr.scores] == sorted((s.score for s in fr.scores), reverse=True)


def test_acronym_keywords_match_case_exactly_and_whole_words():
    scorer = TopicScorer(parse_topics([{"name": "chips", "keywords": ["GPU", "puces"]}]))
    hit, miss = scorer.score(["", ""], ["Nvidia livre des GPU et des puces.", "Le gpuzzle et les épuces."])
    assert hit.scores[0].keywords == ["GPU", "puces"]
    assert miss.scores[0].keywords == []


def test_mismatched_inputs_and_empty_topics_are_errors():
    with pytest.raises(ValueError):
        TopicScorer().score(["a"], [])
    with pytest.raises(TopicError):
        TopicScorer([])


@pytest.fixture(scope="module")
def use_scorer():
    from nlp.embed import get_encoder

    return TopicScorer(embed=get_encoder("use").encode)


@pytest.mark.slow  # the real multilingual encoder is the point
def test_embeddings_place_a_paraphrase_without_keywords(use_scorer):
    kw_only = TopicScorer().score([PARAPHRASE_EN[0]], [PARAPHRASE_EN[1]])[0]
    with_emb, cycling = use_scorer.score(*zip(PARAPHRASE_EN, CYCLING_FR))
    # no keyword at all: only the encoder sees what it is about, and ranks it above the cycling story
    assert kw_only.relevance == 0 and cycling.relevance < with_emb.relevance
    assert with_emb.scores[0].topic == "ai-partnerships" and with_emb.scores[0].similarity > 0.3
    assert not cycling.on_topic and cycling.scores[0].similarity < 0.3


def test_enrichment_stores_scores_and_marks_off_topic_articles_without_dropping_them(store, fake_encoder):
    from crawler.enrich import enrich
    from db.store import NewArticle
    from nlp.analyze import Analyzer
    from nlp.dedup import content_hash

    for n, (title, text) in enumerate([PARTNERSHIP_FR, CYCLING_FR]):
        body = text + " " + text  # long enough to be analysed
        url = f"https://site.example/{n}"
        store.add_article(NewArticle(url=url, canonical_url=url, url_key=url[8:], source="S", title=title,
                                     text=body, published="2025-07-22", author=None, lang="fr",
                                     content_hash=content_hash(body)))
    analyzer = Analyzer(size="sm")
    scorer = TopicScorer(embed=fake_encoder.encode)  # what is stored is the point, not the vectors
    for redo in (False, True):  # a second pass replaces the scores, never adds rows
        enrich(store, analyzer, redo=redo, topics=scorer)
        rows = store.db.execute("SELECT title, on_topic, relevance FROM articles ORDER BY id").fetchall()
        assert [(r[0], r[1]) for r in rows] == [(PARTNERSHIP_FR[0], 1), (CYCLING_FR[0], 0)]
        assert store.db.execute("SELECT count(*) FROM article_topics").fetchone()[0] == 2 * len(DEFAULT_TOPICS)
    best = store.db.execute("SELECT topic FROM article_topics WHERE article_id = 1 ORDER BY score DESC").fetchone()
    assert best[0] == "ai-partnerships"


def test_enrichment_caches_the_vectors_the_brief_reads(store, fake_embeddings):
    """Topic scoring embeds each article once, under the key the weekly brief looks up."""
    from crawler.enrich import enrich, topic_stage
    from db.store import NewArticle
    from nlp.analyze import Analyzer
    from nlp.dedup import content_hash
    from nlp.embed import article_text, text_key

    title, text = PARTNERSHIP_FR
    store.add_article(NewArticle(url="https://s.example/a", canonical_url="https://s.example/a", url_key="s.example/a",
                                 source="S", title=title, text=text, published="2025-07-22", author=None, lang="fr",
                                 content_hash=content_hash(text)))
    enrich(store, Analyzer(size="sm"), topics=topic_stage(store))
    keys = {r[0] for r in store.db.execute("SELECT content_hash FROM embeddings")}
    assert text_key(article_text(title, text)) in keys  # besides the topics' description sentences


def test_configured_topic_reaches_veille_analyze_and_a_bad_one_is_one_clear_line(tmp_path, fake_embeddings):
    import json

    from click.testing import CliRunner

    from crawler.cli import main

    cfg = tmp_path / "veille.toml"
    cfg.write_text('model_size = "sm"\nembedding = "use"\n[[topic]]\nname = "quantum"\n'
                   'keywords = ["quantique", "qubits"]\ndescription_fr = "Informatique quantique"\n', "utf-8")
    doc = tmp_path / "a.txt"
    doc.write_text("Pasqal annonce un ordinateur quantique de 1 000 qubits, financé par l'État.", "utf-8")
    res = CliRunner().invoke(main, ["--config", str(cfg), "analyze", str(doc), "--json"], catch_exceptions=False)
    data = json.loads(res.output)
    assert list(data["topics"]) == ["quantum"] and data["on_topic"] is True
    cfg.write_text('[[topic]]\nname = "quantum"\n', "utf-8")
    res = CliRunner().invoke(main, ["--config", str(cfg), "analyze", str(doc)])
    assert res.exit_code != 0 and "give a description or keywords" in res.output and "Traceback" not in res.output


def test_veille_enrich_json_reports_topics_promotions_and_votes(tmp_path, fake_embeddings):
    import json

    from click.testing import CliRunner

    from crawler.cli import main
    from db.store import NewArticle, Store
    from nlp.dedup import content_hash

    db = str(tmp_path / "v.db")
    store = Store(db)
    for n, (title, text) in enumerate([PARTNERSHIP_FR, CYCLING_FR, PROGRAMME_EN]):
        url = f"https://site{n}.example/a"
        store.add_article(NewArticle(url=url, canonical_url=url, url_key=url[8:], source=f"S{n}", title=title,
                                     text=text, published="2025-07-22", author=None, lang=None,
                                     content_hash=content_hash(text)))
    store.close()
    cfg = tmp_path / "veille.toml"
    cfg.write_text('model_size = "sm"\n', "utf-8")
    res = CliRunner().invoke(main, ["--config", str(cfg), "enrich", "--db", db, "--json"], catch_exceptions=False)
    report = json.loads(res.output.strip().splitlines()[-1])
    assert report["analysed"] == 3 and report["on_topic"] == 2
    assert set(report) == {"analysed", "on_topic", "promoted", "relabelled"}
    res = CliRunner().invoke(main, ["--config", str(cfg), "enrich", "--db", db], catch_exceptions=False)
    assert "analysed 0 article(s)" in res.output


# ------------------------------------------------------------------ languages
def _score_one(scorer, title, text, lang):
    return scorer.score([title], [text], langs=[lang])[0]


def _found(result) -> set[str]:
    return {k for s in result.scores for k in s.keywords}


def test_a_keyword_fires_only_in_articles_of_its_language():
    scorer = TopicScorer()
    # Dutch "wet" (law) is a policy keyword; in English it is the weather
    rain = ("A wet weekend ahead", "Heavy rain moves across the north, and Monday stays wet and windy.")
    assert "wet" not in _found(_score_one(scorer, *rain, "en"))
    assert "wet" in _found(_score_one(scorer, "De nieuwe wet gaat in", "Het kabinet stuurt de wet naar de Kamer.", "nl"))
    # French "lève" (raises money) is Portuguese "leve" (light) once accents are dropped
    lunch = ("Um almoço leve", "Um prato leve de verão: salada de grão e peixe grelhado.")
    assert "lève" not in _found(_score_one(scorer, *lunch, "pt"))
    # an English keyword inside a Polish article: "plan" is a timetable here
    school = ("Nowy plan lekcji", "Uczniowie dostaną nowy plan lekcji po feriach, a szkoła zmieni plan dyżurów.")
    assert "plan" not in _found(_score_one(scorer, *school, "pl"))
    assert "plan" in _found(_score_one(scorer, *school, "en"))  # the language, not the word, kept it out


def test_names_fire_in_every_language_and_an_unlisted_language_falls_back_to_english():
    scorer = TopicScorer()
    pl = _score_one(scorer, "Nvidia w Polsce", "Firma dostarczy procesory GPU do nowego centrum danych.", "pl")
    assert {"Nvidia", "GPU", "centrum danych"} <= set(next(s for s in pl.scores if s.topic == "compute").keywords)
    sv = _score_one(scorer, "Ny datacenter", "Bolaget bygger ett nytt data center med supercomputer.", "sv")
    assert {"data center", "supercomputer"} <= _found(sv)


def test_the_language_is_detected_when_the_caller_does_not_give_it():
    result = TopicScorer().score(["Neue Finanzierungsrunde für ein Kölner KI-Start-up"],
                                 ["Das Unternehmen hat von Investoren 40 Millionen Euro erhalten, die Bewertung "
                                  "steigt auf eine Milliarde."])[0]
    assert result.scores[0].topic == "funding" and {"Finanzierungsrunde", "Investoren", "Bewertung"} <= _found(result)


class _MarkerEncoder:
    """Deterministic stand-in for the sentence encoder: a text's vector is the one-hot of the
    first marker word it contains, so which descriptions an article meets decides its similarity."""

    MARKERS = ("alpha", "beta", "gamma")

    def __call__(self, texts):
        out = np.zeros((len(texts), len(self.MARKERS) + 1), dtype=np.float32)
        for i, t in enumerate(texts):
            hit = [n for n, m in enumerate(self.MARKERS) if m in t.lower()]
            out[i, hit[0] if hit else len(self.MARKERS)] = 1.0
        return out


def test_configured_description_de_is_what_a_german_article_is_compared_with():
    topics = parse_topics([{"name": "quantum", "description_fr": "alpha", "description_de": ["beta"],
                            "keywords_de": ["Quantencomputer"], "keywords": ["qubits"]}])
    assert topics[0].descriptions == {"fr": ("alpha",), "de": ("beta",)}
    scorer = TopicScorer(topics, embed=_MarkerEncoder())
    de_beta, de_alpha, fr_alpha, sv_alpha = scorer.score(
        ["", "", "", ""], ["beta Quantencomputer", "alpha", "alpha Quantencomputer", "alpha qubits"],
        langs=["de", "de", "fr", "sv"])
    assert de_beta.scores[0].similarity == 1 and de_beta.scores[0].keywords == ["Quantencomputer"]
    assert de_alpha.scores[0].similarity == 0  # the French description is not a German article's
    assert fr_alpha.scores[0].similarity == 1 and fr_alpha.scores[0].keywords == []  # keywords_de: German only
    # a language the topic has no description for, nor English: every description counts
    assert sv_alpha.scores[0].similarity == 1 and sv_alpha.scores[0].keywords == ["qubits"]


# one on-topic lead and one off-topic lead per newly analysed language (written for these tests;
# the benchmark's labelled set is separate)
LEADS = {
    "de": (("Großbritannien und OpenAI unterzeichnen Absichtserklärung",
            "Das britische Technologieministerium und OpenAI wollen KI-Werkzeuge in Behörden erproben; OpenAI "
            "prüft zudem Investitionen in Rechenzentren im Vereinigten Königreich."),
           ("Hertha gewinnt das Derby gegen Union", "Vor ausverkauftem Haus entschied ein Kopfball in der "
            "Nachspielzeit das Berliner Stadtduell.")),
    "es": (("OpenAI y Booking.com lanzan un programa de IA para pymes europeas",
            "El acelerador formará a 20.000 pequeñas y medianas empresas de seis países en el uso de la "
            "inteligencia artificial, con talleres gratuitos y créditos para las herramientas."),
           ("Lluvias torrenciales en Valencia", "La AEMET mantiene el aviso rojo en el litoral y recomienda no "
            "circular por carretera hasta el mediodía.")),
    "it": (("Mistral AI apre un centro di calcolo a Milano",
            "La società francese investirà centinaia di milioni di euro in un data center con migliaia di chip "
            "Nvidia per addestrare modelli di intelligenza artificiale in Italia."),
           ("La Juventus pareggia a Bergamo", "Un gol nel finale ha fermato la corsa dei bianconeri, ora a due "
            "punti dalla vetta.")),
    "nl": (("Kabinet trekt geld uit voor AI in het mkb",
            "Het ministerie van Economische Zaken opent een subsidieregeling waarmee kleine bedrijven kunstmatige "
            "intelligentie kunnen invoeren, met advies en steun voor de eerste projecten."),
           ("Ajax wint ruim van Heerenveen", "De Amsterdammers scoorden vier keer in de tweede helft en staan "
            "weer bovenaan in de Eredivisie.")),
    "pt": (("Startup portuguesa de IA capta 30 milhões de euros",
            "A ronda de financiamento foi liderada por um fundo de capital de risco europeu; a empresa quer "
            "levar os seus agentes de inteligência artificial a bancos e seguradoras."),
           ("Benfica vence o dérbi da capital", "Os encarnados marcaram duas vezes na primeira parte e seguem "
            "isolados no primeiro lugar da liga.")),
    "pl": (("Sejm przyjął ustawę o sztucznej inteligencji",
            "Nowe przepisy wdrażają unijny akt o sztucznej inteligencji i powołują organ nadzoru nad rynkiem "
            "systemów AI."),
           ("Upały w całym kraju", "IMGW wydał ostrzeżenia przed temperaturą do 36 stopni; synoptycy zapowiadają "
            "ochłodzenie dopiero w niedzielę.")),
}


@pytest.mark.parametrize("lang", sorted(LEADS))
def test_leads_in_each_new_language_are_on_or_off_topic(use_scorer, lang):
    on, off = use_scorer.score(*zip(*LEADS[lang]), langs=[lang, lang])
    assert on.on_topic, (lang, on.scores[0])
    assert not off.on_topic and off.relevance < ON_TOPIC / 2, (lang, off.scores[0])
