"""The import graph of the `server` package: modules, edges, cycles and upward edges.

Usage: python scripts/import_graph.py [--root DIR] [--edges] [--fan-in N] [--check]

An edge is one module importing another module of the package, counted once
per pair wherever the import stands (at the top, inside a function, or under
TYPE_CHECKING): each is a dependency someone reading the code has to follow.
`from server.x import y` points at `server.x.y` when that is a module, else at
`server.x`. Cycles are found among the imports that run when a module is
imported (top-level ones, TYPE_CHECKING excluded), since only those can fail.
An upward edge is a domain module importing the LSP adapter or the CLI, or a
module of `server.common` (the shared helpers, the bottom layer) importing
any other part of the package.
`--check` exits 1 when there is a cycle or an upward edge.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "server"
ADAPTER = ("server.lsp", "server.features", "server.cli")
DOMAIN = (
    "server.common",
    "server.templates",
    "server.store",
    "server.tracking",
    "server.upgrades",
    "server.evolution",
    "server.context",
    "server.generation",
)
BOTTOM = ("server.common",)  # imports nothing else of the package
SKIPPED = ("builtin",)  # template sources shipped as data


@dataclass
class Graph:
    modules: set[str] = field(default_factory=set)
    edges: set[tuple[str, str]] = field(default_factory=set)
    eager: set[tuple[str, str]] = field(default_factory=set)  # run at import time

    def cycles(self) -> list[list[str]]:
        return [sorted(group) for group in _strongly_connected(self.modules, self.eager) if len(group) > 1]

    def upward(self) -> list[tuple[str, str]]:
        return sorted((a, b) for a, b in self.edges if _points_up(a, b))


def build(root: Path) -> Graph:
    """The graph of the package folder `root` (its parent is the import root)."""
    graph = Graph()
    files = {}
    for path in sorted(root.rglob("*.py")):
        if any(part in SKIPPED for part in path.relative_to(root).parts):
            continue
        name = _module_name(path, root.parent)
        files[name] = path
        graph.modules.add(name)
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        for node, eager in _imports(tree):
            for target in _targets(node, name, is_package, graph.modules):
                if target != name:
                    graph.edges.add((name, target))
                    if eager:
                        graph.eager.add((name, target))
    return graph


def _module_name(path: Path, import_root: Path) -> str:
    parts = list(path.relative_to(import_root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.Module):
    """Every import statement, with whether it runs when the module is imported."""

    def walk(nodes, eager: bool):
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                yield node, eager
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                yield from walk(node.body, False)
                yield from walk(node.orelse, eager)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from walk(ast.iter_child_nodes(node), False)
            else:
                yield from walk(ast.iter_child_nodes(node), eager)

    yield from walk(tree.body, True)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, modules: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [_known(alias.name, modules) for alias in node.names if _known(alias.name, modules)]
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    if base != PACKAGE and not base.startswith(PACKAGE + "."):
        return []
    found = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        target = submodule if submodule in modules else _known(base, modules)
        if target:
            found.append(target)
    return found


def _known(name: str, modules: set[str]) -> str | None:
    """`name`, or its nearest enclosing package, when it is a module of the package."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _points_up(importer: str, imported: str) -> bool:
    if _within(importer, BOTTOM):
        return not _within(imported, BOTTOM)
    return _within(importer, DOMAIN) and _within(imported, ADAPTER)


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def _strongly_connected(nodes: set[str], edges: set[tuple[str, str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively (the package is deep enough to matter for recursion)."""
    successors: dict[str, list[str]] = {node: [] for node in nodes}
    for a, b in edges:
        successors[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(successors[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent / PACKAGE)
    parser.add_argument("--edges", action="store_true", help="list every edge")
    parser.add_argument("--fan-in", type=int, default=0, metavar="N", help="the N most imported modules")
    parser.add_argument("--check", action="store_true", help="exit 1 on a cycle or an upward edge")
    args = parser.parse_args(argv)
    graph = build(args.root)
    cycles, upward = graph.cycles(), graph.upward()
    print(f"{len(graph.modules)} modules, {len(graph.edges)} edges ({len(graph.eager)} run at import time)")
    print(f"{len(cycles)} cycles" + "".join(f"\n  cycle: {' <-> '.join(group)}" for group in cycles))
    print(f"{len(upward)} upward edges" + "".join(f"\n  upward: {a} -> {b}" for a, b in upward))
    if args.fan_in:
        for module, count in Counter(b for _, b in graph.edges).most_common(args.fan_in):
            print(f"  fan-in {count:3d}  {module}")
    if args.edges:
        for a, b in sorted(graph.edges):
            print(f"{a} -> {b}")
    return 1 if args.check and (cycles or upward) else 0


if __name__ == "__main__":
    sys.exit(main())
