"""Near-duplicates: a wire story republished with a new lead and light edits is linked, never dropped."""
from __future__ import annotations

from db.store import NewArticle
from nlp.dedup import containment, content_hash, is_near_duplicate, jaccard, minhash

STORY = " ".join(
    f"Phrase {i} de la dépêche : le programme public numéro {i} finance l'adoption de l'IA dans les PME "
    f"de la région {i % 7} avec un budget de {i * 3} millions d'euros."
    for i in range(30)
)
EDITED = (
    "Les PME françaises disposent d'un nouveau levier, selon une dépêche reprise ce matin. "
    "Notre rédaction revient sur les détails du dispositif et ses enjeux pour les territoires. "
    + STORY.replace("finance l'adoption", "soutient l'adoption", 6).replace("budget", "montant", 4)
    + " Lire aussi notre dossier sur la souveraineté numérique."
)
OTHER = " ".join(
    f"Étape {i} du Tour de France : les coureurs grimpent le col numéro {i} sous une chaleur de {20 + i} degrés."
    for i in range(30)
)


def make(url, text, published_at=None, source="S"):
    return NewArticle(url=url, canonical_url=url, url_key=url.split("://")[1], source=source, title="T",
                      text=text, published="2025-07-16", author=None, lang="fr", content_hash=content_hash(text),
                      published_at=published_at)


def test_minhash_judges_copies_by_shared_shingles():
    a, na = minhash(STORY)
    b, nb = minhash(EDITED)
    assert is_near_duplicate(a, na, b, nb)
    # the copy's own lead and tail: most of the story sits inside it even if Jaccard is lower
    assert containment(jaccard(a, b), na, nb) > jaccard(a, b)
    c, nc = minhash(OTHER)
    assert jaccard(a, c) < 0.1 and not is_near_duplicate(a, na, c, nc)


def test_edited_wire_copy_is_stored_and_linked_by_minhash_alone(store):
    orig = store.add_article(make("https://a.org/1", STORY))
    copy = store.add_article(make("https://b.org/2", EDITED, source="B"))
    other = store.add_article(make("https://c.org/3", OTHER, source="C"))
    assert copy.created and copy.duplicate_of == orig.id
    assert other.duplicate_of is None
    assert store.db["articles"].count == 3


def test_the_earlier_publication_is_the_original_whatever_the_crawl_order(store):
    late = store.add_article(make("https://b.org/2", EDITED, "2025-07-16T09:20:00+00:00", source="B"))
    early = store.add_article(make("https://a.org/1", STORY, "2025-07-16T05:45:00+00:00"))
    assert early.created and early.duplicate_of is None
    row = store.db.execute("SELECT duplicate_of FROM articles WHERE id = ?", [late.id]).fetchone()
    assert row[0] == early.id
    # a third copy now finds the real original
    third = store.add_article(make("https://c.org/9", EDITED + " Mise à jour.", "2025-07-16T12:00:00+00:00"))
    assert third.duplicate_of == early.id


def test_band_keys_from_extraction_are_the_ones_the_store_would_compute(store):
    from crawler.items import PageItem
    from crawler.pipelines import build_article
    from nlp.dedup import lsh_bands

    html = f"<html lang='fr'><head><title>Dépêche</title></head><body><article><p>{STORY}</p></article></body></html>"
    page = PageItem(url="https://a.org/1", body=html.encode(), encoding="utf-8", source="S")
    art = build_article(page)
    assert art.bands == lsh_bands(art.minhash) and len(art.bands) > 1
    orig = store.add_article(art)
    stored = {r[0] for r in store.db.execute("SELECT band FROM minhash_bands WHERE article_id = ?", [orig.id])}
    assert stored == set(art.bands)
    copy = store.add_article(make("https://b.org/2", EDITED, source="B"))  # its bands computed by the store
    assert copy.duplicate_of == orig.id


def test_signatures_equal_datasketchs_minhash_and_do_not_change():
    import random

    import numpy as np
    from datasketch import MinHash

    from nlp.dedup import NUM_PERM, SEED, shingles

    rng = random.Random(11)
    words = ["".join(rng.choices("abcdéèfghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(3000)]
    for n_words in (1, 2, 3, 40, 700):
        text = " ".join(rng.choices(words, k=n_words))
        ours, count = minhash(text)
        ref = MinHash(num_perm=NUM_PERM, seed=SEED)  # datasketch 2's default scheme, affine32
        ref.update_batch(shingles(text))
        assert ours == np.asarray(ref.hashvalues, dtype="<u4").tobytes() and count == len(shingles(text))
    # pinned: signatures already stored in databases must stay comparable with new ones
    assert minhash("Bpifrance lance IA Booster")[0][:8].hex() == "5f756676ce1f5e11"
