"""Settings: declared once, checked when read (file and environment), listed with their origin."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.config import SETTINGS, ConfigError, load_config
from nlp.errors import VeilleError


def write(tmp_path, text: str):
    path = tmp_path / "veille.toml"
    path.write_text(text, "utf-8")
    return str(path)


@pytest.mark.parametrize("line,message", [
    ('batch_size = "64"', "batch_size must be a whole number of at least 1, got '64'"),
    ("batch_size = 0", "batch_size must be a whole number of at least 1, got 0"),
    ("lang = 'de'", "lang must be one of 'fr', 'en', got 'de'"),
    ("model_size = 3", "model_size must be one of 'md', 'sm', got 3"),
    ("processes = 'many'", "processes must be 'auto' or a whole number of at least 1, got 'many'"),
    ("embedding = 'bert'", "embedding must be 'use' or 'st:<model name or path>', got 'bert'"),
    ("topic = 'ai'", "topic must be an array of tables"),
    ("db = 42", "db must be a non-empty string, got 42"),
])
def test_a_wrong_type_in_the_file_names_the_file_and_the_key(tmp_path, line, message):
    path = write(tmp_path, line + "\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)
    assert isinstance(err.value, VeilleError)


def test_an_unknown_key_lists_the_known_ones(tmp_path):
    path = write(tmp_path, "langue = 'fr'\n")
    with pytest.raises(ConfigError, match="unknown settings: langue .known: db, sources, lang"):
        load_config(path, env={})


def test_environment_values_are_parsed_and_checked(tmp_path):
    config = load_config(None, env={"VEILLE_BATCH_SIZE": "16", "VEILLE_PROCESSES": "2"})
    assert config["batch_size"] == 16 and config["processes"] == 2
    with pytest.raises(ConfigError, match="VEILLE_BATCH_SIZE: batch_size must be a whole number"):
        load_config(None, env={"VEILLE_BATCH_SIZE": "lots"})


def test_layers_and_their_origins(tmp_path):
    path = write(tmp_path, "lang = 'en'\nbatch_size = 8\n[[topic]]\nname = 'quantum'\nkeywords = ['qubit']\n")
    config = load_config(path, env={"VEILLE_BATCH_SIZE": "32"})
    assert (config["lang"], config.origins["lang"]) == ("en", "file")
    assert (config["batch_size"], config.origins["batch_size"]) == (32, "env")  # env wins over the file
    assert (config["model_size"], config.origins["model_size"]) == ("md", "default")
    assert config["topic"] == [{"name": "quantum", "keywords": ["qubit"]}]


def test_veille_config_json_lists_every_setting_with_its_origin(tmp_path):
    path = write(tmp_path, "lang = 'en'\n")
    res = CliRunner().invoke(main, ["--config", path, "config", "--json", "--db", str(tmp_path / "x.db")],
                             env={"VEILLE_MODEL_SIZE": "sm"})
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["file"] == path and set(data["settings"]) == {s.name for s in SETTINGS}
    got = {name: (s["value"], s["origin"]) for name, s in data["settings"].items()}
    assert got["lang"] == ("en", "file") and got["model_size"] == ("sm", "env")
    assert got["db"] == (str(tmp_path / "x.db"), "option") and got["batch_size"] == (64, "default")


def test_veille_config_shows_where_the_default_database_is(tmp_path):
    res = CliRunner().invoke(main, ["config"], env={"VEILLE_DB": str(tmp_path / "team.db")})
    assert res.exit_code == 0 and f"db = {tmp_path / 'team.db'}  [env]" in res.output


def test_a_bad_setting_is_one_error_line_from_any_command(tmp_path):
    res = CliRunner().invoke(main, ["db", "stats"], env={"VEILLE_LANG": "klingon"})
    assert res.exit_code == 1 and res.output == "Error: VEILLE_LANG: lang must be one of 'fr', 'en', got 'klingon'\n"
