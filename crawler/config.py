"""veille's own settings, each declared once with its default and help.

Layers, later wins: these defaults < veille.toml (`--config` or VEILLE_CONFIG) < VEILLE_*
environment variables < command-line options. Only the CLI reads this; libraries take arguments.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import VeilleError


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS = [
    Setting("db", None, "SQLite database path (default: veille.db in the user data directory)"),
    Setting("sources", None, "sources.toml of the watch list (default: the packaged registry)"),
    Setting("lang", "fr", "language of briefs and messages: fr or en"),
    Setting("embedding", "use", "embedding backend: 'use' (multilingual USE) or 'st:<model name or path>'"),
    Setting("model_size", "md", "French spaCy pipeline size: md or sm"),
    Setting("batch_size", 64, "documents per nlp.pipe batch during enrichment"),
    Setting("processes", "auto", "processes for enrichment (one model copy each, ~0.5 GB): a number, or 'auto' "
                                 "(one per core, at most 4, when at least 200 articles wait; else 1)"),
]
DEFAULTS = {s.name: s.default for s in SETTINGS}


class ConfigError(VeilleError, ValueError):
    pass


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("veille", appauthor=False))


def load_config(path: str | None = None, env: dict | None = None) -> dict:
    """Settings merged from defaults, the config file and VEILLE_* variables."""
    env = os.environ if env is None else env
    config = dict(DEFAULTS)
    path = path or env.get("VEILLE_CONFIG")
    if path:
        try:
            data = tomllib.loads(Path(path).read_text("utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        unknown = set(data) - set(DEFAULTS) - {"alert", "topic"}
        if unknown:
            raise ConfigError(f"{path}: unknown settings: {', '.join(sorted(unknown))}")
        config.update(data)
    for s in SETTINGS:
        value = env.get(f"VEILLE_{s.name.upper()}")
        if value is not None:
            config[s.name] = type(s.default)(value) if isinstance(s.default, int) else value
    return config


def db_path(config: dict, override: str | None = None) -> str:
    path = override or config.get("db")
    if path:
        return str(path)
    d = data_dir()
    d.mkdir(parents=True, exist_ok=True)
    return str(d / "veille.db")
