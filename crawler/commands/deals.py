"""`veille query deals` and `veille query partners`: who partners with, invests in, buys or
funds whom, read from the deals the NLP stage found (`db.deals`).

Registered on the `query` group of `crawler.commands.query`; this module only parses options,
opens the database and prints.
"""
from __future__ import annotations

import csv
import json
import sys

import click

from crawler.commands.query import query
from crawler.commands.tables import print_table
from crawler.options import VeilleError, db_option, json_option, open_store

KINDS = ("partnership", "investment", "acquisition", "public_funding", "expansion")


def _flat(d: dict) -> dict:
    return {"date": d["date"], "kind": d["kind"], "status": d["status"],
            "parties": "; ".join(f"{p['canonical']} ({p['role']})" for p in d["parties"]),
            "amount": d["amount_text"], "eur": d["amount_eur"], "sources": len(d["sources"]),
            "first_source": (d["sources"][0]["title"] or d["sources"][0]["url"]) if d["sources"] else None}


def _emit(rows: list[dict], flat: list[dict], as_json: bool, as_csv: bool) -> None:
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(flat[0]) if flat else ["date"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(flat)
        return
    print_table(flat, tuple(flat[0]) if flat else ())
    if not flat:
        click.echo("no results", err=True)


def _run(db: str, fn):
    """Open the (existing) database and run `fn(conn)`; a bad name or date is a QueryError,
    which the CLI prints as one line."""
    with open_store(db) as store:
        return fn(store.db)


def _check_dates(since, until):
    from db.filters import Filters

    Filters(since=since, until=until)  # raises QueryError with the option's name


@query.command("deals")
@db_option
@click.option("--entity", "entity_name", metavar="NAME", help="Only deals this entity is a party to.")
@click.option("--kind", type=click.Choice(KINDS), help="Only deals of this kind.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only deals dated on or after this day.")
@click.option("--until", metavar="YYYY-MM-DD", help="Only deals dated on or before this day.")
@click.option("--min-amount", "min_eur", type=float, metavar="EUR", help="Smallest amount, in EUR (e.g. 1e6).")
@click.option("--status", type=click.Choice(["announced", "reported"]), help="Only announced or only reported deals.")
@click.option("--limit", default=100, show_default=True)
@json_option("Print JSON (parties and sources nested).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
def deals_cmd(db, entity_name, kind, since, until, min_eur, status, limit, as_json, as_csv):
    """Deals found in the articles: partnerships, investments, acquisitions, public funding,
    openings; each with its parties and roles, amount, date and the articles telling it.

    \b
    Examples:
      veille query deals --entity OpenAI
      veille query deals --kind public_funding --since 2025-07-01 --min-amount 1e6 --json
    """
    from db.deals import list_deals
    from db.entity_queries import resolve_entity

    if as_json and as_csv:
        raise VeilleError("choose one of --json and --csv")

    def fn(conn):
        _check_dates(since, until)
        entity_id = resolve_entity(conn, entity_name)["id"] if entity_name else None
        return list_deals(conn, entity_id=entity_id, kind=kind, since=since, until=until, min_eur=min_eur,
                          status=status, limit=limit)

    rows = _run(db, fn)
    _emit(rows, [_flat(d) for d in rows], as_json, as_csv)


@query.command("partners")
@click.argument("name")
@db_option
@click.option("--since", metavar="YYYY-MM-DD", help="Only deals dated on or after this day.")
@click.option("--until", metavar="YYYY-MM-DD", help="Only deals dated on or before this day.")
@json_option()
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
def partners_cmd(name, db, since, until, as_json, as_csv):
    """NAME's counterparties in deals: kinds, how many deals, the last one, total amount (EUR).

    \b
    Examples:
      veille query partners OpenAI
      veille query partners Bpifrance --since 2025-01-01 --csv
    """
    from db.deals import partners
    from db.entity_queries import resolve_entity

    if as_json and as_csv:
        raise VeilleError("choose one of --json and --csv")

    def fn(conn):
        _check_dates(since, until)
        e = resolve_entity(conn, name)
        return {"entity": {"id": e["id"], "name": e["name"], "label": e["label"]},
                "partners": partners(conn, e["id"], since=since, until=until)}

    result = _run(db, fn)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    flat = [{"name": r["name"], "label": r["label"], "kinds": ", ".join(r["kinds"]), "roles": ", ".join(r["roles"]),
             "deals": r["deals"], "last_deal": r["last_deal"], "total_eur": r["total_eur"]}
            for r in result["partners"]]
    if not as_csv:
        click.secho(f"{result['entity']['name']} [{result['entity']['label']}]", bold=True)
    _emit(result["partners"], flat, False, as_csv)


# registered on the `query` group above, which crawler.commands.query exports itself
COMMANDS: list = []
