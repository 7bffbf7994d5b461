"""`veille query`: ask the database what matters, as a table, JSON or CSV.

Each subcommand is one named read of the query modules of `db/` (`db.search`,
`db.entity_queries`, `db.rankings`, `db.amount_queries`); this module only parses options, opens the
database and prints. Every filter reaches SQLite as a bound parameter.
"""
from __future__ import annotations

import csv
import json
import sqlite3
import sys
from functools import wraps

import click

from crawler.commands.tables import print_table
from crawler.options import VeilleError, db_option, json_option, open_store

TYPES = ("PER", "ORG", "LOC", "PROG", "MISC")
SEARCH_HELP = 'use words, "phrases", AND/OR/NOT, NEAR(a b, 5), prefix* (letters before the *)'


def _check_topic(config: dict, topic: str | None) -> None:
    """An unknown --topic is refused with the known ones listed, rather than matching nothing."""
    from nlp.topics import parse_topics

    if topic is None:
        return
    names = [t.name for t in parse_topics(config["topic"])]
    if topic.casefold() not in {n.casefold() for n in names}:
        raise VeilleError(f"unknown topic {topic!r}: the watch topics are {', '.join(names)} "
                          "(set in veille.toml [[topic]] tables)")


def _common(f):
    """Options every query takes: database, filters and output format."""

    @db_option
    @click.option("--since", metavar="YYYY-MM-DD", help="Only articles published on or after this day.")
    @click.option("--until", metavar="YYYY-MM-DD", help="Only articles published on or before this day.")
    @click.option("--lang", metavar="CODE", help="Only articles in this language (fr, en, de...).")
    @click.option("--source", metavar="NAME", help="Only articles of this source (its name in sources.toml).")
    @click.option("--topic", metavar="NAME", help="Only articles assigned to this topic (`veille config` lists them).")
    @json_option("Print one JSON document.")
    @click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
    @click.pass_context
    @wraps(f)
    def wrapper(ctx, db, since, until, lang, source, topic, as_json, as_csv, **kw):
        from db.filters import Filters

        if as_json and as_csv:
            raise VeilleError("choose one of --json and --csv")
        _check_topic(ctx.obj, topic)
        filters = Filters(since=since, until=until, lang=lang, source=source, topic=topic)
        with open_store(db) as store:
            result = f(store.db, filters, **kw)
        fmt = "json" if as_json else "csv" if as_csv else "table"
        _print(result, fmt, ctx.command.name)

    return wrapper


# -- output ---------------------------------------------------------------------------------------

# for CSV and tables: which lists of a nested result become rows, under a `section` column
_SECTIONS = {
    "entity": ("weeks", "cooccurring", "latest", "amounts", "deals"),
    "entities": ("top", "rising"),
    "timeline": ("points",),
    "cooccur": ("weeks", "latest"),
}
_COLUMNS = {  # columns shown in tables (JSON and CSV carry every column)
    "articles": ("published", "source", "title", "snippet"),
    "amounts": ("published", "text", "unit", "eur", "source", "sentence_text"),
    "cooccurring": ("name", "label", "articles"),
    "latest": ("published", "source", "title", "sentence"),
    "amounts_s": ("published", "text", "unit", "eur", "sentence_text"),
    "top": ("rank", "name", "label", "articles", "previous", "change"),
    "deals": ("date", "deal", "sources"),
    "rising": ("rank", "name", "label", "articles", "previous", "change"),
}


def _rows_of(result, name: str) -> list[dict]:
    if isinstance(result, list):
        return result
    rows = []
    for section in _SECTIONS.get(name, ()):
        for r in result.get(section, []):
            rows.append({"section": section, **r})
    return rows


def _print(result, fmt: str, name: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        return
    if fmt == "csv":
        rows = _rows_of(result, name)
        cols: list[str] = []
        for r in rows:
            cols += [k for k in r if k not in cols]
        writer = csv.DictWriter(sys.stdout, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow(r)
        return
    if isinstance(result, list):
        print_table(result, _COLUMNS.get(name, ()))
        if not result:
            click.echo("no results", err=True)
        elif name == "articles" and result[0].get("more"):
            click.echo(f"ranked the {result[0]['ranked_over']} most recent matches; --depth 0 ranks them all",
                       err=True)
        return
    _print_nested(result, name)


def _print_nested(result: dict, name: str) -> None:
    if name in ("entity", "timeline"):
        aliases = f" · aliases: {', '.join(result['aliases'])}" if result.get("aliases") else ""
        click.secho(f"{result['name']} [{result['label']}]{aliases}", bold=True)
        if "window" in result:
            w = result["window"]
            click.echo(f"{result['articles']} article(s), {result['mentions']} mention(s), "
                       f"{w['since']} → {w['until']}")
    elif name == "cooccur":
        click.secho(f"{result['a']['name']} + {result['b']['name']}: {result['articles']} article(s)", bold=True)
    elif name == "entities":
        p, q = result["period"], result["previous_period"]
        click.secho(f"{p['since']} → {p['until']} (previous: {q['since']} → {q['until']})", bold=True)
    for section in _SECTIONS[name]:
        rows = result.get(section) or []
        click.secho(f"\n{section}", bold=True)
        if section in ("weeks", "points"):
            peak = max((r.get("articles", 0) for r in rows), default=0) or 1
            for r in rows:
                label = r.get("week") or r.get("day") or r.get("month")
                click.echo(f"  {label:10} {r['articles']:>7}  {'█' * max(1, round(30 * r['articles'] / peak))}")
            if not rows:
                click.echo("  (none)")
            continue
        print_table(rows, _COLUMNS.get("amounts_s" if section == "amounts" else section, ()))


# -- commands -------------------------------------------------------------------------------------


@click.group("query")
def query():
    """Ask the database: articles, entities, money, timelines, co-occurrences.

    Every subcommand takes --since/--until/--lang/--source/--topic and prints a table, or
    --json / --csv for scripts.
    """


@query.command("articles")
@click.argument("search")
@click.option("--limit", default=20, show_default=True, help="Articles to print.")
@click.option("--depth", default=1000, show_default=True,
              help="Rank this many most recent matches (0: rank every match, slower on big databases).")
@click.option("--duplicates", is_flag=True, help="Include copies of articles published elsewhere.")
@_common
def articles(db, filters, search, limit, depth, duplicates):
    """Full-text search: FTS5 syntax, ranked (BM25, title first), with snippets.

    Accents and case are ignored. Syntax: words (all must match), "exact phrases",
    AND / OR / NOT, NEAR(a b, 5), prefix* and column filters such as title:openai.

    \b
    Examples:
      veille query articles 'OpenAI AND (Paris OR Londres)' --since 2025-07-01
      veille query articles '"IA Booster" OR bpifranc*' --lang fr --json
    """
    from db.search import search_articles

    try:
        return search_articles(db, search, filters, limit=limit, depth=depth, include_duplicates=duplicates)
    except sqlite3.OperationalError as exc:
        # SQLITE_ERROR from the one MATCH whose text the user typed: FTS5 refused the query.
        # Busy, locked or damaged databases have other codes and keep their own handling.
        if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_ERROR:
            raise
        raise VeilleError(f"bad search query {search!r} ({exc}): {SEARCH_HELP}") from None


@query.command("entity")
@click.argument("name")
@click.option("--weeks", default=12, show_default=True, help="Weeks shown when --since is not given.")
@click.option("--top", default=10, show_default=True, help="Co-occurring entities and amounts to show.")
@_common
def entity(db, filters, name, weeks, top):
    """One entity: type, aliases, mentions per week, who it appears with, latest articles, money.

    NAME is a canonical name, an alias or a knowledge-base id, in any case and with or
    without accents; an unknown name gets the closest known ones. Co-occurrences and
    same-sentence amounts are counted over the entity's latest 1,000 articles in the window.

    \b
    Examples:
      veille query entity Bpifrance
      veille query entity "open ai" --weeks 26 --json
    """
    from crawler.commands.deal_text import entity_deals
    from db.entity_queries import entity_profile

    profile = entity_profile(db, name, filters, weeks=weeks, top=top)
    profile["deals"] = entity_deals(db, profile["id"], filters, limit=top)
    return profile


@query.command("entities")
@click.option("--type", "label", type=click.Choice(TYPES, case_sensitive=False), help="Only this type.")
@click.option("--top", default=20, show_default=True, help="How many entities to rank.")
@click.option("--days", type=int, help="Rank the last DAYS days instead of the latest ISO week.")
@click.option("--min-articles", default=3, show_default=True, help="Fewest articles for a rising entity.")
@_common
def entities(db, filters, label, top, days, min_articles):
    """Most mentioned entities of the period, and the ones rising against the period before.

    The period is the ISO week holding the latest day stored (it may be partial), or the
    last --days days, or --since/--until; the previous period has the same length.

    \b
    Examples:
      veille query entities --type ORG --top 20
      veille query entities --since 2025-07-14 --until 2025-07-20 --csv
    """
    from db.rankings import top_entities

    return top_entities(db, filters, label=label, top=top, days=days, min_articles=min_articles)


@query.command("amounts")
@click.option("--currency", help="Only amounts written in this currency (ISO 4217: EUR, USD, GBP).")
@click.option("--min", "min_eur", type=float, help="Smallest EUR equivalent, e.g. 1e6.")
@click.option("--max", "max_eur", type=float, help="Largest EUR equivalent.")
@click.option("--entity", "entity_name", help="Only amounts in a sentence naming this entity.")
@click.option("--kind", default="money", show_default=True, type=click.Choice(["money", "count", "percent"]))
@click.option("--limit", default=50, show_default=True)
@_common
def amounts_cmd(db, filters, currency, min_eur, max_eur, entity_name, kind, limit):
    """The money table: amounts biggest first, with their sentence and EUR equivalent.

    \b
    Examples:
      veille query amounts --currency EUR --min 1e6 --entity Bpifrance
      veille query amounts --since 2025-07-01 --csv > money.csv
    """
    from db.amount_queries import amounts
    from db.entity_queries import resolve_entity

    entity_id = resolve_entity(db, entity_name)["id"] if entity_name else None
    return amounts(db, filters, currency=currency, min_eur=min_eur, max_eur=max_eur, entity_id=entity_id,
                   kind=kind, limit=limit)


amounts_cmd.name = "amounts"


@query.command("timeline")
@click.argument("name")
@click.option("--by", type=click.Choice(["day", "week", "month"]), default="week", show_default=True)
@_common
def timeline(db, filters, name, by):
    """Articles and mentions of one entity over time.

    \b
    Examples:
      veille query timeline "Mistral AI" --by month
      veille query timeline OpenAI --since 2025-01-01 --csv
    """
    from db.entity_queries import timeline as run

    return run(db, name, filters, by=by)


@query.command("cooccur")
@click.argument("a")
@click.argument("b")
@click.option("--limit", default=20, show_default=True, help="Shared articles to list.")
@click.option("--weeks", default=12, show_default=True, help="Weeks looked at when --since is not given.")
@_common
def cooccur(db, filters, a, b, limit, weeks):
    """Articles naming both A and B: how many, per week, and the sentences naming both.

    \b
    Examples:
      veille query cooccur OpenAI "Royaume-Uni"
      veille query cooccur Bpifrance "France 2030" --since 2025-01-01 --json
    """
    from db.entity_queries import cooccurrence

    return cooccurrence(db, a, b, filters, limit=limit, weeks=weeks)


COMMANDS = [query]
