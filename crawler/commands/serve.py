"""`veille serve`: browse the database in Datasette, read-only, on localhost."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from crawler.options import VeilleError, db_option, open_store


@click.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on; 0.0.0.0 exposes the database to your network.")
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option("--immutable", is_flag=True, help="Serve a snapshot nobody writes to (faster counts).")
@click.option("--print-metadata", is_flag=True, help="Print the Datasette metadata JSON and exit.")
@click.pass_context
def serve(ctx, db, host, port, immutable, print_metadata):
    """Browse the database in Datasette: tables with column docs, full-text search on articles,
    and canned queries for entities, top entities, money and co-occurrences. Read-only.

    \b
    Examples:
      veille serve --db veille.db              # then open http://127.0.0.1:8001/
      veille serve --db veille.db --port 8080 --immutable
    """
    from db.serve import datasette_args, metadata

    path = db  # resolved by db_option, which refuses a path where no database is
    meta = metadata(Path(path).stem)
    if print_metadata:
        click.echo(json.dumps(meta, ensure_ascii=False, indent=2))
        return
    open_store(path).close()  # migrate first: the canned queries read the roll-ups
    with tempfile.TemporaryDirectory(prefix="veille-serve-") as tmp:
        meta_path = Path(tmp) / "metadata.json"
        meta_path.write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        cmd = [sys.executable, "-m", "datasette", *datasette_args(path, str(meta_path), host=host, port=port,
                                                                   immutable=immutable)]
        click.echo(f"serving {path} read-only on http://{host}:{port}/ (Ctrl-C stops)", err=True)
        proc = subprocess.Popen(cmd)
        try:
            rc = proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            rc = proc.wait()
    if rc not in (0, -15):
        raise VeilleError(f"datasette stopped with status {rc}")


COMMANDS = [serve]
