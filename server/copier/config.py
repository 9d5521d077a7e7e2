"""`copier.yml`: a copier template's settings (keys starting with `_`) and its questions.

Read as copier 9 reads it: several YAML documents merged (the last one to set
a key wins, except the list settings that are concatenated), `!include` of
other YAML files inside the template, and questions given in the short form
(`name: default`) turned into the long one (`name: {default: ...}`).

The file comes from whatever template the user points at, so reading it is
bounded: its size, the files it includes, and how many aliases it may use (real
templates use a few anchors; an alias bomb uses billions).
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from server.common.errors import TemplateError

CONFIG_NAMES = ("copier.yml", "copier.yaml")
MAX_CONFIG_BYTES = 1024 * 1024
MAX_INCLUDED_FILES = 100
MAX_ALIASES = 1000
# Settings that several documents (or included files) add to rather than replace.
_CONCATENATED = ("_exclude", "_jinja_extensions", "_secret_questions", "_skip_if_exists")


def config_path(root: Path) -> Path | None:
    """The template's `copier.yml` or `copier.yaml`, or None when `root` is not a copier template."""
    found = [root / name for name in CONFIG_NAMES if (root / name).is_file()]
    if len(found) > 1:
        raise TemplateError("a template may have copier.yml or copier.yaml, not both", path=root)
    return found[0] if found else None


def is_copier_template(root: Path) -> bool:
    try:
        return root.is_dir() and config_path(root) is not None
    except (TemplateError, OSError):
        return True  # a broken copier template is still one: loading it reports the problem


@dataclass(frozen=True)
class CopierConfig:
    """The settings (without their leading `_`) and the questions, in the file's order."""

    path: Path
    settings: dict[str, Any] = field(default_factory=dict)
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def setting(self, name: str, default: Any = None) -> Any:
        return self.settings.get(name, default)

    @property
    def secret_questions(self) -> frozenset[str]:
        names = set(self.settings.get("secret_questions") or ())
        names.update(name for name, details in self.questions.items() if details.get("secret"))
        return frozenset(names)


def load_config(root: Path) -> CopierConfig:
    """Read the template's copier.yml (an empty config when the template has none)."""
    path = config_path(root)
    if path is None:
        return CopierConfig(root / CONFIG_NAMES[0])
    documents = _load_documents(path, root.resolve(), _Counter())
    merged: dict[str, list[Any]] = {}
    for option in _CONCATENATED:
        for document in documents:
            if option in document:
                value = document[option]
                merged.setdefault(option, []).extend(value if isinstance(value, list) else [value])
    raw = dict(ChainMap(merged, *reversed(documents)))
    # ChainMap iterates its maps from the last one: reversed() keeps the file's order.
    settings: dict[str, Any] = {}
    questions: dict[str, dict[str, Any]] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            raise TemplateError(f"a key of copier.yml is not text: {key!r}", path=path)
        if key.startswith("_"):
            settings[key[1:]] = value
        else:
            questions[key] = dict(value) if isinstance(value, dict) else {"default": value}
    for name in settings.get("secret_questions") or ():
        if name in questions:
            questions[name]["secret"] = True
    return CopierConfig(path, settings, questions)


class _Counter:
    def __init__(self) -> None:
        self.files = 0
        self.aliases = 0


def _load_documents(path: Path, root: Path, counter: _Counter) -> list[dict[str, Any]]:
    counter.files += 1
    if counter.files > MAX_INCLUDED_FILES:
        raise TemplateError(f"copier.yml includes more than {MAX_INCLUDED_FILES} files", path=path)
    data = path.read_bytes()
    if len(data) > MAX_CONFIG_BYTES:
        raise TemplateError(f"larger than {MAX_CONFIG_BYTES // 1024} KB", path=path)
    loader_class = _bounded_loader(root, counter)
    try:
        loader = loader_class(data)
        documents: list[Any] = []
        try:
            while loader.check_data():
                documents.append(loader.get_data())
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise TemplateError(f"invalid YAML: {error.problem}", path=path, line=line) from None
    except yaml.YAMLError as error:
        raise TemplateError(f"invalid YAML: {error}", path=path) from None
    flat: list[dict[str, Any]] = []
    for document in _flatten(documents):
        if not document:
            continue
        if not isinstance(document, dict):
            raise TemplateError("each YAML document of copier.yml must be a mapping", path=path)
        flat.append(document)
    return flat


def _flatten(values: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list):
            flat.extend(_flatten(value))
        else:
            flat.append(value)
    return flat


def _bounded_loader(root: Path, counter: _Counter) -> type[yaml.SafeLoader]:
    class BoundedLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no stubs
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                counter.aliases += 1
                if counter.aliases > MAX_ALIASES:
                    raise yaml.YAMLError(f"more than {MAX_ALIASES} YAML aliases")
            return super().compose_node(parent, index)

    def include(loader: yaml.SafeLoader, node: yaml.Node) -> list[Any]:
        if not isinstance(node, yaml.ScalarNode):
            raise yaml.YAMLError("!include takes a path")
        pattern = str(loader.construct_scalar(node))
        if PurePosixPath(pattern).is_absolute() or ".." in PurePosixPath(pattern).parts:
            raise TemplateError(f"refusing !include {pattern!r}: it leaves the template", path=root)
        included: list[Any] = []
        for match in sorted(root.glob(pattern)):
            real = match.resolve()
            if not real.is_relative_to(root):
                raise TemplateError(f"refusing !include {pattern!r}: it leaves the template", path=match)
            included.extend(_load_documents(real, root, counter))
        return included

    BoundedLoader.add_constructor("!include", include)
    return BoundedLoader
