"""`veille entities`: edit the entity base (aliases, merges, renames) and let it grow.

Edits change the stored rows and the database's own knowledge-base file (`<db>.kb.jsonl`) in
the same command, so the next enrichment links new mentions the way the user decided.
"""
from __future__ import annotations

import json

import click

from crawler.options import db_option, json_option, open_store


def _edit(ctx, db, fn, *args):
    """Run one edit from `db.entity_edits` on the database; returns its result.

    An EntityEditError (unknown entity, name taken) is a VeilleError: the CLI prints it.
    """
    from db.entity_edits import load_kb, user_kb_path

    with open_store(db) as store:
        return fn(store.db, load_kb(store.path), user_kb_path(store.path), *args)


def _show(row, as_json: bool, verb: str) -> None:
    if as_json:
        click.echo(json.dumps({"id": row.id, "name": row.name, "label": row.label, "kb_id": row.kb_id},
                              ensure_ascii=False))
    else:
        click.echo(f"{verb}: {row.name} [{row.label}] (knowledge base id {row.kb_id})")


@click.group()
def entities():
    """Edit the entity base: aliases, merges, renames; promote recurring unknown names.

    Each edit updates the stored mentions at once and is saved next to the database
    (veille.kb.jsonl for veille.db), so later enrichment follows it.

    \b
    Examples:
      veille entities alias "OpenAI" "Open A.I."
      veille entities merge "Booking" "Booking.com"
      veille entities rename "DSIT" "Department for Science, Innovation and Technology"
      veille entities promote --min-sources 3 --dry-run
    """


@entities.command()
@db_option
@click.argument("name")
@click.argument("alias")
@json_option("Print the entity as JSON.")
@click.pass_context
def alias(ctx, db, name, alias, as_json):
    """Give the entity NAME another surface form ALIAS (any language).

    \b
    Example:
      veille entities alias "Union européenne" "EU"
    """
    from db.entity_edits import add_alias

    _show(_edit(ctx, db, add_alias, name, alias), as_json, f"{alias!r} is now an alias of")


@entities.command()
@db_option
@click.argument("source")
@click.argument("target")
@json_option("Print the merged entity as JSON.")
@click.pass_context
def merge(ctx, db, source, target, as_json):
    """Fold entity SOURCE into TARGET: its mentions, name and aliases move to TARGET.

    \b
    Example:
      veille entities merge "Open AI" "OpenAI"
    """
    from db.entity_edits import merge as do_merge

    _show(_edit(ctx, db, do_merge, source, target), as_json, f"merged {source!r} into")


@entities.command()
@db_option
@click.argument("name")
@click.argument("new_name")
@json_option("Print the renamed entity as JSON.")
@click.pass_context
def rename(ctx, db, name, new_name, as_json):
    """Change the canonical name of NAME to NEW_NAME; the old name stays an alias.

    \b
    Example:
      veille entities rename "Bpi" "Bpifrance"
    """
    from db.entity_edits import rename as do_rename

    _show(_edit(ctx, db, do_rename, name, new_name), as_json, "renamed")


@entities.command()
@db_option
@click.option("--min-sources", type=click.IntRange(1, 1000), default=3, show_default=True,
              help="Distinct sources that must name an unknown entity.")
@click.option("--dry-run", is_flag=True, help="Only list what would be promoted.")
@json_option("One JSON array of the promoted entities.")
@click.pass_context
def promote(ctx, db, min_sources, dry_run, as_json):
    """Make unknown entities named by several sources canonical entities of the knowledge base.

    Enrichment does this after each run with --min-sources 3; run it by hand to see or
    force it. One-word lower-case names and MISC entities are never promoted.

    \b
    Example:
      veille entities promote --min-sources 2 --dry-run
    """
    from db.entity_edits import promote as do_promote

    rows = _edit(ctx, db, lambda d, kb, path: do_promote(d, kb, path, min_sources, dry_run=dry_run))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    verb = "would promote" if dry_run else "promoted"
    click.echo(f"{verb} {len(rows)} entit{'y' if len(rows) == 1 else 'ies'}")
    for r in rows:
        click.echo(f"  {r['name']} [{r['label']}] {r['sources']} sources, {r['mentions']} mentions")


COMMANDS = [entities]
