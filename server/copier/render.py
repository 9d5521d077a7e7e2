"""Rendering a copier template into a value: every file's bytes and mode, every folder, nothing written.

copier 9's rules, in the order it applies them:

- the tree walked is `_subdirectory` (rendered) below the template root;
- each path segment is rendered; a segment that renders empty drops the file
  or folder (conditional names); a segment that renders to the answers file's
  path is that path;
- a segment holding `{% yield NAME from ITEMS %}` stands for one file or folder
  per item, NAME bound in everything below it (yield_tag.py);
- files ending in `_templates_suffix` (default `.jinja`) are rendered and lose
  the suffix; other files are copied byte for byte (binary ones too) and are
  left out when a suffixed twin exists; modes are the template file's
  (executable bits kept);
- `_exclude` (given by the session: copier's defaults when the template sets
  none and has no subdirectory) matches the rendered path with gitignore rules (pathspec, as
  copier); `_skip_if_exists` patterns are kept for the writer;
- symlinks are followed (their target's content is copied) unless
  `_preserve_symlinks` is true: then each is a link in the project too, its
  target kept as written (rendered when its name ends in the suffix).

Untrusted input: the subdirectory and every rendered path must stay inside
the template and the destination (no absolute path, no `..`), a symlink in the
template must point inside it (copier lets a preserved one point anywhere:
Scion does not), a preserved link must point inside the destination, and the
walk and the paths it renders are bounded.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from pathspec import PathSpec

from server.common.confine import already_safe
from server.common.errors import PathEscapeError, TemplateError

from .jinja import TemplateStrings
from .yield_tag import YieldFound, render_watching_yield

DEFAULT_EXCLUDE = ("copier.yaml", "copier.yml", "~*", "*.py[co]", "__pycache__", ".git", ".DS_Store", ".svn")
DEFAULT_SUFFIX = ".jinja"
MAX_ENTRIES = 50_000  # files and folders in one template (and in its render); symlink loops stop here
LINK_MODE = stat.S_IFLNK | 0o777  # the mode of a preserved symlink: its content is the link's target
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class RenderedFile:
    path: str  # POSIX, relative to the destination
    content: bytes  # a symlink's: its target
    mode: int  # permission bits, or LINK_MODE for a symlink

    @property
    def executable(self) -> bool:
        return bool(self.mode & 0o111) and not self.is_link

    @property
    def is_link(self) -> bool:
        return stat.S_ISLNK(self.mode)


@dataclass(frozen=True)
class ProjectRender:
    """What a copier template renders to: the value the writers and the upgrade planner take."""

    files: tuple[RenderedFile, ...]
    folders: tuple[str, ...]
    answers_file: str
    skip_if_exists: tuple[str, ...]  # rendered patterns

    def by_path(self) -> dict[str, RenderedFile]:
        return {file.path: file for file in self.files}

    def skipped_if_exists(self, path: str) -> bool:
        return bool(self.skip_if_exists) and path_matcher(self.skip_if_exists)(path)


def path_matcher(patterns: tuple[str, ...] | list[str]) -> Callable[[str], bool]:
    spec = PathSpec.from_lines("gitignore", (unicodedata.normalize("NFD", pattern) for pattern in patterns))
    return spec.match_file


class TreeRenderer:
    """Walks one template version with one set of answers (`render_string` holds the context)."""

    def __init__(
        self,
        root: Path,
        exclude: tuple[str, ...],
        settings: dict[str, Any],
        strings: TemplateStrings,
        context: dict[str, Any],
        answers_file: str,
        operation: str,
    ) -> None:
        self.root = root.resolve()
        self.exclude = exclude
        self.settings = settings
        self.env = strings.env
        self.strings = strings
        self.context = context
        self.answers_file = answers_file
        self.operation = operation
        suffix = settings.get("templates_suffix")
        self.suffix = DEFAULT_SUFFIX if suffix is None else str(suffix)
        self.preserve_symlinks = bool(settings.get("preserve_symlinks", False))
        # Filled by render(): the walked entries that exist, and whether the walk covers the whole template.
        self._present: set[str] = set()
        self._walked_whole = True

    def string(self, text: str, extra: dict[str, Any] | None = None) -> str:
        return self._string_and_yield(text, extra)[0]

    def _string_and_yield(self, text: str, extra: dict[str, Any] | None) -> tuple[str, YieldFound | None]:
        context = {**self.context, **extra} if extra else self.context
        try:
            return render_watching_yield(self.env, lambda: self.strings.render(text, context))
        except jinja2.TemplateError as error:
            raise TemplateError(f"cannot render {text[:60]!r}: {error}") from None

    def render(self) -> ProjectRender:
        copy_root = self._copy_root()
        exclude = self._exclude_matcher()
        entries = list(_walk(copy_root, self.root, follow_symlinks=not self.preserve_symlinks))
        # What `exists()` would find below the walked folder, looked up instead of asked for.
        self._present = {entry.relative for entry in entries if entry.present}
        self._walked_whole = copy_root == self.root
        files: dict[str, RenderedFile] = {}
        folders: list[str] = []
        for entry in entries:
            for dst, extra in self._render_path(entry):
                text = _confined(dst)
                if exclude(text):
                    continue
                if len(files) + len(folders) >= MAX_ENTRIES:
                    raise TemplateError(f"the template renders more than {MAX_ENTRIES} files and folders")
                if entry.is_link:
                    files[text] = self._render_link(Path(entry.path), text, extra)
                elif entry.is_dir:
                    folders.append(text)
                else:
                    files[text] = self._render_file(entry, text, extra)
        skips = tuple(self.string(pattern) for pattern in self.settings.get("skip_if_exists") or ())
        return ProjectRender(tuple(files.values()), tuple(folders), self.answers_file, skips)

    def _exists(self, relative: str, walked: bool) -> bool:
        """Whether the template has `relative` (below the walked folder when `walked`, else below its root)."""
        if walked or self._walked_whole:
            return relative in self._present
        return os.path.exists(os.path.join(self.root, relative))

    def _copy_root(self) -> Path:
        subdirectory = self.string(str(self.settings.get("subdirectory") or ""))
        path = (self.root / subdirectory).resolve()
        if not path.is_relative_to(self.root):
            raise PathEscapeError(f"refusing _subdirectory {subdirectory!r}: it leaves the template")
        if not path.is_dir():
            raise TemplateError(f"_subdirectory {subdirectory!r} is not a folder of the template")
        return path

    def _exclude_matcher(self) -> Callable[[str], bool]:
        patterns: list[str] = []
        for pattern in self.exclude:
            rendered = self.string(str(pattern), {"_copier_operation": self.operation})
            patterns.extend(_LINE_BREAK.split(rendered))
        return path_matcher(patterns)

    def _render_path(self, entry: _Entry) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each destination path of one template entry, with the names its yield tags bound."""
        suffix, relative = self.suffix, entry.relative
        is_template = relative.endswith(suffix)
        if suffix and self._exists(f"{relative}{suffix}", walked=True):
            return  # the suffixed twin is the one that counts
        if suffix and is_template:
            relative = _without_suffix(relative)
        yield from self._render_parts(relative, tuple(relative.split("/")), (), {}, is_template)

    def _render_parts(
        self, relpath: str, parts: tuple[str, ...], done: tuple[str, ...], extra: dict[str, Any], is_template: bool
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        if not parts:
            path = "/".join(done)
            if is_template or not self._exists(f"{path}{self.suffix}", walked=False):
                yield path, extra
            return
        text, found = self._path_part(relpath, parts[0], extra)
        bound: Iterable[tuple[str, dict[str, Any]]] = [(text, extra)]
        if found is not None:
            bound = self._each_item(relpath, parts[0], extra, found)
        for text, context in bound:
            if not text:
                continue  # a segment rendered empty: the file or folder is left out
            if text == self.answers_file:
                yield self.answers_file, context
                continue
            yield from self._render_parts(relpath, parts[1:], (*done, text), context, is_template)

    def _each_item(
        self, relpath: str, part: str, extra: dict[str, Any], found: YieldFound
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """The segment rendered once per item of its yield tag (lazily, and never more than MAX_ENTRIES)."""
        for count, item in enumerate(found.items or ()):
            if count >= MAX_ENTRIES:
                raise TemplateError(f"the yield tag of {relpath} gives more than {MAX_ENTRIES} items")
            context = {**extra, found.name: item}
            yield self._path_part(relpath, part, context)[0], context

    def _path_part(self, relpath: str, part: str, extra: dict[str, Any]) -> tuple[str, YieldFound | None]:
        try:
            return self._string_and_yield(part, extra)
        except TemplateError as error:
            raise TemplateError(f"cannot render the path {relpath}: {error}") from None

    def _render_link(self, source: Path, destination: str, extra: dict[str, Any]) -> RenderedFile:
        target = os.readlink(source)
        if source.name.endswith(self.suffix):
            target = self.string(target, extra)
        landing = posixpath.normpath(posixpath.join(posixpath.dirname(destination), target.replace("\\", "/")))
        if posixpath.isabs(landing) or landing == ".." or landing.startswith("../"):
            raise PathEscapeError(f"refusing the symlink {destination} -> {target}: it points out of the project")
        return RenderedFile(destination, target.encode(), LINK_MODE)

    def _render_file(self, entry: _Entry, destination: str, extra: dict[str, Any]) -> RenderedFile:
        source, mode = Path(entry.path), stat.S_IMODE(os.stat(entry.path).st_mode)
        if source.name.endswith(self.suffix):
            template_name = os.path.relpath(entry.path, self.root).replace(os.sep, "/")
            try:
                template = self.env.get_template(template_name)
            except UnicodeDecodeError:
                if self.suffix:
                    raise TemplateError(f"{template_name} ends in {self.suffix} but is not UTF-8 text") from None
                return RenderedFile(destination, source.read_bytes(), mode)
            except jinja2.TemplateSyntaxError as error:
                raise TemplateError(f"{error.message}", path=source, line=error.lineno) from None
            context = {**self.context, **extra}
            try:
                text, found = render_watching_yield(self.env, lambda: template.render(context))
            except jinja2.TemplateError as error:
                raise TemplateError(f"cannot render it: {error}", path=source) from None
            if found is not None:
                raise TemplateError("a yield tag is only allowed in file and folder names", path=source)
            return RenderedFile(destination, text.encode(), mode)
        return RenderedFile(destination, source.read_bytes(), mode)


def _confined(path: str) -> str:
    if already_safe(path):
        return path
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or re.match(r"^[A-Za-z]:", path):
        raise PathEscapeError(f"refusing the rendered path {path!r}: it leaves the destination")
    return pure.as_posix()


def _without_suffix(relative: str) -> str:
    """`Path.with_suffix("")` of a POSIX relative path: its last name loses its last extension."""
    folder, _, name = relative.rpartition("/")
    dot = name.rfind(".")
    bare = name[:dot] if 0 < dot < len(name) - 1 else name  # pathlib's rule: a leading dot starts no suffix
    return f"{folder}/{bare}" if folder else bare


@dataclass(frozen=True, slots=True)
class _Entry:
    path: str  # absolute
    relative: str  # POSIX, below the walked folder
    is_link: bool
    is_dir: bool  # through a symlink when the walk follows them
    present: bool  # what `exists()` says: a symlink's target is there


def _walk(folder: Path, root: Path, *, follow_symlinks: bool = True) -> Iterator[_Entry]:
    """Every entry below `folder`, each folder's sorted by name; symlinks followed (copier's default) but only
    inside `root`."""
    count = 0
    pending = [(str(folder), "")]
    while pending:
        current, prefix = pending.pop()
        with os.scandir(current) as entries:
            listed = sorted(entries, key=lambda entry: entry.name)
        below = []
        for entry in listed:
            count += 1
            if count > MAX_ENTRIES:
                raise TemplateError(f"the template has more than {MAX_ENTRIES} files and folders")
            is_link = entry.is_symlink()
            if is_link and not Path(entry.path).resolve().is_relative_to(root):
                raise PathEscapeError(f"refusing the template: {entry.path} is a symlink out of it")
            relative = f"{prefix}{entry.name}"
            is_dir = entry.is_dir(follow_symlinks=follow_symlinks)
            present = not is_link or os.path.exists(entry.path)
            yield _Entry(entry.path, relative, is_link and not follow_symlinks, is_dir, present)
            if is_dir:
                below.append((entry.path, f"{relative}/"))
        pending.extend(reversed(below))
