"""The template model: immutable values built by the loader from `template.yml`."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

QUESTION_TYPES: tuple[str, ...] = ("str", "int", "float", "bool", "yaml", "json")
WHERE_CONTEXTS: tuple[str, ...] = ("module", "class_body", "function_body", "empty_file")


@dataclass(frozen=True)
class Question:
    """One question, with copier's keys. `default`, `when` and `validator` may be Jinja."""

    name: str
    type: str = "str"
    help: str = ""
    default: Any = None  # a literal, or a string holding a Jinja expression `{{ ... }}`
    choices: Any = None  # list, or mapping label -> value (copier style)
    multiselect: bool = False
    validator: str | None = None  # Jinja template; a non-empty render is the error message
    when: Any = True  # bool, or a Jinja expression deciding whether the question applies
    secret: bool = False
    placeholder: str = ""
    line: int | None = None  # line of the question in template.yml, for diagnostics

    @property
    def required(self) -> bool:
        return self.default is None

    def choice_items(self) -> list[tuple[str, Any]]:
        """Choices as (label, value) pairs, whichever of copier's spellings the manifest used.

        A list of values, a list of `[label, value]` pairs, a mapping label -> value,
        or a mapping label -> {value: ...}.
        """
        if not self.choices:
            return []
        if isinstance(self.choices, dict):
            return [
                (str(label), value["value"] if isinstance(value, dict) and "value" in value else value)
                for label, value in self.choices.items()
            ]
        items = []
        for choice in self.choices:
            if isinstance(choice, (list, tuple)) and len(choice) == 2:
                items.append((str(choice[0]), choice[1]))
            else:
                items.append((str(choice), choice))
        return items


@dataclass(frozen=True)
class Migration:
    """A declarative answer migration, applied when `old < version <= new`."""

    version: str
    rename: dict[str, str] = field(default_factory=dict)  # old name -> new name
    defaults: dict[str, Any] = field(default_factory=dict)  # new question -> value (Jinja allowed)
    transform: dict[str, str] = field(default_factory=dict)  # name -> Jinja expr; `value` is the old value


@dataclass(frozen=True)
class Example:
    """An answer set with expectations, rendered by tests and by the sandbox."""

    answers: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)  # editing-context features (ctx.*)
    contains: tuple[str, ...] = ()  # substrings the rendered output must contain
    parses: bool = True  # the output must parse with tree-sitter without ERROR nodes


@dataclass(frozen=True)
class Template:
    """One immutable version of a template: `<root>/<id>/<version>/`."""

    id: str
    version: str
    path: Path  # the version folder
    title: str
    description: str = ""
    mode: str = "file"
    where: tuple[str, ...] = ("module", "empty_file")
    languages: tuple[str, ...] = ()
    questions: tuple[Question, ...] = ()
    changelog: dict[str, str] = field(default_factory=dict)
    migrations: tuple[Migration, ...] = ()
    examples: tuple[Example, ...] = ()
    primary: str | None = None  # files/ path of the main file (file mode); default the first
    root_kind: str = "builtin"

    @functools.cached_property  # asked for every file of every render of a batch
    def files_dir(self) -> Path:
        return self.path / "files"

    @property
    def manifest_path(self) -> Path:
        return self.path / "template.yml"

    def question(self, name: str) -> Question | None:
        return next((q for q in self.questions if q.name == name), None)


@dataclass(frozen=True)
class RenderedFile:
    """One output file: its path relative to the target folder, and its text."""

    path: str
    text: str
    source: str  # the files/ path it came from


@dataclass(frozen=True)
class Rendering:
    template_id: str
    version: str
    files: tuple[RenderedFile, ...]

    @property
    def primary(self) -> RenderedFile:
        return self.files[0]
