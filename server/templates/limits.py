"""Bounds on rendering untrusted templates: steps, wall-clock time, value and output sizes.

A template from a cloned repository is code: nested `{% for %}` loops over
`range()` run for hours and `'a' * 10**10` asks for 10 GB. Jinja's sandbox stops
attribute tricks, not work. Renders stay in this process (one costs about a
millisecond; a child process per render would cost a hundred times more), and
the sandbox's hooks bound them instead:

- every loop iteration and every call (macros, methods, `loop()`, `range()`) is a
  step; a render may take MAX_STEPS of them, and RENDER_SECONDS of wall-clock
  time, checked every few hundred steps (for steps that are each slow);
- `range()` gives at most MAX_RANGE items;
- `*`, `**` and `+`, and calls of text methods, refuse results longer than
  MAX_LENGTH (before computing them where the size is known up front);
- a rendered text is at most MAX_OUTPUT characters.

What is left is one C-level operation (a filter) allocating up to about a
gigabyte before its result is refused; larger requests fail with MemoryError,
which the callers turn into a TemplateError like the limits here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from time import monotonic
from typing import Any

from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

RENDER_SECONDS = 10.0  # generous: a real render takes milliseconds, even on a loaded machine
MAX_STEPS = 1_000_000
MAX_RANGE = 10_000  # jinja2.sandbox allows 100 000; a template never needs that many
MAX_LENGTH = 1_000_000  # characters of one text, items of one list
MAX_OUTPUT = 4_000_000  # characters of one rendered file or expression
MAX_INT_BITS = 64_000  # Python refuses to print ints above 4300 digits (~14 000 bits) anyway
_CHECK_CLOCK_EVERY = 256
_STEP_FILTER = "_scion_counted"  # wraps the iterable of every {% for %}
_WIDE_FORMAT = re.compile(r"\d{7,}")  # a width or precision of a million or more in a format string


class RenderLimitExceeded(SecurityError):
    """A render went past a limit (a jinja2 TemplateError, so callers report it with file and line)."""


class _Budget:
    __slots__ = ("deadline", "seconds", "steps")

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = monotonic() + seconds
        self.steps = 0


_BUDGET: ContextVar[_Budget | None] = ContextVar("scion_render_budget", default=None)


@contextmanager
def render_budget(seconds: float = RENDER_SECONDS) -> Iterator[None]:
    """Bound the renders inside; a render nested in one already bounded shares its budget."""
    if _BUDGET.get() is not None:
        yield
        return
    token = _BUDGET.set(_Budget(seconds))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _step() -> None:
    budget = _BUDGET.get()
    if budget is None:
        return
    budget.steps += 1
    if budget.steps > MAX_STEPS:
        raise RenderLimitExceeded(f"more than {MAX_STEPS:,} loop iterations and calls; is a loop far too long?")
    if not budget.steps % _CHECK_CLOCK_EVERY and monotonic() > budget.deadline:
        raise RenderLimitExceeded(f"rendering took longer than {budget.seconds:g} s")


def _counted(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        _step()
        yield item


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise RenderLimitExceeded(f"range() of {len(numbers):,} numbers; templates may use at most {MAX_RANGE:,}")
    return numbers


def _too_long(size: int) -> RenderLimitExceeded:
    return RenderLimitExceeded(f"a value of {size:,} characters or items; at most {MAX_LENGTH:,} are allowed")


def _checked(value: Any) -> Any:
    if isinstance(value, (str, list, tuple, bytes)) and len(value) > MAX_LENGTH:
        raise _too_long(len(value))
    return value


def _check_product(left: Any, right: Any) -> None:
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, (str, list, tuple)) and isinstance(times, int) and len(sequence) * times > MAX_LENGTH:
            raise _too_long(len(sequence) * times)
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise RenderLimitExceeded(f"an integer of more than {MAX_INT_BITS:,} bits")


def _check_power(base: Any, exponent: Any) -> None:
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and exponent > 0
        and abs(base) > 1
        and base.bit_length() * exponent > MAX_INT_BITS
    ):
        raise RenderLimitExceeded(f"an integer of more than {MAX_INT_BITS:,} bits")


def _check_format(text: Any) -> None:
    if isinstance(text, str) and _WIDE_FORMAT.search(text):
        raise RenderLimitExceeded(f"a format width of a million or more in {text[:40]!r}")


def _check_text_method(method: Any, args: tuple[Any, ...]) -> None:
    """Sizes a text method would produce, known before calling it (width arguments, replace, format)."""
    method = getattr(method, "__wrapped__", method)  # the sandbox wraps str.format in its own function
    owner = getattr(method, "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(method, "__name__", "")
    if name in ("format", "format_map"):
        _check_format(owner)
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        size = len(owner) + owner.count(args[0]) * (len(args[1]) - len(args[0]))
        if size > MAX_LENGTH:
            raise _too_long(size)
    elif any(isinstance(arg, int) and arg > MAX_LENGTH for arg in args):  # center, ljust, zfill, expandtabs, ...
        raise _too_long(max(arg for arg in args if isinstance(arg, int)))


class BoundedEnvironment(SandboxedEnvironment):
    """Jinja's sandbox with the bounds above; renders outside render_budget() are only size-bounded."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.globals["range"] = _bounded_range
        self.filters[_STEP_FILTER] = _counted

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Count every iteration of every `{% for %}`: wrap its iterable in the counting filter."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _STEP_FILTER, [], [], None, None, lineno=loop.iter.lineno)
        return tree

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        _step()
        _check_text_method(obj, args)
        return _checked(super().call(context, obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _check_product(left, right)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "%":
            _check_format(left)
        return _checked(super().call_binop(context, operator, left, right))

    def concat(self, chunks: Iterable[str]) -> str:
        """Template.render joins its output here: the whole render runs inside, under one budget."""
        if _BUDGET.get() is not None:  # a macro's output, or a render inside a bounded one
            return _joined(chunks)
        with render_budget():
            return _joined(chunks)


def _joined(chunks: Iterable[str]) -> str:
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise RenderLimitExceeded(f"the output is longer than {MAX_OUTPUT:,} characters")
        parts.append(chunk)
    return "".join(parts)


def exhausted(error: RecursionError | MemoryError) -> str:
    """What to tell the user when a render ran out of stack or memory."""
    if isinstance(error, RecursionError):
        return "it recursed too deeply (a macro or include that calls itself?)"
    return "it ran out of memory"
