"""What every `veille` command shares: options declared once, opening the store, the error class.

Kept apart from `crawler.cli` because the command modules are imported while `crawler.cli`
loads: they import from here, never from `crawler.cli`, so no import runs back up.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from crawler.config import db_path
from nlp.errors import VeilleError

__all__ = ["VeilleError", "db_option", "json_option", "settings_option", "since_option", "sources_option",
           "open_store", "DB_META"]

DB_META = "veille.db_path"  # ctx.meta key: the database of this call, named by the damaged-database message
NO_DATABASE = "no database at {path} (create one with `veille db migrate --db {path}` or `veille crawl`)"


def _resolve_db(create: bool):
    def callback(ctx: click.Context, param, value):
        if ctx.resilient_parsing:
            return value
        path = db_path(ctx.obj or {}, value)
        ctx.meta[DB_META] = path
        if not create and not Path(path).is_file():
            raise VeilleError(NO_DATABASE.format(path=path))
        return path

    return callback


def db_option(f=None, *, create: bool = False):
    """--db, resolved against the config to a path; the database must exist unless `create`.

    Only the commands that make databases (`db migrate`, `crawl`, `run`, `demo`) pass
    `create=True`: a mistyped path anywhere else is an error, not a new empty database.
    Use as `@db_option` or `@db_option(create=True)`.
    """
    help_ = "SQLite database (default: veille.db in the user data dir; `veille config` shows it)."
    decorator = click.option("--db", "db", type=click.Path(dir_okay=False), callback=_resolve_db(create),
                             help=help_ + ("" if create else " Must exist."))
    return decorator(f) if f is not None else decorator


def json_option(help: str = "Print one JSON document.", f=None):
    """--json, stored as `as_json`."""
    decorator = click.option("--json", "as_json", is_flag=True, help=help)
    return decorator(f) if f is not None else decorator


def _parse_settings(ctx, param, value) -> dict[str, str]:
    overrides = {}
    for kv in value or ():
        name, eq, setting = kv.partition("=")
        if not eq or not name.strip():
            raise click.BadParameter(f"-s takes NAME=VALUE, got {kv!r}", ctx=ctx, param=param)
        overrides[name.strip()] = setting
    return overrides


def settings_option(f):
    """-s NAME=VALUE (repeatable): Scrapy setting overrides, given to the command as a dict."""
    return click.option("-s", "settings", multiple=True, metavar="NAME=VALUE", callback=_parse_settings,
                        help="Override a Scrapy setting (repeatable).")(f)


def _parse_day(ctx, param, value) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"must be YYYY-MM-DD, got {value!r}", ctx=ctx, param=param) from None


def since_option(help: str = "Skip feed and sitemap entries older than this date (YYYY-MM-DD).", f=None):
    """--since YYYY-MM-DD, checked while parsing, so every command refuses a bad date the same way."""
    decorator = click.option("--since", metavar="YYYY-MM-DD", callback=_parse_day, help=help)
    return decorator(f) if f is not None else decorator


def sources_option(f):
    """--sources FILE: the watch list to crawl (default: the `sources` setting, else the packaged one)."""
    return click.option("--sources", type=click.Path(exists=True, dir_okay=False),
                        help="sources.toml to crawl (default: the `sources` setting, else the packaged list).")(f)


def open_store(path: str, *, create: bool = False):
    """The `db.store.Store` at `path`, migrated; with `create`, a new database where none is."""
    from db.store import Store

    if create:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return Store(path)
    return Store.open_existing(path)
