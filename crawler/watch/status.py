"""The status file of a running `veille watch`: `<db>.watch.json`, rewritten after every round.

Written to a temporary file in the same folder and renamed over the old one, so a reader sees
one whole status or the previous one, never half of each.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from nlp.errors import VeilleError


class NoStatus(VeilleError, FileNotFoundError):
    """No status file: `veille watch` never ran on this database."""


def status_path(db: str) -> Path:
    p = Path(db)
    return p.with_name(p.stem + ".watch.json")


def write_status(db: str, status: dict) -> None:
    path = status_path(db)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(status, fh, indent=2, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:  # a failed write must not leave its temporary file behind; re-raised
        Path(tmp).unlink(missing_ok=True)
        raise


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, run by another user
        return True
    return True


def read_status(db: str) -> dict:
    """The last status written, with `running`: whether its process is still alive."""
    path = status_path(db)
    try:
        status = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise NoStatus(f"no watch status at {path}: `veille watch --db {db}` has not run") from None
    except ValueError as exc:
        raise VeilleError(f"{path} is not a watch status file: {exc}") from None
    status["running"] = status.get("stopped_at") is None and pid_alive(status.get("pid"))
    return status


def _short(when: str | None) -> str:
    return when[:19].replace("T", " ") if when else "-"


def format_status(status: dict) -> list[str]:
    """The lines `veille watch --status` prints: the process, then one line per source."""
    state = "running" if status["running"] else f"stopped {_short(status.get('stopped_at'))}"
    last = status.get("last_round") or {}
    lines = [(f"veille watch pid {status.get('pid')} · {state} · since {_short(status.get('started_at'))}"
              f" · rounds {status.get('rounds', 0)}"),
             (f"last round: {_short(last.get('finished_at'))} · {last.get('sources', 0)} source(s) polled"
              f" · {last.get('stored', 0)} stored · {last.get('analysed', 0)} analysed"
              f" · {last.get('alerts_sent', 0)} alert(s) sent · {last.get('seconds', 0)} s")]
    if status.get("brief"):
        b = status["brief"]
        lines.append(f"brief: last {b.get('last_week') or '-'} · next {_short(b.get('next_at'))}")
    header = f"{'source':<28} {'last poll':<19} {'next poll':<19} {'outcome':<9} {'new':>4} {'total':>6}" \
             f" {'err':>4} {'backoff':>8}"
    lines.append(header)
    for s in status.get("sources", []):
        backoff = f"x{s['interval'] / s['every']:.0f}" if s["interval"] > s["every"] else "-"
        lines.append(f"{s['source'][:28]:<28} {_short(s.get('last_poll')):<19} {_short(s.get('next_poll')):<19}"
                     f" {s.get('outcome') or '-':<9} {s['new_articles']:>4} {s['new_total']:>6} {s['errors']:>4}"
                     f" {backoff:>8}")
        if s.get("outcome") == "failed" and s.get("last_error"):
            lines.append(f"    {s['last_error'][:100]}")
    return lines
