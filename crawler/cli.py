"""The `veille` command: the composition root that wires crawler, nlp, db and digests together.

Only this module reads configuration files, environment variables and options; the libraries
below it take plain arguments.
"""
from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import click

from crawler.config import ConfigError, db_path, load_config
from crawler.options import db_option

log = logging.getLogger("veille")


class VeilleError(click.ClickException):
    """One clear line on stderr and exit status 1, never a traceback."""


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="veille.toml to read.")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.version_option(package_name="veille")
@click.pass_context
def main(ctx, config_path, verbose):
    """veille: news and policy monitoring for tech-watch teams.

    Crawl French and European outlets, extract and analyse their articles (entities, dates,
    amounts), store them in SQLite, and write weekly briefs.

    \b
    Examples:
      veille demo                      # the whole pipeline on the sample site, offline
      veille crawl --db veille.db      # crawl the watch list, then enrich
      veille digest --week 2025-W30    # the brief of one week
    """
    _setup_logging(verbose)
    try:
        ctx.obj = load_config(config_path)
    except ConfigError as exc:
        raise VeilleError(str(exc)) from None




def setting_overrides(settings) -> dict[str, str]:
    """`-s NAME=VALUE` options as a dict; a malformed one is a clear error."""
    overrides = {}
    for kv in settings:
        name, eq, value = kv.partition("=")
        if not eq or not name.strip():
            raise VeilleError(f"-s takes NAME=VALUE, got {kv!r}")
        overrides[name.strip()] = value
    return overrides


def _open_store(ctx, db: str | None):
    from db.store import Store

    path = db_path(ctx.obj, db)
    try:
        return Store(path)
    except Exception as exc:  # sqlite3.DatabaseError and friends: say which file
        raise VeilleError(f"cannot open database {path}: {exc}") from None


def _progress(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="art", disable=None, file=sys.stderr, leave=False)


# -- crawl and enrich ------------------------------------------------------------------------------


@main.command()
@db_option
@click.option("--sources", type=click.Path(exists=True, dir_okay=False), help="sources.toml to crawl.")
@click.option("--spider", default="sources", show_default=True, help="sources | feeds | sitemaps | listings")
@click.option("--since", help="Skip feed and sitemap entries older than this date (YYYY-MM-DD).")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
@click.option("--no-enrich", is_flag=True, help="Store articles only; run `veille enrich` later.")
@click.option("--json", "as_json", is_flag=True, help="Print the crawl's stats as JSON.")
@click.pass_context
def crawl(ctx, db, sources, spider, since, settings, no_enrich, as_json):
    """Crawl the watch list with the real Scrapy spiders and store new articles.

    \b
    Examples:
      veille crawl --db veille.db
      veille crawl --sources my-sources.toml -s DOWNLOAD_DELAY=2 --since 2025-07-01
      veille crawl --spider feeds --no-enrich --json
    """
    from crawler.crawl import crawl_in_subprocess

    path = db_path(ctx.obj, db)
    sources = sources or ctx.obj.get("sources")
    overrides = setting_overrides(settings)
    if since:
        try:
            __import__("datetime").date.fromisoformat(since)
        except ValueError:
            raise VeilleError(f"--since must be YYYY-MM-DD, got {since!r}") from None
    _open_store(ctx, db).close()  # create and migrate before the crawler opens it
    log_file = str(Path(path).with_suffix(".crawl.log"))
    started = time.monotonic()
    from crawler.progress import CrawlProgress

    try:
        with CrawlProgress() as progress:
            stats = crawl_in_subprocess(path, sources, spider, overrides, since, timeout=24 * 3600,
                                        log_file=log_file, on_progress=progress.update)
    except RuntimeError as exc:
        raise VeilleError(str(exc)) from None
    enriched = 0 if no_enrich else _enrich(ctx, db).analysed
    summary = _crawl_summary(stats, time.monotonic() - started, enriched)
    if as_json:
        click.echo(json.dumps({"summary": summary, "stats": stats}, indent=2, default=str))
    else:
        click.echo(" · ".join(f"{k}: {v}" for k, v in summary.items()))
        click.echo(f"log: {log_file}", err=True)


def _crawl_summary(stats: dict, seconds: float, enriched: int) -> dict:
    return {
        "sources": stats.get("veille/sources", 0),
        "pages": stats.get("response_received_count", 0),
        "stored": stats.get("veille/articles_stored", 0),
        "duplicates": stats.get("veille/articles_duplicates", 0),
        "already_known": stats.get("veille/articles_known", 0),
        "errors": stats.get("veille/errors", 0),
        "not_modified": stats.get("veille/entry_points_not_modified", 0),
        "enriched": enriched,
        "seconds": round(seconds, 1),
    }


def _enrich(ctx, db, redo: bool = False, processes: int | None = None):
    """Enrich the pending articles and queue their alerts; returns the `EnrichReport`."""
    from crawler.enrich import EnrichReport, run_configured
    from nlp.topics import TopicError

    store = _open_store(ctx, db)
    try:
        from crawler.commands.alerts import queue_alerts

        total = store.count_pending() if not redo else store.db["articles"].count
        if not total:
            queue_alerts(ctx, store)  # articles analysed by a run that stopped before matching
            return EnrichReport()
        try:
            with _progress(total, "enrich") as bar:
                report = run_configured(store, ctx.obj, redo=redo, processes=processes, progress=bar.update)
        except (TopicError, ValueError) as exc:  # a bad [[topic]] table, an unknown embedding backend
            raise VeilleError(str(exc)) from None
        queue_alerts(ctx, store)  # matched in the same run; sent later, off the crawl's path
        return report
    finally:
        store.close()


@main.command()
@db_option
@click.option("--redo", is_flag=True, help="Analyse every article again (after a model or rule change).")
@click.option("--processes", type=click.IntRange(1, 64), help="Worker processes, one model copy each (default: config).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's counts as JSON.")
@click.pass_context
def enrich(ctx, db, redo, processes, as_json):
    """Analyse stored articles not yet analysed: language, entities, dates, amounts, topics.

    \b
    Examples:
      veille enrich --db veille.db
      veille enrich --redo --processes 2
      veille enrich --json     # {"analysed": ..., "on_topic": ..., "promoted": [...], "relabelled": ...}
    """
    from dataclasses import asdict

    report = _enrich(ctx, db, redo, processes)
    if as_json:
        click.echo(json.dumps(asdict(report), ensure_ascii=False))
        return
    click.echo(f"analysed {report.analysed} article(s), {report.on_topic} on the watch topics")
    if report.promoted:
        click.echo("new canonical entities: " + ", ".join(p["name"] for p in report.promoted))
    if report.relabelled:
        click.echo(f"entity types corrected by votes: {report.relabelled}")


# -- analyze ------------------------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--html", "is_html", is_flag=True, help="Inputs are HTML pages: extract the article first.")
@click.option("--url", help="URL of the page (helps extraction).")
@click.option("--published", help="Publication date YYYY-MM-DD (anchors 'hier', 'last week').")
@click.option("--lang", help="Force the language instead of detecting it.")
@click.option("--topics/--no-topics", default=True, show_default=True,
              help="Score the watch topics too (loads the sentence encoder).")
@click.option("--json", "as_json", is_flag=True, help="JSON (JSON Lines for several inputs).")
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
    from nlp.analyze import Analyzer, Document
    from nlp.extract import decode_html, extract_article

    docs = []
    for p in paths:
        try:
            raw = sys.stdin.buffer.read() if p == "-" else Path(p).read_bytes()
        except OSError as exc:
            raise VeilleError(f"cannot read {p}: {exc.strerror}") from None
        html_input = is_html or p.lower().endswith((".html", ".htm"))
        if html_input:
            extracted = extract_article(decode_html(raw), url, min_chars=1)
            if extracted is None:
                raise VeilleError(f"{p}: no article text found in this HTML")
            docs.append(Document(text=extracted.text, title=extracted.title,
                                 published=published or extracted.published, author=extracted.author,
                                 lang=lang, lang_hint=extracted.lang))
        else:
            docs.append(Document(text=raw.decode("utf-8", errors="replace"), published=published, lang=lang))
    if published:
        try:
            __import__("datetime").date.fromisoformat(published)
        except ValueError:
            raise VeilleError(f"--published must be YYYY-MM-DD, got {published!r}") from None
    results = Analyzer(size=ctx.obj["model_size"], languages=_watch_languages(ctx.obj)).analyze_many(docs)
    scored = _score_topics(ctx.obj, results) if topics else [None] * len(results)
    for path, res, top in zip(paths, results, scored):
        if as_json:
            out = res.to_json()
            if top is not None:
                out["topics"] = top.as_dict()
                out["relevance"] = round(top.relevance, 4)
                out["on_topic"] = top.on_topic
            click.echo(json.dumps(out, ensure_ascii=False, indent=None if len(paths) > 1 else 2))
            continue
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
    from crawler.enrich import topics_from_config
    from nlp.embed import get_encoder
    from nlp.topics import TopicError, TopicScorer

    try:
        scorer = TopicScorer(topics_from_config(config), embed=get_encoder(config.get("embedding") or "use").encode)
    except (TopicError, ValueError) as exc:
        raise VeilleError(str(exc)) from None
    keep = [i for i, r in enumerate(results) if not r.skipped]
    found = scorer.score([results[i].title for i in keep], [results[i].text for i in keep])
    out: list = [None] * len(results)
    for i, t in zip(keep, found):
        out[i] = t
    return out


# -- digest -------------------------------------------------------------------------------------


def build_digest(store, week: str | None, lang: str, *, since: str | None = None, until: str | None = None,
                 topic: str | None = None, embedding: str = "use", llm=None, record: bool = True,
                 include_off_topic: bool = False):
    """The brief of a week (default: the last complete one) or of a --since/--until span."""
    from db import queries
    from digests.weekly import make_digest, resolve_period
    from nlp.embed import get_encoder

    period = resolve_period(week, since, until, queries.latest_published(store.db))
    return make_digest(store.db, period, lang, topic=topic, encoder=get_encoder(embedding), llm=llm, record=record,
                       include_off_topic=include_off_topic)


@main.command()
@db_option
@click.option("--week", help="ISO week YYYY-Www (default: the last complete week).")
@click.option("--since", help="Start of a free period, YYYY-MM-DD (instead of --week).")
@click.option("--until", help="End of a free period, YYYY-MM-DD (default: --since + 6 days).")
@click.option("--topic", help="Only the stories about this watch topic (topic scores, else a full-text match).")
@click.option("--lang", type=click.Choice(["fr", "en"]), help="Language of the brief (default: fr).")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json", "atom"]), default="md", show_default=True,
              help="atom: a feed of the latest briefs, this one included.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--send", "channel", metavar="URL", help="Also deliver the brief to this channel (mailto://, json://, slack://…).")
@click.option("--abstractive", "llm_url", metavar="URL",
              help="OpenAI-compatible API base URL for rewritten summaries (key in VEILLE_LLM_KEY); extractive on failure.")
@click.option("--llm-model", default="gpt-4o-mini", show_default=True, help="Model name for --abstractive.")
@click.option("--include-off-topic", is_flag=True,
              help="Keep articles scored off the watch topics (left out by default).")
@click.pass_context
def digest(ctx, db, week, since, until, topic, lang, fmt, output, channel, llm_url, llm_model, include_off_topic):
    """Write the weekly brief: the week's stories across outlets and languages, summarised.

    Articles are grouped into stories (the same event in several outlets and languages),
    ranked, summarised in 2-4 sentences each linked to its article, with key figures, people
    and organisations, dates ahead, per-topic sections and charts.

    \b
    Examples:
      veille digest --week 2025-W30 --format html -o brief.html
      veille digest --since 2025-07-14 --until 2025-07-27 --topic "intelligence artificielle"
      veille digest --lang en --format json
      veille digest --send "mailtos://user:pass@smtp.example.org?to=team@example.org"
      veille digest --format atom -o briefs.xml
    """
    import os

    from digests.render import render

    llm = None
    if llm_url:
        from digests.summarize import LLMConfig

        llm = LLMConfig(endpoint=llm_url, model=llm_model, api_key=os.environ.get("VEILLE_LLM_KEY"))
    lang = lang or ctx.obj["lang"]
    store = _open_store(ctx, db)
    try:
        d = build_digest(store, week, lang, since=since, until=until, topic=topic,
                         embedding=ctx.obj.get("embedding") or "use", llm=llm, include_off_topic=include_off_topic)
        text = render(d, fmt) if fmt != "atom" else None
        if fmt == "atom" or (not topic and not since and not until):
            from db import briefs
            from digests.atom import entry_for, feed
            from digests.render import render_html, title_of

            html = render_html(d)[0]
            if not topic and not since and not until:
                briefs.save_digest(store.db, d.week, lang, title_of(d), d.to_json(), html)
            if fmt == "atom":
                rows = briefs.recent_digests(store.db, lang) if not (topic or since or until) else []
                entries = [entry_for(d, html)] + [_stored_entry(r) for r in rows if r["week"] != d.week]
                text = feed(entries, lang=lang)
    except ValueError as exc:
        raise VeilleError(str(exc)) from None
    finally:
        store.close()
    if channel:
        from digests.channels import DeliveryError
        from digests.send import send_brief

        try:
            send_brief(d, channel)
        except DeliveryError as exc:
            raise VeilleError(f"brief not delivered: {exc}") from None
        click.echo(f"sent to {channel.split('://', 1)[0]}://…", err=True)
    if output:
        Path(output).write_text(text, "utf-8")
        click.echo(output)
    elif not channel:
        click.echo(text)


def _stored_entry(row: dict):
    from digests.atom import Entry

    data = json.loads(row["json"])
    return Entry(id=f"tag:veille,{data['start']}:brief/{row['lang']}/{row['week']}", title=row["title"],
                 updated=row["created_at"], summary=" · ".join(s["title"] for s in data.get("stories", [])[:5]),
                 html=row["html"] or "")


# -- export and db ------------------------------------------------------------------------------


@main.command()
@click.argument("what", type=click.Choice(["articles", "entities", "mentions", "amounts"]))
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.pass_context
def export(ctx, what, db, fmt):
    """Export stored data to stdout.

    \b
    Examples:
      veille export articles --db veille.db --format jsonl > articles.jsonl
      veille export articles --format csv > articles.csv
      veille export entities --format csv > entities.csv   # also: mentions, amounts
    """
    import csv

    from db import queries

    store = _open_store(ctx, db)
    try:
        rows = queries.export_articles(store.db) if what == "articles" else queries.export_table(store.db, what)
        if fmt == "jsonl":
            for r in rows:
                if what == "articles":
                    r.pop("id", None)
                click.echo(json.dumps(r, ensure_ascii=False))
        else:
            writer = None
            for r in rows:
                if what == "articles":
                    r.pop("id", None)
                if writer is None:
                    writer = csv.DictWriter(sys.stdout, fieldnames=list(r))
                    writer.writeheader()
                writer.writerow(r)
    finally:
        store.close()


@main.group()
def db():
    """Database maintenance: migrations and statistics."""


@db.command("migrate")
@db_option
@click.pass_context
def db_migrate(ctx, db):
    """Create the database or upgrade it in place to the latest schema.

    \b
    Example:
      veille db migrate --db veille.db
    """
    from db.schema import applied

    store = _open_store(ctx, db)
    click.echo(f"{store.path}: schema at migration {max(applied(store.db))}")
    store.close()


@db.command("stats")
@db_option
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def db_stats(ctx, db, as_json):
    """Counts of articles, entities, mentions, dates and amounts.

    \b
    Example:
      veille db stats --db veille.db --json
    """
    from db import queries

    store = _open_store(ctx, db)
    s = queries.stats(store.db)
    store.close()
    click.echo(json.dumps(s, indent=2) if as_json else "\n".join(f"{k:>12}: {v}" for k, v in s.items()))


# -- demo ---------------------------------------------------------------------------------------


@main.command()
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Database to fill (default: a new temporary one).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False), help="Folder for the briefs.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.pass_context
def demo(ctx, db, out_dir, lang):
    """Run the whole pipeline offline on the bundled sample news site.

    Serves the sample outlets on 127.0.0.1, crawls them with the real spiders in a
    subprocess, extracts, analyses and stores the articles, then writes the brief of the
    latest week as Markdown and HTML and prints where the files are.

    \b
    Examples:
      veille demo
      veille demo --db demo.db -o briefs/ --lang en
    """
    from crawler.crawl import crawl_in_subprocess
    from crawler.demo.server import serve_site, write_sources
    from digests.render import render

    work = Path(tempfile.mkdtemp(prefix="veille-demo-"))
    out = Path(out_dir) if out_dir else work
    out.mkdir(parents=True, exist_ok=True)
    path = db or str(work / "veille.db")
    _open_store(ctx, path).close()
    t0 = time.monotonic()
    with serve_site() as bases:
        sources = write_sources(bases, work / "sources.toml")
        click.echo(f"sample site: {', '.join(bases.values())}", err=True)
        settings = {"VEILLE_ONLY_LOOPBACK": "True", "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
                    "LOG_LEVEL": "INFO"}
        try:
            stats = crawl_in_subprocess(path, str(sources), settings=settings, timeout=300,
                                        log_file=str(work / "crawl.log"))
        except RuntimeError as exc:
            raise VeilleError(str(exc)) from None
    click.echo(f"crawled: {stats.get('veille/articles_stored', 0)} article(s) stored, "
               f"{stats.get('veille/articles_duplicates', 0)} duplicate(s), "
               f"{stats.get('veille/errors', 0)} error(s)", err=True)
    n = _enrich(ctx, path).analysed
    click.echo(f"analysed: {n} article(s)", err=True)
    store = _open_store(ctx, path)
    try:
        d = build_digest(store, None, lang)
    finally:
        store.close()
    written = []
    for fmt in ("md", "html"):
        target = out / f"brief-{d.week}.{fmt}"
        target.write_text(render(d, fmt), "utf-8")
        written.append(target)
    click.echo(f"done in {time.monotonic() - t0:.0f}s · database: {path}", err=True)
    for target in written:
        click.echo(str(target))


def _register_commands() -> None:
    import importlib
    import pkgutil

    from crawler import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"crawler.commands.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            main.add_command(command)


_register_commands()

if __name__ == "__main__":
    main()
