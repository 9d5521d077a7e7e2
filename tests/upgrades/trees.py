"""Workspaces for upgrade tests: templates and generated files built from a dict of texts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.context import context_for_path
from server.generation import plan_file_generation, plan_insert_generation, write_answer_file, write_files, write_insert
from server.templates.answers import resolve_answers
from server.templates.catalog import Catalog
from server.upgrades.service import Upgrader
from tests.file_tree import build_file_tree

BUILTIN = Path(__file__).parents[2] / "server" / "templates" / "builtin"


def template_files(template_id: str, version: str, manifest: str, files: dict[str, str]) -> dict[str, str]:
    """The tree of one template version under the workspace's `.scion/templates/`."""
    base = f".scion/templates/{template_id}/{version}"
    tree = {f"{base}/template.yml": manifest}
    tree.update({f"{base}/files/{name}": text for name, text in files.items()})
    return tree


_PARSED_BUILTINS: dict = {}


def _builtin_catalog() -> Catalog:
    """A catalog that re-uses the builtin manifests parsed by earlier tests.

    The catalog skips manifests whose stamp is unchanged; sharing that cache
    across tests (the builtin pack never changes during a run) saves a second
    or so per test.
    """
    catalog = Catalog([])
    catalog._parsed = _PARSED_BUILTINS
    return catalog


class Workspace:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        (self.root / ".scion").mkdir(parents=True, exist_ok=True)
        self._catalog: Catalog | None = None

    def add(self, files: dict[str, str]) -> None:
        build_file_tree(files, self.root, dedent=False)
        if self._catalog is not None and any(rel.startswith(".scion/templates/") for rel in files):
            # A fresh catalog: rewritten manifests may keep their size and mtime.
            self._catalog = None

    def catalog(self) -> Catalog:
        """One catalog per workspace: parsing the builtin pack costs about half a second."""
        if self._catalog is None:
            roots = [(self.root / ".scion" / "templates", "workspace"), (BUILTIN, "builtin")]
            self._catalog = _builtin_catalog()
            self._catalog.roots = [(root.absolute(), kind) for root, kind in roots]
            self._catalog.reload()
        return self._catalog

    def upgrader(self, store=None, **options) -> Upgrader:
        return Upgrader(self.catalog(), self.root, store, **options)

    def generate(
        self, template_id: str, version: str, path: str, answers: dict[str, Any] | None = None, line: int | None = None
    ):
        """Generate like `scion generate --defaults`; insert mode inserts at `line` (default: the end)."""
        template = self.catalog().get(template_id, version)
        target = self.root / path
        features = context_for_path(target, self.root).features()
        resolution = resolve_answers(template, features, answers or {})
        assert not resolution.missing, resolution.missing
        if template.mode == "insert":
            text = target.read_text() if target.exists() else ""
            lines = text.split("\n")
            at = line if line is not None else max(len(lines) - 1, 0)
            plan = plan_insert_generation(
                template,
                resolution.answers,
                resolution.sources,
                features,
                target,
                at,
                lines[at] if at < len(lines) else "",
                "",
            )
            write_insert(plan)
        else:
            plan = plan_file_generation(
                template, resolution.answers, resolution.sources, features, target.parent, self.root
            )
            write_files(plan)
        write_answer_file(plan)
        return plan

    def read(self, rel: str) -> str:
        return (self.root / rel).read_bytes().decode("utf-8")

    def write(self, rel: str, text: str) -> None:
        (self.root / rel).write_bytes(text.encode("utf-8"))

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()
