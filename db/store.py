"""Writes to the database: articles as crawled, then the NLP analysis of each.

Every write that belongs together happens in one transaction, so a crash or a kill mid-run
never leaves half an article or half an analysis, and re-running a step never duplicates rows
(articles are unique by URL key; an analysis replaces the previous one of its article).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from db import deals
from db.entity_lookup import by_kb_id, lookup
from db.records import NewArticle  # callers import it from here too
from db.schema import connect, transaction
from nlp.dedup import is_near_duplicate, lsh_bands, minhash
from nlp.errors import VeilleError
from nlp.kb import normalise as norm_name
from nlp.types import Analysis

log = logging.getLogger(__name__)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Stored:
    id: int
    created: bool  # False when the URL was already stored
    duplicate_of: int | None = None
    demoted: int | None = None  # an article stored earlier that turned out to copy this one


class MissingDatabase(VeilleError, FileNotFoundError):
    """`Store.open_existing` was given a path where no database is."""


class Store:
    """The veille database at `path`, created and migrated on open; `with Store(p) as s:` closes it."""

    def __init__(self, path: str):
        self.path = path
        self.db: sqlite_utils.Database = connect(path)

    @classmethod
    def open_existing(cls, path: str) -> Store:
        """The store of a database that already exists (migrated); never creates an empty one."""
        if not Path(path).is_file():
            raise MissingDatabase(f"no database at {path}")
        return cls(path)

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    def transaction(self):
        return transaction(self.db)

    # -- crawl side -------------------------------------------------------------------------

    def upsert_source(self, name: str, **fields) -> None:
        self.db["sources"].upsert({"name": name, **fields}, pk="name", alter=False)

    def _find_original(self, conn, art: NewArticle, keys: list[int]) -> int | None:
        """The stored original `art` copies: same normalised text, else a MinHash near-duplicate.

        `keys` are the LSH band keys of `art.minhash`.
        """
        row = conn.execute(
            "SELECT id FROM articles WHERE content_hash = ? AND duplicate_of IS NULL ORDER BY id LIMIT 1",
            [art.content_hash],
        ).fetchone()
        if row:
            return row[0]
        if not art.minhash:
            return None
        candidates = conn.execute(
            "SELECT m.article_id, m.signature, m.shingles FROM article_minhash m WHERE m.article_id IN"
            f" (SELECT article_id FROM minhash_bands WHERE band IN ({','.join('?' * len(keys))})) ORDER BY m.article_id",
            keys,
        ).fetchall()
        for cid, sig, n in candidates:
            if is_near_duplicate(art.minhash, art.shingles, sig, n):
                return cid
        return None

    def _published_earlier(self, conn, art: NewArticle, other_id: int) -> bool:
        """True when `art` was published strictly before the stored article `other_id`."""
        if not art.published_at:
            return False
        row = conn.execute("SELECT published_at FROM articles WHERE id = ?", [other_id]).fetchone()
        return bool(row and row[0] and art.published_at < row[0])

    def add_article(self, art: NewArticle) -> Stored:
        """Store a crawled article once; a copy of stored content is linked by `duplicate_of`."""
        return self.add_articles([art])[0]

    def add_articles(self, arts: list[NewArticle]) -> list[Stored]:
        """Store a batch of crawled articles in one transaction (all or none), in order.

        One commit per batch rather than per article is what makes ingestion fast; a copy of
        an article earlier in the same batch is still found, since the transaction sees its writes.
        """
        for art in arts:  # fingerprints computed before taking the write lock, where extraction did not
            if art.minhash is None:
                art.minhash, art.shingles = minhash(art.text)
                art.bands = None  # keys given without their signature cannot be trusted
            if art.bands is None:  # band keys hashed once per article (lookup and insert)
                art.bands = lsh_bands(art.minhash) if art.minhash else []
        keys = [art.bands for art in arts]
        fetched_at = now_iso()
        with self.transaction() as conn:
            return [self._insert(conn, art, k, fetched_at) for art, k in zip(arts, keys)]

    def _insert(self, conn, art: NewArticle, keys: list[int], fetched_at: str) -> Stored:
        row = conn.execute("SELECT id, duplicate_of FROM articles WHERE url_key = ?", [art.url_key]).fetchone()
        if row:
            return Stored(row[0], False, row[1])
        original = self._find_original(conn, art, keys)
        demoted = None
        if original is not None and self._published_earlier(conn, art, original):
            # the copy stored first was published later: the new article becomes the original
            demoted, original = original, None
        cur = conn.execute(
            "INSERT INTO articles (url, canonical_url, url_key, source, title, text, published, author, lang,"
            " content_hash, duplicate_of, status, fetched_at, published_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                art.url, art.canonical_url, art.url_key, art.source, art.title, art.text, art.published,
                art.author, art.lang, art.content_hash, original, "new", fetched_at, art.published_at,
            ],
        )
        article_id = cur.lastrowid
        if demoted is not None:
            conn.execute(
                "UPDATE articles SET duplicate_of = ? WHERE id = ? OR duplicate_of = ?",
                [article_id, demoted, demoted],
            )
            conn.execute("DELETE FROM minhash_bands WHERE article_id = ?", [demoted])
            conn.execute("DELETE FROM article_minhash WHERE article_id = ?", [demoted])
        if art.minhash and original is None:
            conn.execute(
                "INSERT INTO article_minhash (article_id, signature, shingles) VALUES (?, ?, ?)",
                [article_id, art.minhash, art.shingles],
            )
            conn.executemany(
                "INSERT INTO minhash_bands (band, article_id) VALUES (?, ?)",
                [(b, article_id) for b in keys],
            )
        return Stored(article_id, True, original, demoted)

    # -- enrichment side ---------------------------------------------------------------------

    def pending(self, limit: int = 500, *, redo: bool = False, after: int = 0) -> list[dict]:
        """Articles waiting for analysis (all of them with `redo`) with id > `after`, oldest first."""
        where = "1" if redo else "status = 'new'"
        rows = self.db.execute(
            f"SELECT id, title, text, published, lang FROM articles WHERE {where} AND id > ? ORDER BY id LIMIT ?",
            [after, limit],
        )
        cols = [c[0] for c in rows.description]
        return [dict(zip(cols, r)) for r in rows.fetchall()]

    def unsettled(self) -> list[int]:
        """Articles whose analysis is stored but whose entities were not settled yet."""
        return [r[0] for r in self.db.execute("SELECT article_id FROM pending_settle ORDER BY article_id")]

    def settled(self, article_ids: list[int]) -> None:
        """Mark the entities of these articles settled (see `unsettled`)."""
        with self.transaction() as conn:
            conn.executemany("DELETE FROM pending_settle WHERE article_id = ?", [(i,) for i in article_ids])

    def count_pending(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles WHERE status = 'new'").fetchone()[0]

    def _entity_id(self, conn, name: str, label: str, kb_id: str | None) -> int:
        """The stored entity of a mention: by its knowledge-base id when linked, else by name
        through `db.entity_lookup` (canonical name, then alias); created when there is none."""
        if kb_id:
            found = by_kb_id(conn, kb_id)
            if found is not None:
                return found
        match = lookup(conn, name)
        if match.via == "name":
            if kb_id:
                conn.execute("UPDATE entities SET kb_id = ? WHERE id = ? AND kb_id IS NULL", [kb_id, match.best.id])
            return match.best.id
        if match.via == "alias":
            return match.best.id
        # a kb id typed as a name is not a match here: the analysis gives the name it found
        cur = conn.execute(
            "INSERT INTO entities (name, label, kb_id, norm) VALUES (?, ?, ?, ?)", [name, label, kb_id, norm_name(name)]
        )
        return cur.lastrowid

    def _write_mentions(self, conn, article_id: int, analysis: Analysis, sent) -> dict[tuple, int]:
        """Entity ids by (canonical, kb_id) of one analysis, its mentions written, each tied to its
        stored entity; new forms become aliases."""
        ids: dict[tuple, int] = {}
        rows = []
        for m in analysis.entities:
            key = (m.canonical, m.kb_id)
            if key not in ids:
                ids[key] = self._entity_id(conn, m.canonical, m.label, m.kb_id)
            # every other form of the name is an alias, not only the first one of the article
            if m.text != m.canonical and (key, m.text) not in ids:
                ids[(key, m.text)] = ids[key]
                conn.execute(
                    "INSERT OR IGNORE INTO aliases (alias_norm, entity_id, alias) VALUES (?, ?, ?)",
                    [norm_name(m.text), ids[key], m.text],
                )
            rows.append((article_id, ids[key], m.text, m.label, m.start, m.end, sent(m.start)))
        conn.executemany(
            'INSERT INTO mentions (article_id, entity_id, text, label, start, "end", sentence)'
            " VALUES (?,?,?,?,?,?,?)",
            rows,
        )
        return ids

    def save_analysis(self, article_id: int, analysis: Analysis, sentence_of=None, topics=None) -> None:
        """Replace the stored analysis of one article, all or nothing.

        `sentence_of(offset) -> int` maps a character offset to its sentence number. `topics`
        (an `nlp.topics.ArticleTopics`) replaces the article's topic scores and on-topic mark in
        the same transaction.
        """
        sent = sentence_of or (lambda _offset: None)
        with self.transaction() as conn:
            # its entities still have to be settled (votes, promotion): `settled()` clears it
            conn.execute("INSERT OR IGNORE INTO pending_settle (article_id) VALUES (?)", [article_id])
            if topics is not None:
                conn.execute("DELETE FROM article_topics WHERE article_id = ?", [article_id])
                conn.executemany("INSERT INTO article_topics (article_id, topic, score) VALUES (?, ?, ?)",
                                 [(article_id, t.topic, t.score) for t in topics.scores])
                conn.execute("UPDATE articles SET relevance = ?, on_topic = ? WHERE id = ?",
                             [topics.relevance, int(topics.on_topic), article_id])
            for table in ("mentions", "dates", "amounts"):
                conn.execute(f"DELETE FROM {table} WHERE article_id = ?", [article_id])
            deals.forget_article(conn, article_id)
            if analysis.skipped:
                conn.execute(
                    "UPDATE articles SET status='skipped', skip_reason=?, lang=coalesce(?, lang), enriched_at=?"
                    " WHERE id=?",
                    [analysis.skipped, analysis.lang, now_iso(), article_id],
                )
                return
            ids = self._write_mentions(conn, article_id, analysis, sent)
            conn.executemany(
                'INSERT INTO dates (article_id, text, value, precision, relative, start, "end") VALUES (?,?,?,?,?,?,?)',
                [(article_id, d.text, d.value, d.precision, int(d.relative), d.start, d.end) for d in analysis.dates],
            )
            conn.executemany(
                'INSERT INTO amounts (article_id, text, value, unit, kind, eur, start, "end", sentence, max,'
                " is_range, approx) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (article_id, a.text, a.value, a.unit, a.kind, a.eur, a.start, a.end, sent(a.start), a.max,
                     int(a.range), int(a.approx))
                    for a in analysis.amounts
                ],
            )
            if analysis.deals:
                published = conn.execute("SELECT published FROM articles WHERE id = ?", [article_id]).fetchone()[0]
                deals.save_deals(conn, article_id, published, analysis.deals, lambda p: ids.get(
                    (p.canonical, p.kb_id)) or self._entity_id(conn, p.canonical, p.label, p.kb_id))
            conn.execute(
                "UPDATE articles SET status='enriched', skip_reason=NULL, lang=coalesce(?, lang), enriched_at=?"
                " WHERE id=?",
                [analysis.lang, now_iso(), article_id],
            )
