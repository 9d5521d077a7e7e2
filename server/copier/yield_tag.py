"""copier's `{% yield NAME from ITERABLE %}...{% endyield %}` tag, for file and folder names (copier 9.2+).

A path segment holding the tag stands for one file or folder per item: the
renderer (render.py) renders the segment once to learn NAME and ITERABLE, then
once per item with NAME bound to it; that binding stays in the context of
everything below (deeper segments and the file's content). The tag only
records what it found; its body renders as usual, and a name it uses that is
not defined yet (the first pass) renders as nothing. One tag per segment; in a
file's content the tag is an error, as in copier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser

from server.common.errors import TemplateError


@dataclass
class YieldFound:
    name: str
    items: Any


class YieldExtension(Extension):
    tags = {"yield"}  # noqa: RUF012  (Jinja's Extension API: a class attribute)

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        self.found: YieldFound | None = None

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        target = parser.parse_assign_target(name_only=True)
        parser.stream.expect("name:from")
        items = parser.parse_expression()
        body = parser.parse_statements(("name:endyield",), drop_needle=True)
        call = self.call_method("_record", [nodes.Const(target.name), items])
        return nodes.CallBlock(call, [], [], body, lineno=lineno)

    def _record(self, name: str, items: Any, caller: Callable[[], str]) -> str:
        if self.found is not None:
            raise TemplateError(f"a name may hold one yield tag: found 'yield {name}' after 'yield {self.found.name}'")
        self.found = YieldFound(name, items)
        try:
            return caller()
        except jinja2.UndefinedError:
            return ""  # the first pass, before the name is bound (StrictUndefined templates)


def yield_extension(env: jinja2.Environment) -> YieldExtension:
    extension = env.extensions[YieldExtension.identifier]
    assert isinstance(extension, YieldExtension)
    return extension


def render_watching_yield(env: jinja2.Environment, render: Callable[[], str]) -> tuple[str, YieldFound | None]:
    """`render()`, and the yield tag it met (None when it met none)."""
    extension = yield_extension(env)
    extension.found = None
    try:
        return render(), extension.found
    finally:
        extension.found = None
