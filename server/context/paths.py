"""Features of a file's path: where it is, what it is called, its module path."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from server.context.languages import ELIXIR, GO, JAVASCRIPT, PYTHON, RUST, TSX, TYPESCRIPT


@dataclass(frozen=True)
class PathFeatures:
    path: str
    rel_path: str
    stem: str
    extension: str
    folder: str
    path_segments: tuple[str, ...]
    module_path: str
    subject: str


def path_features(path: str | Path | None, workspace: Path | None, language: str | None) -> PathFeatures:
    """Path features of a document; an untitled document (no path) has empty ones."""
    if path is None or str(path) == "":
        return PathFeatures("", "", "", "", "", (), "", "")
    # Plain strings rather than Path objects: a batch upgrade asks this of every
    # generated file, and building Paths was most of its cost.
    given = os.fspath(path)
    if os.path.isabs(given):
        absolute = os.path.normpath(given)
    elif workspace is not None:
        absolute = os.path.normpath(os.path.join(os.fspath(workspace), given))
    else:
        absolute = os.path.abspath(given)
    rel = PurePosixPath(_relative_path(absolute, given, workspace))
    return PathFeatures(
        path=absolute,
        rel_path=rel.as_posix(),
        stem=rel.stem,
        extension=rel.suffix,
        folder=os.path.basename(os.path.dirname(absolute)),
        path_segments=tuple(rel.parts[:-1]),
        module_path=module_path(language, rel),
        subject=subject(rel.stem, os.path.basename(os.path.dirname(absolute))),
    )


# Test files are named after what they test: test_cart.py, cart_test.go, cart.test.ts, cart.spec.ts.
_TEST_AFFIXES = re.compile(r"^test_(?=.)|(?<=.)(?:[._]test|[._]spec)$")
# Files that stand for their folder (a Python package's __init__.py).
_PACKAGE_STEMS = ("__init__", "__main__")


def subject(stem: str, folder: str) -> str:
    """What a file is about, for naming what is generated there: `tests/test_cart.py` is about `cart`."""
    if stem in _PACKAGE_STEMS:
        return folder
    return _TEST_AFFIXES.sub("", stem)


def _relative_path(absolute: str, given: str, workspace: Path | None) -> str:
    """`absolute` relative to the workspace as a POSIX path; else `given` normalised, or only the file name."""
    if workspace is not None:
        root = os.path.normpath(os.path.abspath(workspace))
        prefix = root if root.endswith(os.sep) else root + os.sep
        if os.path.normcase(absolute) == os.path.normcase(root):
            return "."
        if os.path.normcase(absolute).startswith(os.path.normcase(prefix)):
            return _posix(absolute[len(prefix) :])
    if not os.path.isabs(given):
        return _posix(os.path.normpath(given))
    # Outside any known workspace the folders say nothing reliable about the
    # project layout, so only the file name is kept.
    return os.path.basename(absolute)


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def module_path(language: str | None, rel_path: PurePosixPath | str) -> str:
    """The name code uses to refer to this file, by the language's convention."""
    rel = PurePosixPath(rel_path)
    if not rel.name:
        return ""
    if language == PYTHON:
        return _python_module(rel)
    if language in (TYPESCRIPT, TSX, JAVASCRIPT):
        return _import_path(rel)
    if language == GO:
        return _go_package(rel)
    if language == RUST:
        return _rust_path(rel)
    if language == ELIXIR:
        return _elixir_module(rel)
    return ""


def _after_last(parts: tuple[str, ...], root: str) -> tuple[str, ...]:
    """Folders below the innermost `root` folder (e.g. "src"), or all of them."""
    if root in parts:
        last = len(parts) - 1 - parts[::-1].index(root)
        return parts[last + 1 :]
    return parts


def _python_module(rel: PurePosixPath) -> str:
    parts = _after_last(rel.parts[:-1], "src")
    if rel.stem != "__init__":
        parts += (rel.stem,)
    return ".".join(parts)


def _import_path(rel: PurePosixPath) -> str:
    parts = _after_last(rel.parts[:-1], "src")
    # `import x from "components"` resolves components/index.ts.
    if rel.stem != "index" or not parts:
        parts += (rel.stem,)
    return "/".join(parts)


def _go_package(rel: PurePosixPath) -> str:
    folders = rel.parts[:-1]
    if not folders or "cmd" in folders or rel.stem == "main":
        return "main"
    name = re.sub(r"\W", "", folders[-1].lower().replace("-", "_"))
    return name or "main"


def _rust_path(rel: PurePosixPath) -> str:
    parts = _after_last(rel.parts[:-1], "src")
    # src/bin/*.rs, tests/*.rs, examples/*.rs and benches/*.rs are crates of their own.
    if "src" not in rel.parts[:-1] or (parts and parts[0] == "bin"):
        return "crate"
    if rel.stem == "mod" or (not parts and rel.stem in ("lib", "main")):
        return "::".join(("crate", *parts))
    return "::".join(("crate", *parts, rel.stem))


def _camelize(segment: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in segment.split("_") if word)


def _elixir_module(rel: PurePosixPath) -> str:
    folders = rel.parts[:-1]
    for root in ("lib", "test"):
        if root in folders:
            folders = _after_last(folders, root)
            break
    return ".".join(_camelize(part) for part in (*folders, rel.stem))
