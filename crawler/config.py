"""veille's own settings, each declared once with its type, default and help.

Layers, later wins: these defaults < veille.toml (`--config` or VEILLE_CONFIG) < VEILLE_*
environment variables < command-line options. Only the CLI reads this; libraries take plain
arguments. The same declaration is checked against the README (`tests/test_docs.py`) and
printed as its table by `python -m crawler.config --markdown`.
"""
from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import VeilleError


class ConfigError(VeilleError, ValueError):
    pass


def _text(value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a non-empty string")
    return value


def _path(value):
    return str(_text(value))


def _whole(value):
    """A positive whole number (a TOML string "64" is refused: the file says what it means)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("a whole number of at least 1")
    return value


def _embedding(value):
    value = _text(value)
    if value != "use" and not (value.startswith("st:") and len(value) > 3):
        raise ValueError("'use' or 'st:<model name or path>'")
    return value


def _processes(value):
    if value == "auto":
        return value
    try:
        return _whole(value)
    except ValueError:
        raise ValueError("'auto' or a whole number of at least 1") from None


def _one_of(*choices: str):
    def check(value):
        if value not in choices:
            raise ValueError("one of " + ", ".join(repr(c) for c in choices))
        return value

    check.choices = choices
    return check


def _tables(value):
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise ValueError("an array of tables ([[...]] in TOML)")
    return value


def _cluster(value):
    if not isinstance(value, dict) or set(value) - {"redis"}:
        raise ValueError("a [cluster] table with only `redis = \"redis://...\"`")
    if "redis" in value and not str(value["redis"]).startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("a [cluster] table whose redis is a redis://, rediss:// or unix:// URL")
    return value


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # shown in `veille config` and the README
    default: object
    help: str
    parse: Callable[[object], object]  # returns the checked value; ValueError says what is expected
    env: bool = True  # settable through VEILLE_<NAME>
    unset: str = ""  # what a None value means, for `veille config`

    @property
    def env_name(self) -> str | None:
        return f"VEILLE_{self.name.upper()}" if self.env else None


SETTINGS = [
    Setting("db", "path", None, "SQLite database (default: veille.db in the user data directory)", _path),
    Setting("sources", "path", None, "sources.toml of the watch list (default: the packaged registry of "
                                     "French and European sources)", _path,
            unset="(the packaged watch list)"),
    Setting("lang", "fr | en", "fr", "language of briefs and alert messages", _one_of("fr", "en")),
    Setting("embedding", "text", "use", "embedding backend: 'use' (multilingual Universal Sentence Encoder) or "
                                        "'st:<model name or path>' (sentence-transformers)", _embedding),
    Setting("model_size", "md | sm", "md", "French spaCy pipeline size", _one_of("md", "sm")),
    Setting("batch_size", "integer", 64, "documents per nlp.pipe batch during enrichment", _whole),
    Setting("processes", "auto | integer", "auto", "enrichment processes, one model copy each (~0.5 GB): a "
                                                   "number, or 'auto' (one per core, at most 4, when at least "
                                                   "200 articles wait; else 1)", _processes),
    Setting("topic", "[[topic]] tables", None, "watch topics (name, label, description_<lang>, keywords); "
                                               "they replace the five default topics", _tables, env=False,
            unset="(the five default topics)"),
    Setting("alert", "[[alert]] tables", [], "alert subscriptions (the keys of `veille alerts add`), synced "
                                             "into the database on each run", _tables, env=False),
    Setting("cluster", "[cluster] table", {}, "several machines: `redis = \"redis://host:6379/0\"` (or "
                                              "`VEILLE_REDIS`), the Redis of `veille cluster` commands",
            _cluster, env=False),
]
BY_NAME = {s.name: s for s in SETTINGS}
DEFAULTS = {s.name: s.default for s in SETTINGS}


class Config(dict):
    """The effective settings (a dict, as commands read them) and where each value came from."""

    def __init__(self, values: dict, origins: dict[str, str], file: str | None = None):
        super().__init__(values)
        self.origins = origins  # name → "default" | "file" | "env" | "option"
        self.file = file

    def with_option(self, name: str, value) -> None:
        """Record a command-line option that overrides a setting (shown by `veille config`)."""
        if value is not None:
            self[name] = value
            self.origins[name] = "option"


def _check(setting: Setting, value, where: str):
    try:
        return setting.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {setting.name} must be {exc}, got {value!r}") from None


def _read_file(path: str) -> dict:
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    unknown = set(data) - set(BY_NAME)
    if unknown:
        raise ConfigError(f"{path}: unknown settings: {', '.join(sorted(unknown))} "
                          f"(known: {', '.join(BY_NAME)})")
    return data


def load_config(path: str | None = None, env: dict | None = None) -> Config:
    """Settings merged from defaults, the config file and VEILLE_* variables, each checked."""
    env = os.environ if env is None else env
    values, origins = dict(DEFAULTS), dict.fromkeys(DEFAULTS, "default")
    path = path or env.get("VEILLE_CONFIG")
    if path:
        for name, value in _read_file(path).items():
            values[name] = _check(BY_NAME[name], value, path)
            origins[name] = "file"
    for s in SETTINGS:
        raw = env.get(s.env_name) if s.env else None
        if raw is not None:
            if "integer" in s.kind and raw.strip().isdigit():  # the environment only holds text
                raw = int(raw)
            values[s.name] = _check(s, raw, s.env_name)
            origins[s.name] = "env"
    return Config(values, origins, path)


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("veille", appauthor=False))


def db_path(config: dict, override: str | None = None) -> str:
    """The database path: the option, else the setting, else veille.db in the user data directory."""
    path = override or config.get("db")
    return str(path) if path else str(data_dir() / "veille.db")


def markdown_table() -> str:
    """The README's configuration table, from SETTINGS."""
    lines = ["| setting | type | default | environment | meaning |", "|---|---|---|---|---|"]
    for s in SETTINGS:
        default = "(none)" if s.default is None else "`[]`" if s.default == [] else f"`{s.default}`"
        env = f"`{s.env_name}`" if s.env else "-"
        lines.append(f"| `{s.name}` | {s.kind.replace('|', chr(92) + '|')} | {default} | {env} | {s.help} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m crawler.config --markdown")
    print(markdown_table())
