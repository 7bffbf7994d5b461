"""The documentation cannot fall behind: every command has an example, every command and every
setting is in the README (its configuration table comes from `crawler.config.SETTINGS`)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.config import SETTINGS, markdown_table

ROOT = Path(__file__).parent.parent


def all_commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, prefix + (name,))


COMMANDS = list(all_commands(main))


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path, cmd):
    res = CliRunner().invoke(main, [*path, "--help"])
    assert res.exit_code == 0
    if not isinstance(cmd, click.Group):
        assert "Example" in res.output, f"veille {' '.join(path)} --help shows no example"


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    missing = [" ".join(p) for p, cmd in COMMANDS if not isinstance(cmd, click.Group)
               and f"veille {' '.join(p)}" not in readme]
    assert not missing, f"README does not document: {', '.join('veille ' + m for m in missing)}"


def test_the_readme_configuration_table_lists_every_setting():
    """Reads README.md: paste `python -m crawler.config --markdown` into its Configuration section."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M))
    missing = [s.name for s in SETTINGS if s.name not in rows]
    assert not missing, f"README's configuration table lacks {missing}: paste `python -m crawler.config --markdown`"


def test_the_generated_table_is_the_one_to_paste():
    out = subprocess.run([sys.executable, "-m", "crawler.config", "--markdown"], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == markdown_table()
    rows = out.strip().splitlines()[2:]
    assert [r.split("`")[1] for r in rows] == [s.name for s in SETTINGS]
    assert markdown_table() in (ROOT / "docs" / "readme" / "cli.md").read_text("utf-8")
