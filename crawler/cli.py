"""The `veille` command: the composition root that wires crawler, nlp, db and digests together.

Only the CLI reads configuration files, environment variables and options; the libraries
below it take plain arguments. The commands live in `crawler/commands/`, one module each,
and share their options through `crawler.options`. Errors end here, at one place
(`VeilleGroup.invoke`): a `VeilleError` from any layer becomes `Error: <message>` on stderr and
exit status 1, and a damaged database file gets one message naming it, never a traceback.
"""
from __future__ import annotations

import logging
import sqlite3

import click

from crawler.config import load_config
from crawler.options import DB_META, VeilleError

__all__ = ["main", "VeilleError"]

log = logging.getLogger("veille")

DAMAGED = "the database {path} is damaged ({error}): run `veille db check --db {path}`"
NOT_A_DATABASE = "{path} is not a veille database ({error}): check --db"


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def database_error(exc: sqlite3.DatabaseError, path: str | None) -> str | None:
    """The message for a database file that is damaged or not a database; None for other errors."""
    from db.check import SQLITE_NOTADB, is_damage

    if not is_damage(exc):
        return None
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    template = NOT_A_DATABASE if code == SQLITE_NOTADB else DAMAGED
    return template.format(path=path or "(unknown)", error=exc)


class VeilleGroup(click.Group):
    """The root group: turns library errors into one clear line, the way sqlite-utils does."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except VeilleError as exc:
            raise click.ClickException(str(exc)) from None
        except sqlite3.DatabaseError as exc:
            message = database_error(exc, ctx.meta.get(DB_META))
            if message is None:  # a locked database, a bug in a query: the traceback is worth having
                raise
            raise click.ClickException(message) from None


@click.group(cls=VeilleGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    ctx.obj = load_config(config_path)


def _open_store(ctx, db):
    """Kept for `crawler/commands/alerts.py` until it opens stores through `crawler.options`."""
    from crawler.config import db_path
    from crawler.options import open_store

    return open_store(db_path(ctx.obj, db), create=True)


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
