"""The Jinja environment a copier template renders in, set up as copier 9 sets it up.

- Scion's bounded sandbox (server/templates/limits.py) underneath: a copier
  template is as untrusted as any other.
- `{% include %}`, `{% import %}` and `{% extends %}` load from the template's
  root, and never from outside it (a symlink out is refused).
- copier's filters are jinja2-ansible-filters' (`to_nice_yaml`, `regex_search`,
  `bool`, `hash`, ...), the library copier itself ships; `to_json` also takes
  paths; the `pathjoin` global; the `{% yield %}` tag of file and folder
  names (yield_tag.py).
- `_envops` as the template gives them (other delimiters, `trim_blocks`, ...),
  with `keep_trailing_newline` on unless the template turns it off, and
  `undefined` limited to the two classes copier allows. Without it, undefined
  names render as nothing (Jinja's default, and copier's).
- `_jinja_extensions` are loaded only for a trusted template (trust.py decides;
  this module only loads what it is given).
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
from collections.abc import Callable, MutableMapping
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Any

import jinja2
import jinja2.bccache
from jinja2.loaders import split_template_path
from jinja2_ansible_filters import AnsibleCoreFiltersExtension

from server.common.confine import inside_workspace
from server.common.errors import PathEscapeError, TemplateError
from server.templates.limits import BoundedEnvironment

from . import warm_code
from .yield_tag import YieldExtension

_UNDEFINED = {"jinja2.Undefined": jinja2.Undefined, "jinja2.StrictUndefined": jinja2.StrictUndefined}
_PATH_TYPES = {"posix": PurePosixPath, "windows": PureWindowsPath, "native": PurePath}


class CopierLoader(jinja2.FileSystemLoader):
    """Templates by their path from the template root; a path that resolves outside it is refused."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        super().__init__([str(self.root)])

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        self._check_inside(template, filename)
        return source, filename, uptodate

    def load(
        self, environment: jinja2.Environment, name: str, globals: MutableMapping[str, Any] | None = None
    ) -> jinja2.Template:
        """Jinja's load, but with the code the warm process holds for an unchanged file (warm_code.py)."""
        key = getattr(environment.bytecode_cache, "key", None)
        if key is not None and warm_code.HELD:
            filename = posixpath.join(str(self.root), *split_template_path(name))
            stamp = warm_code.stamp_of(filename)
            code = warm_code.held(key, filename, stamp) if stamp is not None else None
            if code is not None:
                self._check_inside(name, filename)
                return environment.template_class.from_code(
                    environment, code, {} if globals is None else globals, lambda: warm_code.stamp_of(filename) == stamp
                )
        return super().load(environment, name, globals)

    def _check_inside(self, template: str, filename: str) -> None:
        # The root is resolved: only the components below it can be links (an lstat each, not a realpath from /).
        try:
            inside_workspace(self.root, filename, what="template file")
        except PathEscapeError:
            raise jinja2.TemplateNotFound(f"{template} (it resolves outside the template)") from None


class KeyedBytecodeCache(jinja2.FileSystemBytecodeCache):
    """The bytecode cache of one environment key (`environment_key`); notes what it loads for the warm process."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.key = folder.name

    def get_bucket(
        self, environment: jinja2.Environment, name: str, filename: str | None, source: str
    ) -> jinja2.bccache.Bucket:
        bucket = super().get_bucket(environment, name, filename, source)
        if bucket.code is not None:
            what, stamp = (filename, warm_code.stamp_of(filename)) if filename else (name, None)
            cache_file = os.path.join(self.directory, self.pattern % (bucket.key,))
            warm_code.note_loaded(self.key, what, stamp, bucket.checksum, cache_file)
        return bucket


def _json_fallback(value: Any) -> Any:
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "keys"):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _to_json(value: Any, *args: Any, **kwargs: Any) -> str:
    kwargs.setdefault("default", _json_fallback)
    return json.dumps(value, *args, **kwargs)


def _pathjoin(*parts: str, mode: str = "posix") -> str:
    if mode not in _PATH_TYPES:
        raise ValueError(f"pathjoin mode must be posix, windows or native, not {mode!r}")
    return str(_PATH_TYPES[mode](*parts))


class TemplateStrings:
    """Short templated strings (path segments, defaults, patterns), compiled once each.

    Most of them hold no Jinja at all: those render to themselves, and are not
    compiled (compiling costs a millisecond; a template has hundreds of them).
    The others are kept in the environment's bytecode cache, when it has one,
    like the template's files: generating from the same version again compiles
    nothing (the cache checks each entry against its source's checksum).
    """

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self._compiled: dict[str, jinja2.Template] = {}
        self._markers = (env.block_start_string, env.variable_start_string, env.comment_start_string)
        # Plain text renders to itself unless Jinja would change it: line statements, or newlines it rewrites.
        self._plain_allowed = env.line_statement_prefix is None and env.line_comment_prefix is None

    def is_plain(self, text: str) -> bool:
        return (
            self._plain_allowed
            and not any(marker in text for marker in self._markers)
            and "\r" not in text
            and (self.env.keep_trailing_newline or not text.endswith("\n"))
        )

    def render(self, text: str, context: dict[str, Any]) -> str:
        if self.is_plain(text):
            return text
        template = self._compiled.get(text)
        if template is None:
            template = self._compiled[text] = self._load(text)
        return template.render(context)

    def _load(self, text: str) -> jinja2.Template:
        """`env.from_string(text)`, through the bytecode cache (keyed by the text itself)."""
        cache = self.env.bytecode_cache
        if cache is None:
            return self.env.from_string(text)
        name = "string:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        key = getattr(cache, "key", None)
        if key is not None and (code := warm_code.held(key, name)) is not None:
            return self.env.template_class.from_code(self.env, code, self.env.make_globals(None), None)
        bucket = cache.get_bucket(self.env, name, None, text)
        if bucket.code is None:
            bucket.code = self.env.compile(text)
            cache.set_bucket(bucket)
        return self.env.template_class.from_code(self.env, bucket.code, self.env.make_globals(None), None)


def environment_key(envops: dict[str, Any], extensions: tuple[str, ...]) -> str:
    """What compiled code depends on besides its source: the options, the extensions and Scion's sandbox.

    Compiled templates are kept per key (Jinja's bytecode cache knows only the
    source), so two versions with other delimiters never share compiled code.
    """
    from server import __version__

    described = json.dumps([envops, list(extensions), __version__], sort_keys=True, default=str)
    return hashlib.sha256(described.encode()).hexdigest()[:32]


def copier_environment(
    root: Path, envops: dict[str, Any], extensions: tuple[str, ...] = (), bytecode_folder: Path | None = None
) -> BoundedEnvironment:
    """The environment for the template whose files are under `root`.

    `bytecode_folder`: where compiled templates are kept between runs (Jinja checks each
    against its source's checksum), so generating from the same version again compiles nothing.
    """
    options = dict(envops)
    options.setdefault("keep_trailing_newline", True)
    undefined = options.get("undefined")
    if undefined is not None:
        if undefined not in _UNDEFINED:
            raise TemplateError(
                f"_envops.undefined must be jinja2.Undefined or jinja2.StrictUndefined, not {undefined!r}"
            )
        options["undefined"] = _UNDEFINED[undefined]
    for forbidden in ("loader", "extensions", "bytecode_cache", "finalize", "auto_reload"):
        if forbidden in options:
            raise TemplateError(f"_envops.{forbidden} is not a setting copier templates may change")
    if bytecode_folder is not None:
        bytecode_folder.mkdir(parents=True, exist_ok=True)
        options["bytecode_cache"] = KeyedBytecodeCache(bytecode_folder)
    try:
        env = BoundedEnvironment(
            loader=CopierLoader(root), extensions=[AnsibleCoreFiltersExtension, YieldExtension, *extensions], **options
        )
    except (TypeError, ValueError, AssertionError) as error:
        raise TemplateError(f"bad _envops: {error}") from None
    except ImportError as error:
        raise TemplateError(f"a Jinja extension of the template cannot be loaded: {error}") from None
    env.filters["to_json"] = _to_json
    env.globals["pathjoin"] = _pathjoin
    return env
