"""Load `template.yml` into the immutable model, with errors that point at lines.

The manifest is parsed with ruamel's round-trip loader only to keep line numbers:
a diagnostic on a template author's manifest should land on the offending
question, not on line 1. File bodies are not read here; `check_sources` parses
them when someone asks (saving a template, `scion check`), and rendering reads
them on demand, so loading a whole catalog stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from server.common.errors import AnswerError, TemplateError
from server.common.jsonish import plain
from server.templates.model import (
    QUESTION_TYPES,
    WHERE_CONTEXTS,
    Example,
    Migration,
    Question,
    Template,
)
from server.templates.questions import coerce
from server.templates.render import EXPRESSION_ENV, JINJA_SUFFIX, environment_for, looks_like_jinja, source_files
from server.templates.safe_yaml import read_bounded_text, untrusted, yaml_problem

MANIFEST_NAME = "template.yml"
MANIFEST_KEYS = (
    "title",
    "description",
    "mode",
    "where",
    "languages",
    "primary",
    "questions",
    "changelog",
    "migrations",
    "examples",
)
QUESTION_KEYS = ("type", "help", "default", "choices", "multiselect", "validator", "when", "secret", "placeholder")
MIGRATION_KEYS = ("version", "rename", "defaults", "transform")
EXAMPLE_KEYS = ("answers", "context", "contains", "parses")
MODES = ("file", "insert")
CONTEXT_NAME = "ctx"


def line_of(mapping: Any, key: Any) -> int | None:
    """1-based line of `key` in a round-trip mapping, when ruamel recorded it."""
    try:
        line: int = mapping.lc.key(key)[0] + 1
        return line
    except (AttributeError, KeyError, TypeError):
        return None


def item_line(sequence: Any, index: int) -> int | None:
    try:
        line: int = sequence.lc.item(index)[0] + 1
        return line
    except (AttributeError, KeyError, TypeError, IndexError):
        return None


def read_yaml(path: Path) -> Any:
    """Parse untrusted YAML keeping positions; every problem becomes TemplateError with the line.

    Aliases are refused (safe_yaml): `plain()` below would expand an alias bomb.
    """
    try:
        text = read_bounded_text(path, TemplateError)
    except FileNotFoundError:
        raise TemplateError(f"missing {path.name}", path=path) from None
    try:
        return untrusted(YAML(typ="rt")).load(text)
    except MarkedYAMLError as error:
        message, line = yaml_problem(error)
        raise TemplateError(message, path=path, line=line) from None
    except YAMLError as error:
        raise TemplateError(f"YAML error: {error}", path=path) from None


class _ManifestReader:
    """Checks one manifest, raising TemplateError at the first problem with its line."""

    def __init__(self, manifest: Path):
        self.manifest = manifest

    def fail(self, message: str, line: int | None = None) -> TemplateError:
        return TemplateError(message, path=self.manifest, line=line)

    def unknown_keys(self, mapping: Any, allowed: tuple[str, ...], what: str) -> None:
        for key in mapping:
            if key not in allowed:
                raise self.fail(
                    f"unknown key {key!r} in {what}; allowed keys: {', '.join(allowed)}", line_of(mapping, key)
                )

    def string(self, mapping: Any, key: str, default: str, what: str) -> str:
        value = mapping.get(key, default)
        if value is None:
            return default
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.fail(f"{what}: {key!r} must be text", line_of(mapping, key))
        return str(value)

    def flag(self, mapping: Any, key: str, default: bool, what: str) -> bool:
        value = mapping.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{what}: {key!r} must be true or false", line_of(mapping, key))
        return value

    def string_list(self, mapping: Any, key: str, default: tuple[str, ...], what: str) -> tuple[str, ...]:
        value = mapping.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(f"{what}: {key!r} must be a list of strings", line_of(mapping, key))
        return tuple(str(item) for item in value)

    def mapping(self, parent: Any, key: str, what: str) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{what}: {key!r} must be a mapping", line_of(parent, key))
        return value

    def entries(
        self, data: Any, key: str, noun: str, needs: str, allowed: tuple[str, ...]
    ) -> Iterator[tuple[int, Any, int | None]]:
        """(index, mapping, line) of each item of the list under `key` (e.g. migrations), its keys checked."""
        entries = data.get(key) or []
        if not isinstance(entries, list):
            raise self.fail(f"{key!r} must be a list", line_of(data, key))
        for index, entry in enumerate(entries):
            line = item_line(entries, index)
            if not isinstance(entry, dict):
                raise self.fail(f"each {noun} must be a mapping with {needs!r}", line)
            self.unknown_keys(entry, allowed, _with_article(noun))
            yield index, entry, line


def _with_article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _check_names(
    reader: _ManifestReader,
    expression: str,
    *,
    question: str,
    field_name: str,
    allowed: set[str],
    later: set[str],
    line: int | None,
) -> None:
    """Parse a Jinja expression and refuse variables it cannot see when evaluated."""
    try:
        # Compiling (inside find_undeclared_variables) is what finds an unknown filter or test.
        undeclared = meta.find_undeclared_variables(EXPRESSION_ENV.parse(expression))
    except jinja2.TemplateSyntaxError as error:  # an unknown filter or test is one too
        raise reader.fail(f"question {question!r}: Jinja syntax error in {field_name}: {error.message}", line) from None
    except jinja2.TemplateError as error:
        raise reader.fail(
            f"question {question!r}: Jinja error in {field_name}: {error.message or error}", line
        ) from None
    for name in sorted(undeclared - set(EXPRESSION_ENV.globals)):
        if name in allowed:
            continue
        if name == question:
            raise reader.fail(f"question {question!r}: its {field_name} uses its own answer", line)
        if name in later:
            raise reader.fail(
                f"question {question!r}: its {field_name} uses {name!r}, which is asked later; "
                f"a {field_name} can only use answers of earlier questions",
                line,
            )
        known = ", ".join(sorted(allowed | later | {question})) or "none"
        raise reader.fail(
            f"question {question!r}: its {field_name} uses unknown answer {name!r} (questions: {known}; and ctx)", line
        )


def _infer_type(default: Any) -> str:
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, (list, dict)):
        return "yaml"
    return "str"


def _read_question(
    reader: _ManifestReader, name: str, spec: Any, line: int | None, earlier: list[str], later: set[str]
) -> Question:
    what = f"question {name!r}"
    if not name.isidentifier() or name == CONTEXT_NAME:
        raise reader.fail(f"{what}: a question name must be an identifier other than 'ctx'", line)
    if not isinstance(spec, dict):
        # copier's shorthand: `name: default`
        return Question(name=name, type=_infer_type(spec), default=plain(spec), line=line)
    reader.unknown_keys(spec, QUESTION_KEYS, what)
    default = plain(spec.get("default"))
    qtype = spec.get("type") or (
        _infer_type(default) if default is not None and not isinstance(default, str) else "str"
    )
    if qtype not in QUESTION_TYPES:
        raise reader.fail(
            f"{what}: unknown type {qtype!r}; use one of {', '.join(QUESTION_TYPES)}", line_of(spec, "type")
        )
    choices = plain(spec.get("choices"))
    if choices is not None and not isinstance(choices, (list, dict)):
        raise reader.fail(f"{what}: 'choices' must be a list or a mapping label -> value", line_of(spec, "choices"))
    multiselect = reader.flag(spec, "multiselect", False, what)
    if multiselect and not choices:
        raise reader.fail(f"{what}: 'multiselect' needs 'choices'", line_of(spec, "multiselect"))
    when = plain(spec.get("when", True))
    if not isinstance(when, (bool, str)):
        raise reader.fail(f"{what}: 'when' must be true, false or a Jinja expression", line_of(spec, "when"))
    validator = spec.get("validator")
    if validator is not None and not isinstance(validator, str):
        raise reader.fail(f"{what}: 'validator' must be a Jinja template string", line_of(spec, "validator"))

    visible = set(earlier) | {CONTEXT_NAME}
    for field_name, value, allowed in (
        ("default", default, visible),
        ("when", when, visible),
        ("validator", validator, visible | {name}),
    ):
        if isinstance(value, str) and looks_like_jinja(value):
            _check_names(
                reader,
                value,
                question=name,
                field_name=field_name,
                allowed=allowed,
                later=later,
                line=line_of(spec, field_name) or line,
            )

    question = Question(
        name=name,
        type=str(qtype),
        help=reader.string(spec, "help", "", what),
        default=default,
        choices=choices,
        multiselect=multiselect,
        validator=str(validator) if validator is not None else None,
        when=when,
        secret=reader.flag(spec, "secret", False, what),
        placeholder=reader.string(spec, "placeholder", "", what),
        line=line,
    )
    if default is not None and not (isinstance(default, str) and looks_like_jinja(default)):
        try:
            coerce(question, default)
        except AnswerError as error:
            raise reader.fail(
                f"{what}: its default does not fit: {error.message}", line_of(spec, "default") or line
            ) from None
    return question


def _read_questions(reader: _ManifestReader, data: Any) -> tuple[Question, ...]:
    specs = reader.mapping(data, "questions", "the manifest")
    names = [str(name) for name in specs]
    questions = []
    for index, (name, spec) in enumerate(specs.items()):
        questions.append(
            _read_question(reader, str(name), spec, line_of(specs, name), names[:index], set(names[index + 1 :]))
        )
    return tuple(questions)


def _read_migrations(reader: _ManifestReader, data: Any) -> tuple[Migration, ...]:
    migrations = []
    for _, entry, line in reader.entries(data, "migrations", "migration", "version", MIGRATION_KEYS):
        if entry.get("version") is None:
            raise reader.fail("a migration needs a 'version'", line)
        version = str(entry["version"])
        rename = plain(reader.mapping(entry, "rename", "a migration"))
        defaults = plain(reader.mapping(entry, "defaults", "a migration"))
        transform = plain(reader.mapping(entry, "transform", "a migration"))
        for key, value in list(rename.items()) + list(transform.items()):
            if not isinstance(value, str):
                raise reader.fail(f"migration {version}: the value for {key!r} must be text", line)
        for expression in [*transform.values(), *(value for value in defaults.values() if isinstance(value, str))]:
            try:
                EXPRESSION_ENV.parse(expression)
            except jinja2.TemplateSyntaxError as error:
                raise reader.fail(f"migration {version}: Jinja syntax error: {error.message}", line) from None
        migrations.append(
            Migration(
                version=version,
                rename={str(k): str(v) for k, v in rename.items()},
                defaults=defaults,
                transform={str(k): str(v) for k, v in transform.items()},
            )
        )
    return tuple(migrations)


def _read_examples(reader: _ManifestReader, data: Any, question_names: set[str]) -> tuple[Example, ...]:
    examples = []
    for index, entry, line in reader.entries(data, "examples", "example", "answers", EXAMPLE_KEYS):
        answers = plain(reader.mapping(entry, "answers", "an example"))
        for name in answers:
            if name not in question_names:
                raise reader.fail(
                    f"example {index + 1}: unknown question {name!r}", line_of(entry["answers"], name) or line
                )
        examples.append(
            Example(
                answers=answers,
                context=plain(reader.mapping(entry, "context", "an example")),
                contains=reader.string_list(entry, "contains", (), "an example"),
                parses=reader.flag(entry, "parses", True, "an example"),
            )
        )
    return tuple(examples)


def load_template(version_dir: Path, root_kind: str = "builtin", template_id: str | None = None) -> Template:
    """Read `<version_dir>/template.yml`; raise TemplateError (with file and line) when it is wrong."""
    version_dir = Path(version_dir).absolute()
    manifest = version_dir / MANIFEST_NAME
    data = read_yaml(manifest)
    reader = _ManifestReader(manifest)
    if data is None:
        raise reader.fail("the manifest is empty; it needs at least 'title' and a files/ folder", 1)
    if not isinstance(data, dict):
        raise reader.fail("the manifest must be a mapping of keys (title, questions, ...)", 1)
    reader.unknown_keys(data, MANIFEST_KEYS, "the manifest")

    template_id = template_id or version_dir.parent.name
    mode = reader.string(data, "mode", "file", "the manifest")
    if mode not in MODES:
        raise reader.fail(f"unknown mode {mode!r}; use 'file' or 'insert'", line_of(data, "mode"))
    where = reader.string_list(data, "where", ("module", "empty_file"), "the manifest")
    for place in where:
        if place not in WHERE_CONTEXTS:
            raise reader.fail(
                f"unknown 'where' context {place!r}; use any of {', '.join(WHERE_CONTEXTS)}", line_of(data, "where")
            )
    changelog = reader.mapping(data, "changelog", "the manifest")

    files_dir = version_dir / "files"
    if not files_dir.is_dir():
        raise reader.fail("missing files/ folder beside template.yml", 1)
    template = Template(
        id=template_id,
        version=version_dir.name,
        path=version_dir,
        title=reader.string(data, "title", template_id, "the manifest"),
        description=reader.string(data, "description", "", "the manifest"),
        mode=mode,
        where=where,
        languages=reader.string_list(data, "languages", (), "the manifest"),
        questions=_read_questions(reader, data),
        changelog={str(version): str(plain(text)) for version, text in changelog.items()},
        migrations=_read_migrations(reader, data),
        primary=reader.string(data, "primary", "", "the manifest") or None,
        root_kind=root_kind,
    )
    template = replace(template, examples=_read_examples(reader, data, {q.name for q in template.questions}))
    _check_files(reader, template, data)
    return template


def _check_files(reader: _ManifestReader, template: Template, data: Any) -> None:
    files = source_files(template)
    if not files:
        raise reader.fail("files/ is empty; a template needs at least one file", 1)
    if template.mode == "insert" and len(files) != 1:
        raise reader.fail(
            f"an insert-mode template needs exactly one file in files/, found {len(files)}", line_of(data, "mode")
        )
    if template.primary and template.primary not in files:
        raise reader.fail(
            f"primary file {template.primary!r} is not in files/ ({', '.join(files)})", line_of(data, "primary")
        )


def check_sources(template: Template) -> list[TemplateError]:
    """Parse every files/ entry and templated path: Jinja syntax errors and unknown variables."""
    env = environment_for(str(template.files_dir))
    known = {q.name for q in template.questions} | {CONTEXT_NAME} | set(env.globals)
    errors: list[TemplateError] = []
    for source in source_files(template):
        path = template.files_dir / source
        path_name = source[: -len(JINJA_SUFFIX)] if source.endswith(JINJA_SUFFIX) else source
        for segment in path_name.split("/"):
            errors.extend(
                _parse_errors(segment, path, known, what=f"the path segment {segment!r}", line=1, env=EXPRESSION_ENV)
            )
        try:
            body = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            errors.append(TemplateError("not UTF-8 text; template files must be text", path=path))
            continue
        errors.extend(_parse_errors(body, path, known, what=source, line=None, env=env))
    return errors


def _parse_errors(
    text: str, path: Path, known: set[str], *, what: str, line: int | None, env: jinja2.Environment
) -> list[TemplateError]:
    if not looks_like_jinja(text):
        return []
    try:
        tree = env.parse(text, filename=str(path))
    except jinja2.TemplateSyntaxError as error:
        return [TemplateError(f"Jinja syntax error in {what}: {error.message}", path=path, line=line or error.lineno)]
    unknown = sorted(meta.find_undeclared_variables(tree) - known)
    if not unknown:
        return []
    first_line = line or _first_use(text, unknown[0])
    names = ", ".join(repr(name) for name in unknown)
    return [
        TemplateError(
            f"{what} uses unknown variable(s) {names}; it can use the questions' answers and ctx",
            path=path,
            line=first_line,
        )
    ]


def _first_use(text: str, name: str) -> int | None:
    match = re.search(rf"\b{re.escape(name)}\b", text)
    return text.count("\n", 0, match.start()) + 1 if match else None
