"""Code-health measures of the product (crawler, nlp, db, digests), read from the source with `ast`.

Prints one JSON document: modules over 400 lines, functions over 60 lines, import cycles
among our modules (module-level and function-level imports both count: a cycle closed by an
import inside a function still ties the two modules together), and every use of another
module's private name (`from m import _x`, `m._x`; the tests' uses are only counted). Nothing
is imported or run, so the script works on a tree whose dependencies are not installed.

`tests/test_code_health.py` asserts the last two are empty; the line counts are reported only.

Example:
    python benchmarks/code_health.py
    python benchmarks/code_health.py --root /path/to/veille --max-lines 400 --max-function 60
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = ("crawler", "nlp", "db", "digests")
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Module:
    name: str  # dotted: crawler.commands.alerts
    path: Path
    is_package: bool  # an __init__.py: relative imports resolve against itself
    tree: ast.Module
    lines: int
    imports: list[tuple[str, int, bool]] = field(default_factory=list)  # (module, line, inside a function)


def discover(root: Path, packages=PACKAGES) -> dict[str, Module]:
    """Every .py module of `packages` under `root`, parsed."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = list(rel.parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            text = path.read_text("utf-8")
            name = ".".join(parts)
            found[name] = Module(name, path, is_package, ast.parse(text, str(path)), len(text.splitlines()))
    return found


def _absolute(module: Module, level: int, target: str | None) -> str:
    """The dotted name a (possibly relative) `from ... import` names."""
    if not level:
        return target or ""
    base = module.name.split(".")
    if not module.is_package:
        base.pop()
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([target] if target else []))


def _nearest(name: str, modules: dict[str, Module]) -> str | None:
    """The longest prefix of `name` that is one of our modules (`a.b.f` → `a.b`)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


class _Scanner(ast.NodeVisitor):
    """Collects one module's imports and its uses of other modules' private names."""

    def __init__(self, module: Module, modules: dict[str, Module]):
        self.module, self.modules = module, modules
        self.depth = 0  # > 0 inside a function body
        self.aliases: dict[str, str] = {}  # local name → our module it is bound to
        self.private: list[dict] = []

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _edge(self, target: str, line: int):
        if target and target != self.module.name:
            self.module.imports.append((target, line, self.depth > 0))

    def visit_Import(self, node: ast.Import):
        for alias in node.names:
            target = _nearest(alias.name, self.modules)
            if target is None:
                continue
            self._edge(target, node.lineno)
            if alias.asname:
                self.aliases[alias.asname] = target
            else:  # `import a.b.c` binds `a`; attribute chains resolve through _dotted
                self.aliases.setdefault(alias.name.split(".")[0], alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom):
        base = _absolute(self.module, node.level, node.module)
        owner = _nearest(base, self.modules)
        if owner is None:
            return
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            if submodule in self.modules:  # `from pkg import module`
                self._edge(submodule, node.lineno)
                self.aliases[alias.asname or alias.name] = submodule
                continue
            self._edge(owner, node.lineno)
            if _is_private(alias.name) and owner != self.module.name:
                self._use(owner, alias.name, node.lineno, "import")

    def visit_Call(self, node: ast.Call):
        # `importlib.import_module("a.b")` or `import_module(f"a.{name}")`: an import all the same,
        # the f-string one of every module under its constant prefix (the CLI registers commands so)
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name == "import_module" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                target = _nearest(arg.value, self.modules)
                if target:
                    self._edge(target, node.lineno)
            elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                prefix = arg.values[0].value
                for target in self.modules:
                    if target.startswith(prefix) and prefix.endswith("."):
                        self._edge(target, node.lineno)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute):
        target = self._dotted(node.value)
        if target is not None and _is_private(node.attr) and target != self.module.name:
            if f"{target}.{node.attr}" not in self.modules:
                self._use(target, node.attr, node.lineno, "attribute")
        self.generic_visit(node)

    def _dotted(self, node) -> str | None:
        """Our module an expression like `cli` or `crawler.cli` stands for, else None."""
        chain = []
        while isinstance(node, ast.Attribute):
            chain.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.aliases:
            return None
        name = ".".join([self.aliases[node.id], *reversed(chain)])
        return name if name in self.modules else None

    def _use(self, owner: str, name: str, line: int, kind: str):
        self.private.append({"module": self.module.name, "line": line, "uses": f"{owner}.{name}", "kind": kind})


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def scan(modules: dict[str, Module]) -> list[dict]:
    """Fill each module's imports; return the cross-module private-name uses."""
    private = []
    for module in modules.values():
        scanner = _Scanner(module, modules)
        scanner.visit(module.tree)
        private.extend(scanner.private)
    return private


def cycles(modules: dict[str, Module]) -> list[dict]:
    """The strongly connected groups of the import graph with more than one module (Tarjan)."""
    graph = {name: sorted({t for t, _, _ in m.imports if t in modules}) for name, m in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []

    def visit(v: str):  # recursion depth is bounded by the module count (~150)
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    out = []
    for group in sorted(groups):
        members = set(group)
        edges = [{"from": m, "to": t, "line": line, "in_function": inner}
                 for m in group for t, line, inner in modules[m].imports if t in members]
        out.append({"modules": group, "edges": edges})
    return out


def long_functions(modules: dict[str, Module], limit: int) -> list[dict]:
    out = []
    for module in modules.values():
        for node in ast.walk(module.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1  # from `def`: decorators (click options) aside
                if length > limit:
                    out.append({"function": f"{module.name}.{node.name}", "line": node.lineno, "lines": length})
    return sorted(out, key=lambda f: -f["lines"])


def health(root: Path = ROOT, max_lines: int = 400, max_function: int = 60) -> dict:
    """The whole report, as a dict."""
    modules = discover(root)
    private = scan(modules)
    # white-box tests of private helpers are allowed; their count is shown, not judged
    with_tests = discover(root, PACKAGES + ("tests",)) if (root / "tests").is_dir() else modules
    by_tests = [u for u in scan(with_tests) if u["module"].startswith("tests.")]
    return {
        "modules": len(modules),
        "lines": sum(m.lines for m in modules.values()),
        "modules_over_limit": sorted(({"module": m.name, "lines": m.lines} for m in modules.values()
                                      if m.lines > max_lines), key=lambda m: -m["lines"]),
        "functions_over_limit": long_functions(modules, max_function),
        "import_cycles": cycles(modules),
        "private_uses": sorted(private, key=lambda u: (u["module"], u["line"])),
        "private_uses_by_tests": len(by_tests),
        "limits": {"module_lines": max_lines, "function_lines": max_function},
        "cpu_count": os.cpu_count(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="The repository root (default: this checkout).")
    parser.add_argument("--max-lines", type=int, default=400)
    parser.add_argument("--max-function", type=int, default=60)
    args = parser.parse_args(argv)
    json.dump(health(args.root, args.max_lines, args.max_function), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
