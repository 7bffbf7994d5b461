"""`veille config`: every setting, its effective value and where that value came from."""
from __future__ import annotations

import json

import click

from crawler.options import json_option


@click.command("config")
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Show this database as the `db` setting.")
@json_option("One JSON document: {setting: {value, origin, type, default, help}}.")
@click.pass_context
def config_cmd(ctx, db, as_json):
    """List veille's settings: effective value, and whether it came from the default, the
    config file (--config or VEILLE_CONFIG), a VEILLE_* variable or an option.

    \b
    Examples:
      veille config
      veille --config veille.toml config --json
    """
    from crawler.config import BY_NAME, SETTINGS, db_path

    config = ctx.obj
    config.with_option("db", db)
    rows = {}
    for s in SETTINGS:
        value = config[s.name]
        if s.name == "db":
            value = db_path(config)  # where the database is, even when no setting names it
        rows[s.name] = {"value": value, "origin": config.origins[s.name], "type": s.kind, "default": s.default,
                        "env": s.env_name, "help": s.help}
    if as_json:
        click.echo(json.dumps({"file": config.file, "settings": rows}, ensure_ascii=False, indent=2))
        return
    click.echo(f"config file: {config.file or '(none: --config FILE or VEILLE_CONFIG)'}")
    for name, r in rows.items():
        value = r["value"]
        if isinstance(value, list):
            value = f"{len(value)} table(s)"
        elif value is None:
            value = BY_NAME[name].unset or "(none)"
        click.echo(f"{name:>12} = {value}  [{r['origin']}]")


COMMANDS = [config_cmd]
