"""A small language of string transformations over editing-context features.

A program turns the features of `EditingContext.features()` into one answer, e.g.
`"Test" + pascal(stem.removesuffix("_test"))` or
`".".join(pascal(part) for part in module_parts[1:])`. Every node knows its size
(synthesis enumerates the smallest first), evaluates itself on a features dict,
and prints itself as a Python expression over the helpers in `runtime.py`, so a
found program can be saved as a readable, sandbox-safe Python file.

Case conversions evaluate with `server/templates/filters.py`, so a learned
answer and a template's `{{ ctx.stem | pascal }}` default always agree.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from server.evolution import runtime
from server.templates import casing
from server.templates.filters import CASE_FILTERS

TEXT_FEATURES = ("stem", "folder", "extension", "module_path", "enclosing_class", "enclosing_function")
LIST_SOURCES = {"folders": runtime.folders, "module_parts": runtime.module_parts}
CASES: dict[str, Callable[[str], str]] = {**CASE_FILTERS, "lower": str.lower, "upper": str.upper}

Text = str | None  # what a text expression gives (None: no value for this input)
Texts = tuple[str, ...] | None  # what a list expression gives
Value = str | tuple[str, ...] | None


class _OnText:
    """A node that applies its `apply` to the value of one text expression, `arg`, and is one node bigger."""

    arg: TextExpr  # each subclass's dataclass field

    @property
    def size(self) -> int:
        return 1 + self.arg.size

    def evaluate(self, ctx: dict[str, Any]) -> Text:
        return self.apply(self.arg.evaluate(ctx))

    def apply(self, value: Text) -> Text:
        raise NotImplementedError


class _OnParts:
    """A node that applies its `apply` to the value of one list expression, `parts`, and is one node bigger."""

    parts: ListExpr  # each subclass's dataclass field

    @property
    def size(self) -> int:
        return 1 + self.parts.size

    def evaluate(self, ctx: dict[str, Any]) -> Value:
        return self.apply(self.parts.evaluate(ctx))

    def apply(self, parts: Texts) -> Value:
        raise NotImplementedError


@dataclass(frozen=True)
class Feature:
    name: str
    size = 1

    def evaluate(self, ctx: dict[str, Any]) -> str:
        return runtime.feature(ctx, self.name)

    def python(self) -> str:
        return f"feature(ctx, {self.name!r})"

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Const:
    text: str
    size = 1

    def evaluate(self, ctx: dict[str, Any]) -> Text:
        return self.text

    def python(self) -> str:
        return repr(self.text)

    def __str__(self) -> str:
        return repr(self.text)


@dataclass(frozen=True)
class Item:
    """One folder of the path, counted from the start (0, 1, ...) or the end (-1, -2, ...)."""

    source: str
    index: int
    size = 2

    def evaluate(self, ctx: dict[str, Any]) -> Text:
        return runtime.item(LIST_SOURCES[self.source](ctx), self.index)

    def python(self) -> str:
        return f"item({self.source}(ctx), {self.index})"

    def __str__(self) -> str:
        return f"{self.source}[{self.index}]"


@dataclass(frozen=True)
class Parts:
    """A list source with its first `start` elements dropped (e.g. `lib/` of an Elixir path)."""

    source: str
    start: int

    @property
    def size(self) -> int:
        return 1 if self.start == 0 else 2

    def evaluate(self, ctx: dict[str, Any]) -> Texts:
        return tuple(LIST_SOURCES[self.source](ctx)[self.start :])

    def python(self) -> str:
        whole = f"{self.source}(ctx)"
        return f"{whole}[{self.start}:]" if self.start else whole

    def __str__(self) -> str:
        return f"{self.source}[{self.start}:]" if self.start else self.source


@dataclass(frozen=True)
class MapCase(_OnParts):
    case: str
    parts: ListExpr

    def evaluate(self, ctx: dict[str, Any]) -> Texts:
        return self.apply(self.parts.evaluate(ctx))

    def apply(self, parts: Texts) -> Texts:
        return None if parts is None else tuple(CASES[self.case](part) for part in parts)

    def python(self) -> str:
        return f"[{self.case}(part) for part in {self.parts.python()}]"

    def __str__(self) -> str:
        return f"map({self.case}, {self.parts})"


@dataclass(frozen=True)
class Join(_OnParts):
    separator: str
    parts: ListExpr

    def evaluate(self, ctx: dict[str, Any]) -> Text:
        return self.apply(self.parts.evaluate(ctx))

    def apply(self, parts: Texts) -> Text:
        return None if parts is None else self.separator.join(parts)

    def python(self) -> str:
        inner = self.parts.python()
        if isinstance(self.parts, MapCase):
            inner = inner[1:-1]  # a generator reads better than a list inside join()
        return f"{self.separator!r}.join({inner})"

    def __str__(self) -> str:
        return f"join({self.parts}, {self.separator!r})"


@dataclass(frozen=True)
class Case(_OnText):
    case: str
    arg: TextExpr

    def apply(self, value: Text) -> Text:
        return None if value is None else CASES[self.case](value)

    def python(self) -> str:
        return f"{self.case}({self.arg.python()})"

    def __str__(self) -> str:
        return f"{self.case}({self.arg})"


@dataclass(frozen=True)
class StripPrefix(_OnText):
    affix: str
    arg: TextExpr

    def apply(self, value: Text) -> Text:
        return None if value is None else value.removeprefix(self.affix)

    def python(self) -> str:
        return f"{atom(self.arg)}.removeprefix({self.affix!r})"

    def __str__(self) -> str:
        return f"strip_prefix({self.arg}, {self.affix!r})"


@dataclass(frozen=True)
class StripSuffix(_OnText):
    affix: str
    arg: TextExpr

    def apply(self, value: Text) -> Text:
        return None if value is None else value.removesuffix(self.affix)

    def python(self) -> str:
        return f"{atom(self.arg)}.removesuffix({self.affix!r})"

    def __str__(self) -> str:
        return f"strip_suffix({self.arg}, {self.affix!r})"


@dataclass(frozen=True)
class AddPrefix(_OnText):
    text: str
    arg: TextExpr

    def apply(self, value: Text) -> Text:
        return None if value is None else self.text + value

    def python(self) -> str:
        return f"{self.text!r} + {self.arg.python()}"

    def __str__(self) -> str:
        return f"{self.text!r} + {self.arg}"


@dataclass(frozen=True)
class AddSuffix(_OnText):
    text: str
    arg: TextExpr

    def apply(self, value: Text) -> Text:
        return None if value is None else value + self.text

    def python(self) -> str:
        return f"{self.arg.python()} + {self.text!r}"

    def __str__(self) -> str:
        return f"{self.arg} + {self.text!r}"


TESTS = ("equals", "starts_with", "ends_with", "has_folder")


@dataclass(frozen=True)
class If:
    """`then` when the input passes a test, else `otherwise`.

    Tests: a text feature `equals` a value (extension, folder, an empty
    enclosing class for "not in a class"), the feature `starts_with` or
    `ends_with` a value (file-name patterns such as `test_`), or the path
    `has_folder` named value at any depth (a layer such as `tests/` or
    `domain/`; `feature` is then "folders").
    """

    feature: str
    value: str
    then: TextExpr
    otherwise: TextExpr
    test: str = "equals"

    @property
    def size(self) -> int:
        return 1 + self.then.size + self.otherwise.size

    def condition(self, ctx: dict[str, Any]) -> bool:
        if self.test == "has_folder":
            return self.value in runtime.folders(ctx)
        text = runtime.feature(ctx, self.feature)
        if self.test == "starts_with":
            return text.startswith(self.value)
        if self.test == "ends_with":
            return text.endswith(self.value)
        return text == self.value

    def evaluate(self, ctx: dict[str, Any]) -> Text:
        return (self.then if self.condition(ctx) else self.otherwise).evaluate(ctx)

    def python(self) -> str:
        return f"({self.then.python()} if {self.condition_python()} else {self.otherwise.python()})"

    def condition_python(self) -> str:
        if self.test == "has_folder":
            return f"{self.value!r} in folders(ctx)"
        if self.test == "starts_with":
            return f"feature(ctx, {self.feature!r}).startswith({self.value!r})"
        if self.test == "ends_with":
            return f"feature(ctx, {self.feature!r}).endswith({self.value!r})"
        return f"feature(ctx, {self.feature!r}) == {self.value!r}"

    def condition_text(self) -> str:
        if self.test == "has_folder":
            return f"{self.value!r} in folders"
        if self.test == "equals":
            return f"{self.feature} == {self.value!r}"
        return f"{self.feature}.{self.test.replace('_', '')}({self.value!r})"

    def __str__(self) -> str:
        return f"if {self.condition_text()} then {self.then} else {self.otherwise}"


TextExpr = Feature | Const | Item | Join | Case | StripPrefix | StripSuffix | AddPrefix | AddSuffix | If
ListExpr = Parts | MapCase


def atom(expr: TextExpr) -> str:
    """The expression's Python text, parenthesised when a method call would bind too tightly."""
    text = expr.python()
    return f"({text})" if isinstance(expr, (AddPrefix, AddSuffix)) else text


def runtime_source() -> str:
    """The helper code every learned program carries: casing.py and runtime.py without their docstrings."""
    return "\n\n".join(_without_docstring(module) for module in (casing, runtime))


def _without_docstring(module: ModuleType) -> str:
    source = inspect.getsource(module)
    docstring_end = ast.parse(source).body[0].end_lineno
    return "\n".join(source.splitlines()[docstring_end:]).strip() + "\n"


@dataclass(frozen=True)
class Program:
    """A synthesised answer: an expression plus how to run and print it."""

    root: TextExpr

    @property
    def size(self) -> int:
        return self.root.size

    def evaluate(self, features: dict[str, Any]) -> str | None:
        """The answer for these features, or None when the program has none (empty or failed)."""
        try:
            value = self.root.evaluate(features)
        except (TypeError, AttributeError, ValueError):
            return None
        return value if isinstance(value, str) and value else None

    def to_python(self, func_name: str = "infer") -> str:
        """Readable Python: the runtime helpers and `def <func_name>(ctx: dict) -> str`."""
        if isinstance(self.root, If):
            body = (
                f"    if {self.root.condition_python()}:\n"
                f"        return {self.root.then.python()}\n"
                f"    return {self.root.otherwise.python()}\n"
            )
        else:
            body = f"    return {self.root.python()}\n"
        summary = str(self).replace("\\", "\\\\").replace('"""', "'''")
        return f'{runtime_source()}\n\ndef {func_name}(ctx: dict) -> str:\n    """{summary}"""\n{body}'

    def __str__(self) -> str:
        return str(self.root)
