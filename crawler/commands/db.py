"""`veille db migrate|stats|check` and `veille export`: the database itself."""
from __future__ import annotations

import csv
import json
import sys

import click

from crawler.options import VeilleError, db_option, json_option, open_store


@click.command()
@click.argument("what", type=click.Choice(["articles", "entities", "mentions", "amounts"]))
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True,
              help="jsonl: one JSON object per row (a table is a list); csv: a header, then the rows.")
def export(what, db, fmt):
    """Export stored data to stdout.

    \b
    Examples:
      veille export articles --db veille.db --format jsonl > articles.jsonl
      veille export articles --format csv > articles.csv
      veille export entities --format csv > entities.csv   # also: mentions, amounts
    """
    from db import queries

    with open_store(db) as store:
        rows = queries.export_articles(store.db) if what == "articles" else queries.export_table(store.db, what)
        writer = None
        for r in rows:
            if what == "articles":
                r.pop("id", None)
            if fmt == "jsonl":
                click.echo(json.dumps(r, ensure_ascii=False))
                continue
            if writer is None:
                writer = csv.DictWriter(sys.stdout, fieldnames=list(r))
                writer.writeheader()
            writer.writerow(r)


@click.group("db")
def db_group():
    """Database maintenance: migrations, statistics, integrity."""


@db_group.command("migrate")
@db_option(create=True)
def db_migrate(db):
    """Create the database or upgrade it in place to the latest schema.

    \b
    Example:
      veille db migrate --db veille.db
    """
    from db.schema import applied

    with open_store(db, create=True) as store:
        click.echo(f"{store.path}: schema at migration {max(applied(store.db))}")


@db_group.command("stats")
@db_option
@json_option()
def db_stats(db, as_json):
    """Counts of articles, entities, mentions, dates and amounts (`veille db check` reads every page).

    \b
    Example:
      veille db stats --db veille.db --json
    """
    from db import queries

    with open_store(db) as store:
        s = queries.stats(store.db)
    click.echo(json.dumps(s, indent=2) if as_json else "\n".join(f"{k:>12}: {v}" for k, v in s.items()))


@db_group.command("check")
@db_option
@json_option()
def db_check(db, as_json):
    """Check the database is whole: every page, the full-text index, a row count per table.

    Runs SQLite's integrity check, FTS5's own integrity check against the articles, and
    counts every table; exits 1 when anything is wrong (restore a backup, or re-crawl into
    a new database). Nothing is migrated or written.

    \b
    Examples:
      veille db check --db veille.db
      veille db check --json
    """
    from db.check import check

    report = check(db)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"{report.path}: {'ok' if report.ok else 'DAMAGED'}")
        click.echo("  pages: " + "; ".join(report.integrity))
        for name, state in report.fts.items():
            click.echo(f"  full-text index {name}: {state}")
        for name, n in report.rows.items():
            click.echo(f"  {name:>24}: {n if n is not None else 'unreadable: ' + report.errors[name]}")
    if not report.ok:
        raise click.exceptions.Exit(1) if as_json else VeilleError(
            f"the database {report.path} is damaged: restore a backup, or re-crawl into a new database")


COMMANDS = [export, db_group]
