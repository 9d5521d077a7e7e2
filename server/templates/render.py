"""Sandboxed Jinja rendering of templates, expressions and output paths.

Templates may come from a teammate's workspace or from the evolution engine, so
they run in Jinja's sandbox, bounded in time and size (limits.py). `StrictUndefined` turns a misspelt variable into an
error that names the template file and line instead of silently rendering "".
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import jinja2

from server.common.confine import already_safe, inside_workspace, safe_relative_path
from server.common.errors import PathEscapeError, TemplateError
from server.templates.filters import CASE_FILTERS
from server.templates.limits import BoundedEnvironment, exhausted, render_budget
from server.templates.model import RenderedFile, Rendering, Template

JINJA_SUFFIX = ".jinja"
# A string that is one `{{ ... }}` and nothing else: evaluated to a native value.
_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}\s*$", re.DOTALL)


def _configure(env: BoundedEnvironment) -> BoundedEnvironment:
    env.filters.update(CASE_FILTERS)
    return env


def _new_environment(loader: jinja2.BaseLoader | None = None) -> BoundedEnvironment:
    return _configure(
        BoundedEnvironment(
            loader=loader,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            autoescape=False,
        )
    )


# Expressions, path segments, validators: no loader, so no file access at all.
EXPRESSION_ENV = _new_environment()


@functools.lru_cache(maxsize=256)
def environment_for(files_dir: str) -> BoundedEnvironment:
    """One environment per template version, so `{% include %}` resolves inside its files/."""
    return _new_environment(_ConfinedLoader(files_dir))


def looks_like_jinja(text: str) -> bool:
    return "{{" in text or "{%" in text or "{#" in text


def _line_in(traceback: TracebackType | None, filename: str) -> int | None:
    """Jinja rewrites tracebacks so frames of a template carry its file name and line."""
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == filename:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def jinja_error(error: Exception, *, path: Path | None, what: str, line: int | None = None) -> TemplateError:
    """Translate any Jinja failure into a TemplateError pointing at the source."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        return TemplateError(f"Jinja syntax error in {what}: {error.message}", path=path, line=error.lineno or line)
    if path is not None and line is None:
        line = _line_in(sys.exc_info()[2] or error.__traceback__, str(path))
    reason = error.message if isinstance(error, jinja2.TemplateError) and error.message else str(error)
    return TemplateError(f"cannot render {what}: {reason}", path=path, line=line)


def template_variables(template: Template, answers: dict[str, Any], features: dict[str, Any]) -> dict[str, Any]:
    """Every answer by name plus `ctx`; questions skipped by `when` are None, not undefined."""
    variables: dict[str, Any] = {question.name: None for question in template.questions}
    variables.update(answers)
    variables["ctx"] = features
    return variables


def render_expression(
    expression: Any, variables: dict[str, Any], *, path: Path | None = None, line: int | None = None
) -> Any:
    """Evaluate a manifest value: `"{{ x }}"` gives x's native value, other Jinja gives text, literals pass through."""
    if not isinstance(expression, str) or not looks_like_jinja(expression):
        return expression
    try:
        single = _SINGLE_EXPRESSION.match(expression)
        if single:
            compiled = EXPRESSION_ENV.compile_expression(single["expr"], undefined_to_none=False)
            with render_budget():  # an expression is not joined by concat, which bounds templates
                value = compiled(**variables)
            if isinstance(value, jinja2.Undefined):
                value._fail_with_undefined_error()
            return value
        return EXPRESSION_ENV.from_string(expression).render(**variables)
    except jinja2.TemplateError as error:
        raise jinja_error(error, path=path, line=line, what=f"expression {expression!r}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as error:
        raise TemplateError(f"cannot evaluate {expression!r}: {error}", path=path, line=line) from None
    except (RecursionError, MemoryError) as error:
        raise TemplateError(f"cannot evaluate {expression!r}: {exhausted(error)}", path=path, line=line) from None


# Template objects are immutable and a reload makes new ones, so the listing of
# files/ is cached per object (kept alive by the cache, so ids are never reused).
_SOURCE_FILES: dict[int, tuple[Template, list[str]]] = {}
_SOURCE_FILES_LIMIT = 512


def source_files(template: Template) -> list[str]:
    """The files/ entries of a template, as sorted POSIX paths. Bodies are read only when rendered."""
    cached = _SOURCE_FILES.get(id(template))
    if cached is not None and cached[0] is template:
        return cached[1]
    files = _regular_files(template.files_dir)
    if len(_SOURCE_FILES) >= _SOURCE_FILES_LIMIT:
        _SOURCE_FILES.clear()
    _SOURCE_FILES[id(template)] = (template, files)
    return files


def _regular_files(root: Path) -> list[str]:
    """The files below `root` as sorted POSIX paths; a symlink anywhere is refused.

    A template may come from a cloned repository: a link in files/ to
    /etc/hostname or ~/.ssh would copy the host's files into the output.
    """
    files: list[str] = []
    for folder, folders, names in os.walk(root):
        for name in folders + names:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                raise TemplateError(
                    f"{os.path.relpath(path, root)} is a symlink; template files must be regular files", path=Path(path)
                )
        files.extend(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/") for name in names)
    return sorted(files)


class _ConfinedLoader(jinja2.FileSystemLoader):
    """`{% include %}` and friends read only files inside the template's files/, never through a link out of it."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        try:
            inside_workspace(self.searchpath[0], filename, what="template file")
        except PathEscapeError as error:
            raise jinja2.TemplateNotFound(f"{template} ({error})") from None
        return source, filename, uptodate


@functools.lru_cache(maxsize=2048)
def _path_segment(segment: str) -> jinja2.Template:
    """Compiling is most of a path's render cost; a segment's source fully determines it."""
    return EXPRESSION_ENV.from_string(segment)


# `{{ name }}` and nothing fancier: most path segments are only that.
_PLAIN_SUBSTITUTION = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_JINJA_CONSTANTS = frozenset({"true", "false", "none", "True", "False", "None"})


@functools.lru_cache(maxsize=2048)
def _plain_parts(segment: str) -> tuple[str, ...] | None:
    """The segment as literal, name, literal, name, ..., literal; None when it uses more of Jinja than `{{ name }}`."""
    parts = tuple(_PLAIN_SUBSTITUTION.split(segment))
    literals, names = parts[0::2], parts[1::2]
    # Any other brace could join a neighbouring `{{` into different Jinja (`{{{ name }}`).
    if any("{" in text or "}" in text for text in literals) or _JINJA_CONSTANTS.intersection(names):
        return None
    return parts


def _render_segment(segment: str, variables: dict[str, Any]) -> str:
    """A path segment rendered; `{{ name }}` of a text answer is substituted without Jinja (same result, a tenth of the time)."""
    parts = _plain_parts(segment)
    if parts is not None:
        values = [variables.get(name) for name in parts[1::2]]
        if all(type(value) is str for value in values):
            pieces = list(parts)
            pieces[1::2] = cast(list[str], values)  # all text, checked just above
            return "".join(pieces)
    return _path_segment(segment).render(**variables)


def render_output_path(source: str, variables: dict[str, Any], *, template: Template) -> str | None:
    """Render each segment of a files/ path. None when a segment renders empty (a conditional file)."""
    if source.endswith(JINJA_SUFFIX):
        source = source[: -len(JINJA_SUFFIX)]
    segments = []
    for segment in source.split("/"):
        try:
            rendered = _render_segment(segment, variables) if looks_like_jinja(segment) else segment
        except jinja2.TemplateError as error:
            raise jinja_error(error, path=template.files_dir / source, what=f"the path {source!r}", line=1) from None
        except (RecursionError, MemoryError) as error:
            raise TemplateError(
                f"cannot render the path {source!r}: {exhausted(error)}", path=template.files_dir / source, line=1
            ) from None
        if not rendered.strip():
            return None
        segments.append(rendered)
    joined = "/".join(segments)
    return joined if already_safe(joined) else safe_relative_path(joined, origin=template.files_dir / source)


def _render_body(template: Template, source: str, variables: dict[str, Any]) -> str:
    try:
        return environment_for(str(template.files_dir)).get_template(source).render(**variables)
    except UnicodeDecodeError:
        raise TemplateError("not UTF-8 text; template files must be text", path=template.files_dir / source) from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as error:
        raise jinja_error(error, path=template.files_dir / source, what=source) from None
    except (RecursionError, MemoryError) as error:
        raise TemplateError(f"cannot render {source}: {exhausted(error)}", path=template.files_dir / source) from None


def render_template(template: Template, answers: dict[str, Any], features: dict[str, Any]) -> Rendering:
    """Render every file of a template; the primary file first, then by output path."""
    variables = template_variables(template, answers, features)
    primary_source = template.primary
    rendered: list[RenderedFile] = []
    for source in source_files(template):
        out_path = render_output_path(source, variables, template=template)
        if out_path is None:
            continue
        rendered.append(RenderedFile(path=out_path, text=_render_body(template, source, variables), source=source))
    if not rendered:
        raise TemplateError(
            "the template rendered no files (every path was conditional and empty)", path=template.files_dir
        )
    rendered.sort(key=lambda file: (file.source != primary_source, file.path))
    return Rendering(template_id=template.id, version=template.version, files=tuple(rendered))
