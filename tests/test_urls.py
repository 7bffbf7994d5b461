import pytest

from crawler.urls import canonical_url, url_key


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.ex.org/tech/openai-paris?utm_source=tw&utm_medium=social",
        "https://www.ex.org/tech/openai-paris/",
        "https://www.ex.org/tech/openai-paris#comments",
        "https://WWW.EX.ORG/tech/openai-paris?xtor=RSS-1",
        "https://www.ex.org:443/tech/openai-paris",
        "https://www.ex.org/tech/openai-paris/amp/",
        "https://www.ex.org/amp/tech/openai-paris",
        "http://www.ex.org/tech/openai-paris?fbclid=abc",
    ],
)
def test_variants_share_one_key(variant):
    assert url_key(variant) == url_key("https://www.ex.org/tech/openai-paris")


def test_meaningful_query_parameters_are_kept_and_sorted():
    assert canonical_url("https://ex.org/a?b=2&id=7&utm_campaign=x") == "https://ex.org/a?b=2&id=7"
    assert url_key("https://ex.org/a?id=7") != url_key("https://ex.org/a?id=8")


def test_root_keeps_its_slash():
    assert canonical_url("https://ex.org") == "https://ex.org/"
