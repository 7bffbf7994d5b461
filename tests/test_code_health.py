"""The product's import graph and private names, read by `benchmarks/code_health.py` (issue 14).

No import cycle among our modules, module-level or inside a function, and no use of another
module's private name. The line counts it also reports are not asserted here: they are
measures for the closing note, while other branches are still landing.
"""
from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def code_health():
    spec = importlib.util.spec_from_file_location("code_health", ROOT / "benchmarks" / "code_health.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report(code_health):
    return code_health.health(ROOT)


def test_the_product_has_no_import_cycle(report):
    assert report["modules"] > 50  # it read the real tree, not an empty one
    assert report["import_cycles"] == []


def test_no_module_uses_another_modules_private_name(report):
    assert report["private_uses"] == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")
    return root


def test_the_checks_find_what_they_look_for(tmp_path, code_health):
    """A planted tree: a cycle closed inside a function, one through the CLI's dynamic import of its
    commands, a private import and a private attribute; and the legitimate forms left alone."""
    root = _tree(tmp_path, {
        "crawler/__init__.py": "",
        "crawler/cli.py": """
            import importlib

            def _register(name):
                importlib.import_module(f"crawler.commands.{name}")
            """,
        "crawler/commands/__init__.py": "",
        "crawler/commands/alerts.py": """
            def f():
                from crawler.cli import _register
                return _register
            """,
        "crawler/commands/run.py": """
            from crawler.commands import alerts
            from crawler.options import VERSION as __version__

            def g():
                return alerts._hidden, alerts.f, __version__
            """,
        "crawler/options.py": "VERSION = 1\n",
        "db/__init__.py": "",
        "db/a.py": "from db import b\n\n\ndef _own():\n    return b.x\n\n\ndef use():\n    return _own()\n",
        "db/b.py": "x = 1\n\n\ndef late():\n    from db.a import use\n    return use()\n",
        "nlp/__init__.py": "",
        "digests/__init__.py": "",
    })
    found = code_health.health(root)
    # run → alerts → cli → (every command) run: one group of three
    assert [c["modules"] for c in found["import_cycles"]] == [
        ["crawler.cli", "crawler.commands.alerts", "crawler.commands.run"], ["db.a", "db.b"]]
    inner = {(e["from"], e["to"]): e["in_function"] for c in found["import_cycles"] for e in c["edges"]}
    assert inner[("db.b", "db.a")] is True and inner[("db.a", "db.b")] is False
    assert [(u["module"], u["uses"], u["kind"]) for u in found["private_uses"]] == [
        ("crawler.commands.alerts", "crawler.cli._register", "import"),
        ("crawler.commands.run", "crawler.commands.alerts._hidden", "attribute")]


def test_long_functions_and_modules_are_measured(tmp_path, code_health):
    body = "\n".join(f"    x{i} = {i}" for i in range(70))
    root = _tree(tmp_path, {"nlp/__init__.py": "", "nlp/long.py": f"def long():\n{body}\n" + "\n" * 340,
                            "crawler/__init__.py": "", "db/__init__.py": "", "digests/__init__.py": ""})
    found = code_health.health(root)
    assert found["functions_over_limit"] == [{"function": "nlp.long.long", "line": 1, "lines": 71}]
    assert found["modules_over_limit"] == [{"module": "nlp.long", "lines": 411}]
