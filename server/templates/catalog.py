"""All templates the server can offer, from every root, with broken ones set aside.

Roots are searched in priority order (workspace, extra, user, builtin): when two
roots hold the same id and version, the earlier one wins, so a workspace can
shadow a builtin version. A template that fails to load is recorded in
`errors` and skipped; it never hides the others.

A lazy catalog (for CLI commands that need a few templates) only lists the
version folders up front and parses an id's manifests when a query first needs
that id; queries over everything parse everything first, so every answer
equals the eager catalog's.
"""

from __future__ import annotations

import difflib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_data_path

from server.common.errors import TemplateError, TemplateNotFound
from server.templates.loader import MANIFEST_NAME, check_sources, load_template
from server.templates.model import Template
from server.templates.versions import version_key

log = logging.getLogger(__name__)

BUILTIN_ROOT = Path(__file__).parent / "builtin"
_SKIPPED_DIRS = {"__pycache__", "node_modules", "files"}


def default_roots(workspace: Path | None, extra: list[Path] | tuple[Path, ...] = ()) -> list[tuple[Path, str]]:
    """The template roots in priority order, each with its kind."""
    roots: list[tuple[Path, str]] = []
    if workspace is not None:
        roots.append((Path(workspace) / ".scion" / "templates", "workspace"))
    roots.extend((Path(root).expanduser(), "extra") for root in extra)
    roots.append((user_data_path("scion", appauthor=False) / "templates", "user"))
    roots.append((BUILTIN_ROOT, "builtin"))
    return roots


def _version_dirs(root: Path) -> list[Path]:
    """Folders holding a template.yml below `root`; a version folder is not searched further."""
    found: list[Path] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        if folder != root and any(entry.name == MANIFEST_NAME and entry.is_file() for entry in entries):
            found.append(Path(folder))
            continue
        pending.extend(
            Path(entry.path)
            for entry in entries
            if entry.is_dir() and not entry.name.startswith(".") and entry.name not in _SKIPPED_DIRS
        )
    return found


def _stamp(version_dir: Path) -> tuple[int, ...]:
    """Changes when the manifest or the top of files/ changes (what loading depends on)."""
    stamp: list[int] = []
    for path in (version_dir / MANIFEST_NAME, version_dir / "files"):
        try:
            info = path.stat()
        except OSError:
            stamp.extend((0, 0))
            continue
        stamp.extend((info.st_mtime_ns, info.st_size))
    return tuple(stamp)


def _load_confined(version_dir: Path, root_kind: str, template_id: str) -> Template:
    """load_template, where any failure is this template's TemplateError: one template never takes the catalog down."""
    try:
        return load_template(version_dir, root_kind, template_id)
    except TemplateError:
        raise
    except Exception as error:  # a manifest from a cloned repository may break the loader in ways not foreseen
        log.exception("template %s failed to load", version_dir)
        raise TemplateError(
            f"cannot load this template: {type(error).__name__}: {error}", path=version_dir / MANIFEST_NAME
        ) from None


class Catalog:
    def __init__(
        self,
        roots: list[tuple[Path, str]],
        lazy: bool = False,
        on_error: Callable[[TemplateError], None] | None = None,
    ):
        """`on_error` is called with each load failure as it happens (lazy catalogs load late)."""
        self.roots = [(Path(root).absolute(), kind) for root, kind in roots]
        self.lazy = lazy
        self.on_error = on_error
        # (root index, id, version) -> template; the merged view picks the lowest root index.
        self._loaded: dict[tuple[int, str, str], Template] = {}
        self._failed: dict[Path, TemplateError] = {}  # version folder -> why it did not load
        self._by_id: dict[str, dict[str, Template]] = {}
        # Parsing a manifest costs ~20 ms (pure-Python YAML); `reload()` skips unchanged ones.
        self._parsed: dict[Path, tuple[tuple[int, ...], Template]] = {}
        # id -> (root index, version folder) found but not parsed yet; empty once an eager catalog is (re)loaded.
        self._pending: dict[str, list[tuple[int, Path]]] = {}
        self._pending_lock = threading.Lock()
        self.reload()

    # discovery

    def reload(self) -> None:
        self._loaded.clear()
        self._failed.clear()
        pending: dict[str, list[tuple[int, Path]]] = {}
        for index, (root, _) in enumerate(self.roots):
            if not root.is_dir():
                continue
            for version_dir in _version_dirs(root):
                location = self._location(version_dir)
                if location is not None:
                    pending.setdefault(location[1], []).append((index, version_dir))
        self._pending = pending
        if not self.lazy:
            self._load_pending(list(pending))
        self._merge()

    def _need(self, template_id: str | None = None) -> None:
        """Parse the pending versions of `template_id`, or of every id when None (lazy catalogs only)."""
        if not self.lazy or not self._pending or (template_id is not None and template_id not in self._pending):
            return  # an eager catalog's queries never write, even while another thread reloads it
        with self._pending_lock:  # two threads asking at once parse once
            self._load_pending(list(self._pending) if template_id is None else [template_id])
            self._merge()

    def _load_pending(self, template_ids: list[str]) -> None:
        for template_id in template_ids:
            for index, version_dir in self._pending.get(template_id, ()):
                self._load(index, version_dir)
        for template_id in template_ids:
            # Dropped only after loading: a reader that still sees the id pending waits on the lock.
            self._pending.pop(template_id, None)

    def _location(self, version_dir: Path) -> tuple[int, str, str] | None:
        for index, (root, _) in enumerate(self.roots):
            try:
                relative = version_dir.relative_to(root)
            except ValueError:
                continue
            if len(relative.parts) >= 2:
                return index, relative.parent.as_posix(), relative.name
        return None

    def _load(self, index: int, version_dir: Path, force: bool = False) -> TemplateError | None:
        location = self._location(version_dir)
        if location is None:
            return None
        _, template_id, version = location
        stamp = _stamp(version_dir)
        cached = self._parsed.get(version_dir)
        if cached is not None and cached[0] == stamp and not force:
            self._loaded[location] = cached[1]
            return None
        try:
            template = _load_confined(version_dir, self.roots[index][1], template_id)
        except TemplateError as error:
            self._failed[version_dir] = error
            self._parsed.pop(version_dir, None)
            if self.on_error is not None:  # the owner reports it (the CLI's warning): once, not twice
                self.on_error(error)
            else:
                log.warning("template %s %s skipped: %s", template_id, version, error)
            return error
        self._loaded[location] = template
        self._parsed[version_dir] = (stamp, template)
        return None

    def _merge(self) -> None:
        by_id: dict[str, dict[str, Template]] = {}
        for (_, template_id, version), template in sorted(self._loaded.items(), key=lambda item: -item[0][0]):
            by_id.setdefault(template_id, {})[version] = template  # lower root index written last: it wins
        self._by_id = by_id

    @property
    def errors(self) -> list[TemplateError]:
        """Why versions did not load, by folder (a lazy catalog parses everything first)."""
        self._need()
        return [self._failed[folder] for folder in sorted(self._failed)]

    def reload_path(self, path: Path) -> list[TemplateError]:
        """Re-load the one template version holding `path` (a manifest or one of its files).

        Returns that version's problems: the load error, or else its Jinja source errors.
        """
        self._need()  # the folder may be one not parsed yet, and the errors must stay complete
        path = Path(path).absolute()
        version_dir = self._version_dir_of(path)
        if version_dir is None:
            return []
        location = self._location(version_dir)
        if location is None:
            return []
        self._loaded.pop(location, None)
        self._failed.pop(version_dir, None)
        errors: list[TemplateError] = []
        if (version_dir / MANIFEST_NAME).is_file():
            error = self._load(location[0], version_dir, force=True)
            if error is not None:
                errors.append(error)
            else:
                errors.extend(check_sources(self._loaded[location]))
        self._merge()
        return errors

    def _version_dir_of(self, path: Path) -> Path | None:
        known = {template.path for template in self._loaded.values()} | set(self._failed)
        for candidate in (path, *path.parents):
            if candidate in known or ((candidate / MANIFEST_NAME).is_file() and self._location(candidate) is not None):
                return candidate
            if any(candidate == root for root, _ in self.roots):
                return None
        return None

    # queries

    def ids(self) -> list[str]:
        self._need()
        return sorted(self._by_id)

    def templates(self) -> list[Template]:
        """The latest version of every template id, by id."""
        return [self.get(template_id) for template_id in self.ids()]

    def versions(self, template_id: str) -> list[str]:
        return sorted(self._versions_of(template_id), key=version_key)

    def all_versions(self, template_id: str) -> list[Template]:
        versions = self._versions_of(template_id)
        return [versions[version] for version in sorted(versions, key=version_key)]

    def get(self, template_id: str, version: str | None = None) -> Template:
        versions = self._versions_of(template_id)
        if version is None:
            return versions[max(versions, key=version_key)]
        if version not in versions:
            listed = ", ".join(sorted(versions, key=version_key))
            raise TemplateNotFound(f"template {template_id!r} has no version {version!r} (versions: {listed})")
        return versions[version]

    def applicable(self, language: str, place: str) -> list[Template]:
        """Latest versions offered at a place: the language matches (no `languages` = any) and `where` lists the place."""
        return [
            template
            for template in self.templates()
            if (not template.languages or language in template.languages) and place in template.where
        ]

    def _versions_of(self, template_id: str) -> dict[str, Template]:
        self._need(template_id)
        versions = self._by_id.get(template_id)
        if versions:
            return versions
        close = difflib.get_close_matches(template_id, self.ids(), n=3, cutoff=0.5)
        close += [known for known in self.ids() if known.endswith("/" + template_id) and known not in close]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        broken = [
            self._failed[folder]
            for folder in sorted(self._failed)
            if (location := self._location(folder)) is not None and location[1] == template_id
        ]
        if broken:
            hint += f" (it exists but failed to load: {broken[0]})"
        raise TemplateNotFound(f"no template {template_id!r}{hint}")
