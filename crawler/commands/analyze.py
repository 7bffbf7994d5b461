"""`veille analyze`: entities, dates, amounts and watch topics of files, without a database."""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path

import click

from crawler.options import VeilleError, json_option

log = logging.getLogger(__name__)

SNIFF = 8192  # bytes looked at to tell text from binary
BAD_SHARE = 0.01  # more undecodable bytes than this (as a share) and the input is not text


def read_input(p: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if p == "-" else Path(p).read_bytes()
    except OSError as exc:
        raise VeilleError(f"cannot read {p}: {exc.strerror}") from None


def decode_text(p: str, raw: bytes) -> str:
    """The UTF-8 text of a plain-text input; a binary one (NUL bytes, mostly undecodable) is refused.

    A few stray bytes are replaced rather than refused: a mostly-UTF-8 file is still worth analysing.
    """
    text = raw.decode("utf-8", errors="replace")
    head = raw[:SNIFF]
    if b"\x00" in head or text[:SNIFF].count("\ufffd") > BAD_SHARE * max(len(head), 1):
        raise VeilleError(f"{p} is not text (looks binary): give a UTF-8 text or --html file")
    return text


def _document(p: str, raw: bytes, *, is_html: bool, url, published, lang):
    from nlp.analyze import Document
    from nlp.extract import decode_html, extract_article

    if is_html or p.lower().endswith((".html", ".htm")):
        if b"\x00" in raw[:SNIFF]:
            raise VeilleError(f"{p} is not text (looks binary): give a UTF-8 text or --html file")
        extracted = extract_article(decode_html(raw), url, min_chars=1)
        if extracted is None:
            raise VeilleError(f"{p}: no article text found in this HTML")
        return Document(text=extracted.text, title=extracted.title, published=published or extracted.published,
                        author=extracted.author, lang=lang, lang_hint=extracted.lang)
    return Document(text=decode_text(p, raw), published=published, lang=lang)


def _watch_languages(config: dict) -> list[str] | None:
    """The languages the watch list declares: language detection chooses among them (and the
    analysed ones). None, any European language, when the watch list cannot be read."""
    from crawler.sources import load_sources

    try:
        return sorted({s.lang for s in load_sources(config.get("sources")) if s.lang})
    except (OSError, ValueError) as exc:  # SourceError is a ValueError
        log.debug("no watch-list languages for detection: %s", exc)
        return None


def _score_topics(config: dict, results) -> list:
    """Watch-topic scores of analysed documents (None for the skipped ones)."""
    from nlp.embed import get_encoder
    from nlp.topics import TopicScorer, parse_topics

    scorer = TopicScorer(parse_topics(config["topic"]), embed=get_encoder(config["embedding"]).encode)
    keep = [i for i, r in enumerate(results) if not r.skipped]
    found = scorer.score([results[i].title for i in keep], [results[i].text for i in keep],
                         langs=[results[i].lang for i in keep])
    out: list = [None] * len(results)
    for i, t in zip(keep, found):
        out[i] = t
    return out


def _print_plain(path, res, top) -> None:
    click.secho(f"{path} [{res.lang}] {res.title or ''}", bold=True)
    if res.skipped:
        click.echo(f"  not analysed: {res.skipped}")
    elif res.layers:
        click.echo(f"  layers: entities ({res.layers['entities']})"
                   + "".join(f", {k}" for k in ("dates", "amounts") if res.layers.get(k)))
    if res.missing:
        click.echo(f"  missing layers: {', '.join(res.missing)}")
    if top is not None:
        best = top.scores[0]
        mark = "on topic" if top.on_topic else "off topic"
        click.echo(f"  TOPIC {best.topic} {best.score:.2f} ({mark})"
                   + (f", keywords: {', '.join(best.keywords)}" if best.keywords else ""))
    for e in res.entities:
        click.echo(f"  {e.label:5} {e.text}" + (f" → {e.canonical}" if e.canonical != e.text else ""))
    for d in res.dates:
        click.echo(f"  DATE  {d.text} → {d.value} ({d.precision})")
    for a in res.amounts:
        eur = f" ≈ {a.eur:,.0f} EUR" if a.eur is not None and a.unit != "EUR" else ""
        click.echo(f"  {a.kind.upper():5} {a.text} → {a.value:g} {a.unit}{eur}")
    for deal in res.deals:
        from crawler.commands.deal_text import deal_line

        click.echo(f"  DEAL  {deal_line(_deal_row(deal))}")


def _deal_row(deal) -> dict:
    """A found deal in the shape `deal_line` reads (the stored one's)."""
    j = deal.to_json()
    return {**j, "amount_text": j["amount"]["text"] if j["amount"] else None}


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--html", "is_html", is_flag=True, help="Inputs are HTML pages: extract the article first.")
@click.option("--url", help="URL of the page (helps extraction).")
@click.option("--published", help="Publication date YYYY-MM-DD (anchors 'hier', 'last week').")
@click.option("--lang", help="Force the language instead of detecting it.")
@click.option("--topics/--no-topics", default=True, show_default=True,
              help="Score the watch topics too (loads the sentence encoder).")
@json_option("One JSON document; JSON Lines (one per input) for several paths.")
@click.pass_context
def analyze(ctx, paths, is_html, url, published, lang, topics, as_json):
    """Analyse text or HTML files: entities, dates, amounts and watch topics.

    Several paths are analysed in one batch (models load once) and printed as JSON Lines.

    \b
    Examples:
      veille analyze article.txt --published 2025-07-22 --json
      veille analyze page.html --html --url https://example.org/a --json
      cat article.txt | veille analyze - --lang fr
    """
    from nlp.analyze import Analyzer

    if published:
        try:
            dt.date.fromisoformat(published)
        except ValueError:
            raise VeilleError(f"--published must be YYYY-MM-DD, got {published!r}") from None
    docs = [_document(p, read_input(p), is_html=is_html, url=url, published=published, lang=lang) for p in paths]
    results = Analyzer(size=ctx.obj["model_size"], languages=_watch_languages(ctx.obj)).analyze_many(docs)
    scored = _score_topics(ctx.obj, results) if topics else [None] * len(results)
    for path, res, top in zip(paths, results, scored):
        if not as_json:
            _print_plain(path, res, top)
            continue
        out = res.to_json()
        if top is not None:
            out.update(topics=top.as_dict(), relevance=round(top.relevance, 4), on_topic=top.on_topic)
        click.echo(json.dumps(out, ensure_ascii=False, indent=None if len(paths) > 1 else 2))


COMMANDS = [analyze]
