import json

import pytest

from digests.brief import build, week_bounds, week_of
from digests.render import render


def rows():
    return [
        {"id": 1, "url": "https://a.org/1", "title": "OpenAI <b>et</b> le Royaume-Uni", "text": "Le DSIT a signé. " * 30,
         "published": "2025-07-22", "lang": "fr", "source": "Gazette", "status": "enriched", "duplicate_of": None,
         "copies": "Wire|Courrier"},
        {"id": 2, "url": "https://a.org/2", "title": "Bpifrance", "text": "IA Booster.", "published": "2025-07-21",
         "lang": "fr", "source": "Courrier", "status": "enriched", "duplicate_of": None, "copies": None},
    ]


MENTIONS = {1: [{"name": "OpenAI", "label": "ORG", "n": 3}, {"name": "DSIT", "label": "ORG", "n": 1}],
            2: [{"name": "Bpifrance", "label": "ORG", "n": 2}, {"name": "OpenAI", "label": "ORG", "n": 1}]}
AMOUNTS = {1: [{"text": "2 milliards de livres sterling", "value": 2e9, "unit": "GBP", "kind": "money", "eur": 2.3e9}],
           2: [{"text": "25 M€", "value": 25e6, "unit": "EUR", "kind": "money", "eur": 25e6}]}


def test_week_bounds_and_errors():
    assert [d.isoformat() for d in week_bounds("2025-W30")] == ["2025-07-21", "2025-07-27"]
    from datetime import date
    assert week_of(date(2025, 7, 27)) == "2025-W30"
    with pytest.raises(ValueError, match="ISO week"):
        week_bounds("juillet")


def test_build_counts_entities_by_article_and_sorts_money():
    d = build("2025-W30", rows(), MENTIONS, AMOUNTS)
    assert d.top_entities[0] == ("OpenAI", "ORG", 2)
    assert [m["text"] for m in d.money] == ["2 milliards de livres sterling", "25 M€"]
    assert d.articles[0].copies == ["Wire", "Courrier"]


def test_html_escapes_article_text_and_is_localised():
    d = build("2025-W30", rows(), MENTIONS, AMOUNTS, lang="fr")
    html = render(d, "html")
    assert "&lt;b&gt;et&lt;/b&gt;" in html and "<b>et</b>" not in html
    assert "Chiffres clés" in html and "2,3 Md€" in html
    en = render(build("2025-W30", rows(), MENTIONS, AMOUNTS, lang="en"), "md")
    # Markdown escapes the markup too (backslashes), so a renderer shows it as text, never as HTML
    assert "Key figures" in en and "€2.3bn" in en and "[OpenAI \\<b\\>et\\</b\\> le Royaume-Uni](https://a.org/1)" in en
    assert "<b>" not in en


def test_json_and_unknown_format():
    d = build("2025-W30", rows(), MENTIONS, AMOUNTS)
    data = json.loads(render(d, "json"))
    assert data["week"] == "2025-W30" and len(data["articles"]) == 2
    with pytest.raises(ValueError):
        render(d, "pdf")


def test_empty_week_says_so():
    assert "Aucun article" in render(build("2025-W01", [], {}, {}), "md")


def test_people_are_new_rising_or_steady_against_earlier_weeks():
    from digests.brief import Context

    ctx = Context(weeks=["W27", "W28", "W29", "W30"],
                  history={"OpenAI": [1, 1, 1, 2], "Bpifrance": [0, 0, 0, 1], "DSIT": [3, 3, 3, 1]})
    d = build("2025-W30", rows(), MENTIONS, AMOUNTS, context=ctx)
    trend = {p["name"]: (p["trend"], p["previous"]) for p in d.people}
    # OpenAI: 2 articles this week against 1 a week before; Bpifrance never named before
    assert trend == {"OpenAI": ("rising", 1.0), "Bpifrance": ("new", 0.0), "DSIT": ("steady", 3.0)}
    assert "en hausse" in render(d, "html") and "nouveau" in render(d, "md")


def test_links_other_than_web_or_mail_are_neutralised():
    bad = rows()
    bad[0]["url"] = "javascript:alert(1)"
    bad[1]["url"] = "https://a.org/a (b) <c>"
    d = build("2025-W30", bad, MENTIONS, AMOUNTS)
    html, md = render(d, "html"), render(d, "md")
    assert "javascript:" not in html and "javascript:" not in md
    assert 'href="#"' in html
    # a URL that would close the Markdown link early is percent-encoded, not cut
    assert "(https://a.org/a%20%28b%29%20%3Cc%3E)" in md


def test_json_keeps_markup_as_inert_escapes():
    d = build("2025-W30", rows(), MENTIONS, AMOUNTS)
    text = render(d, "json")
    assert "<b>" not in text and "\\u003cb\\u003eet\\u003c/b\\u003e" in text
    assert json.loads(text)["articles"][0]["title"] == "OpenAI <b>et</b> le Royaume-Uni"


def test_a_large_story_lists_a_few_accounts_and_each_sum_once():
    from digests.brief import StoryInput

    many = [{**rows()[1], "id": i, "url": f"https://s{i}.org/x", "source": f"Outlet {i}"} for i in range(1, 13)]
    same = {i: [{"text": t, "value": 25e6, "unit": "EUR", "kind": "money", "eur": 25e6}]
            for i, t in ((1, "25 M€"), (2, "25 millions d'euros"))}
    d = build("2025-W30", many, {}, same, stories=[StoryInput(list(range(1, 13)))])
    html, md = render(d, "html"), render(d, "md")
    for text in (html, md):
        assert "+ 4 autres articles" in text and "Outlet 12" not in text.split("Chiffres clés")[0]
        story = text.split("Chiffres clés")[0]
        assert story.count("25 M€") == 1 and "25 millions d'euros" not in story
    assert len(json.loads(render(d, "json"))["stories"][0]["articles"]) == 12  # JSON keeps them all


def test_counts_agree_with_their_number():
    one = build("2025-W30", rows()[:1], MENTIONS, AMOUNTS)
    assert "1 article ·" in render(one, "md") and "1 source indépendante" in render(one, "html")
    en = render(build("2025-W30", rows(), MENTIONS, AMOUNTS, lang="en"), "md")
    assert "2 articles · 2 stories" in en and "1 independent source" in en


def test_a_sum_told_in_two_languages_is_shown_in_the_brief_language():
    from digests.brief import StoryInput

    two = rows()
    two[1]["lang"] = "en"
    amounts = {1: [{"text": "2 milliards de livres sterling", "value": 2e9, "unit": "GBP", "kind": "money", "eur": 2.3e9}],
               2: [{"text": "£2bn", "value": 2e9, "unit": "GBP", "kind": "money", "eur": 2.3e9}]}
    stories = [StoryInput([1, 2])]
    en = render(build("2025-W30", two, MENTIONS, amounts, lang="en", stories=stories), "html").split("Key figures")[0]
    fr = render(build("2025-W30", two, MENTIONS, amounts, lang="fr", stories=stories), "html").split("Chiffres clés")[0]
    assert "£2bn" in en and "2 milliards de livres" not in en
    assert "2 milliards de livres sterling" in fr and "£2bn" not in fr


def test_english_brief_prints_english_names_of_french_named_entities():
    from digests.weekly import _display_names
    from nlp.kb import default_kb

    eu = default_kb().get("eu")
    assert eu.name == "Union européenne" and eu.display("en") == "European Union" and eu.display("fr") == eu.name
    mentions = {1: [{"name": "Union européenne", "kb_id": "eu"}, {"name": "OpenAI", "kb_id": "openai"},
                    {"name": "UE 27", "kb_id": "eu"},  # renamed by the user: kept as chosen
                    {"name": "Zéphyrine Labs", "kb_id": None}]}
    assert _display_names(mentions, "en") == {"Union européenne": "European Union", "OpenAI": "OpenAI"}
    assert _display_names(mentions, "fr") == {"Union européenne": "Union européenne", "OpenAI": "OpenAI"}


def test_money_actors_fall_back_to_places_when_the_sentence_names_no_organisation(store):
    from db.briefs import amount_actors
    from db.store import NewArticle
    from nlp.dedup import content_hash
    from nlp.types import AmountMention, Analysis, EntityMention

    text = "Londres a engagé 2 milliards de livres. Bpifrance et Paris ajoutent 25 millions d'euros."
    url = "https://a.example/1"
    aid = store.add_article(NewArticle(url=url, canonical_url=url, url_key=url[8:], source="S", title="T", text=text,
                                       published="2025-07-22", author=None, lang="fr",
                                       content_hash=content_hash(text))).id

    def at(s):
        return text.index(s), text.index(s) + len(s)

    ents = [EntityMention(s, lab, s, *at(s)) for s, lab in [("Londres", "LOC"), ("Bpifrance", "ORG"), ("Paris", "LOC")]]
    money = [AmountMention(s, v, "GBP" if "livres" in s else "EUR", "money", *at(s), v)
             for s, v in [("2 milliards de livres", 2e9), ("25 millions d'euros", 25e6)]]
    second = text.index("Bpifrance")
    store.save_analysis(aid, Analysis(lang="fr", title="T", published="2025-07-22", author=None, text=text,
                                      entities=ents, amounts=money), lambda off: int(off >= second))
    assert amount_actors(store.db, [aid]) == {(aid, 0): ["Londres"], (aid, 1): ["Bpifrance"]}
