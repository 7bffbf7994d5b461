"""Summaries: sentence choice and attribution, and the optional abstractive mode on a local fake API."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from digests.summarize import (
    LLMConfig,
    Source,
    abstractive,
    extractive,
    mmr,
    sentences,
    summarise,
)
from tests.conftest import FakeEncoder

EN = Source(1, "https://wire.example/1", "UK signs memorandum with OpenAI", "Wire", "en",
            "The UK government signed a memorandum of understanding with OpenAI on Monday. "
            "Technology Secretary Peter Kyle and Sam Altman signed the non-binding agreement in London. "
            "OpenAI will expand its London office and may invest in data centres.")
FR = Source(2, "https://gazette.example/2", "Le Royaume-Uni signe avec OpenAI", "Gazette", "fr",
            "Le gouvernement britannique a signé lundi un protocole d'accord avec OpenAI. "
            "Le texte, signé par Peter Kyle et Sam Altman, n'a pas de valeur contraignante. "
            "OpenAI agrandira son bureau de Londres et pourrait investir dans des centres de données.")
FR2 = Source(3, "https://courrier.example/3", "OpenAI et Londres : ce que dit l'accord", "Courrier", "fr",
             "L'accord prévoit de tester les modèles d'OpenAI dans la justice et l'éducation. "
             "Des associations s'inquiètent de l'usage des données publiques par l'entreprise américaine.")


# the deterministic fake encoder of conftest (Python's hash() is salted per process: the
# hashed bag of words this module had gave other vectors on every run)
bag_embed = FakeEncoder().encode


def test_sentence_split_keeps_abbreviations_together():
    assert sentences("M. Macron a parlé. Le Dr. Smith aussi ! J. K. Rowling écrit. Fin du texte.") == [
        "M. Macron a parlé.", "Le Dr. Smith aussi !", "J. K. Rowling écrit.", "Fin du texte."]
    assert sentences("Un. Deux. Trois.", limit=2) == ["Un.", "Deux."]


def test_every_sentence_is_attributed_to_the_article_it_comes_from():
    summary = extractive([EN, FR, FR2], "fr", bag_embed)
    assert 2 <= len(summary) <= 4
    by_id = {s.id: s for s in (EN, FR, FR2)}
    for x in summary:
        assert x.text in by_id[x.article_id].text
        assert x.url == by_id[x.article_id].url and x.source == by_id[x.article_id].source
    assert {x.lang for x in summary} == {"fr"}  # the brief's language when the story has it
    assert {x.article_id for x in summary} == {2, 3}  # across the story's articles, not one


def test_english_brief_of_a_french_only_story_still_has_a_summary():
    summary = extractive([FR2], "en", bag_embed)
    assert summary and all(x.url == FR2.url for x in summary)


def test_mmr_skips_a_sentence_that_repeats_one_chosen():
    vecs = np.array([[1, 0], [0.999, 0.045], [0.6, 0.8]], dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    assert mmr(vecs, np.array([1.0, 0.99, 0.5]), k=2) == [0, 2]


class FakeLLM:
    """An OpenAI-compatible /chat/completions endpoint on 127.0.0.1 answering a set reply."""

    def __init__(self, reply: str | None, status: int = 200):
        self.reply, self.status, self.requests = reply, status, []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append((self.path, dict(self.headers), body))
                payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": fake.reply}}]})
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # a short poll: shutdown() waits for the loop to look, 0.5 s per server by default
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}/v1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def llm():
    fakes = []

    def make(reply, status=200):
        fakes.append(FakeLLM(reply, status))
        return fakes[-1]

    yield make
    for f in fakes:
        f.close()


def test_abstractive_summary_maps_citations_to_articles(llm):
    fake = llm("Londres a signé un protocole d'accord non contraignant avec OpenAI [2]. "
               "Le texte ouvre des tests dans la justice et l'éducation [3].")
    got = summarise([EN, FR, FR2], "fr", bag_embed, llm=LLMConfig(fake.url, model="m", api_key="k"))
    assert [(x.text, x.url) for x in got] == [
        ("Londres a signé un protocole d'accord non contraignant avec OpenAI.", FR.url),
        ("Le texte ouvre des tests dans la justice et l'éducation.", FR2.url)]
    path, headers, body = fake.requests[0]
    assert path == "/v1/chat/completions" and headers["Authorization"] == "Bearer k" and body["model"] == "m"
    assert "[2] Le Royaume-Uni signe avec OpenAI" in body["messages"][1]["content"]


@pytest.mark.parametrize("reply,status", [
    ("Une phrase sans source. Une autre [1].", 200),  # untraceable sentence
    ("Cite un article qui n'existe pas [9].", 200),
    ("ignored", 500),
])
def test_abstractive_falls_back_to_extractive(llm, reply, status):
    fake = llm(reply, status)
    cfg = LLMConfig(fake.url, timeout=5)
    assert abstractive([EN, FR, FR2], "fr", cfg) is None
    got = summarise([EN, FR, FR2], "fr", bag_embed, llm=cfg)
    assert got == extractive([EN, FR, FR2], "fr", bag_embed)


def test_abstractive_with_nothing_listening_falls_back():
    import socket

    # a port bound but not listening refuses connections, and nobody else can take it meanwhile
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        cfg = LLMConfig(f"http://127.0.0.1:{held.getsockname()[1]}/v1", timeout=2)
        assert summarise([EN], "en", bag_embed, llm=cfg)[0].url == EN.url
