"""One copier template version, with one destination and one set of answers: ask, then render.

The render context is copier's: every answer, `_copier_answers` (what the
answers file will keep), `_copier_conf` (the run's settings: `answers_file`,
`src_path`, `dst_path`, `vcs_ref`, `sep`, `os`, ...), `_folder_name`,
`_copier_python`, `_copier_phase`, `_external_data` (external_data.py). A `Session` writes nothing: `render()`
returns a `ProjectRender` that writers (copy.py) and the upgrade planner
(update.py) take.
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import jinja2

from server.common.errors import TemplateError
from server.templates.limits import render_budget

from .answers import AnswerLayers, AskFunction, ask_questions
from .cached import checkout_config
from .config import CopierConfig
from .external_data import ExternalData
from .jinja import TemplateStrings, copier_environment, environment_key
from .questions import CASTS, MISSING, Question
from .render import DEFAULT_EXCLUDE, ProjectRender, TreeRenderer
from .source import Checkout, cache_root
from .trust import check_trust, features_needing_trust

DEFAULT_ANSWERS_FILE = ".copier-answers.yml"
_OS = {"Linux": "linux", "Darwin": "macos", "Windows": "windows"}.get(platform.system())


@dataclass(frozen=True)
class RunOptions:
    data: dict[str, Any] = field(default_factory=dict)  # answers given up front (--answer)
    defaults: bool = False
    trusted: bool = False
    skip_tasks: bool = False
    overwrite: bool = False
    operation: str = "copy"  # or "update": copier's `_copier_operation`
    migrations: bool = False  # an update whose migrations apply (they need trust)
    exclude: tuple[str, ...] = ()  # more `_exclude` patterns (an update's base also leaves out the new ones)
    # copier's user settings `defaults` (user_settings.py): they stand in for the template's defaults.
    settings_defaults: dict[str, Any] = field(default_factory=dict)


class Session:
    def __init__(
        self, checkout: Checkout, destination: Path, options: RunOptions, last: dict[str, Any] | None = None
    ) -> None:
        self.checkout = checkout
        self.destination = destination.absolute()
        self.options = options
        self.config: CopierConfig = checkout_config(checkout)
        features = features_needing_trust(self.config, skip_tasks=options.skip_tasks, migrations=options.migrations)
        check_trust(checkout.src, features, trusted=options.trusted)
        extensions = tuple(str(name) for name in self.config.setting("jinja_extensions") or ())
        envops = self.config.setting("envops") or {}
        if not isinstance(envops, dict):
            raise TemplateError("_envops must be a mapping", path=self.config.path)
        bytecode_folder = cache_root() / "jinja" / environment_key(envops, extensions)
        self.env = copier_environment(checkout.root, envops, extensions, bytecode_folder)
        self.strings = TemplateStrings(self.env)
        metadata: dict[str, Any] = {"_src_path": checkout.src}
        if checkout.commit:
            metadata["_commit"] = checkout.commit
        self.layers = AnswerLayers(init=dict(options.data), metadata=metadata, last=dict(last or {}))
        self.phase = "prompt"
        external = self.config.setting("external_data") or {}
        if not isinstance(external, dict):
            raise TemplateError("_external_data must be a mapping of names to paths", path=self.config.path)
        self.external = ExternalData(external, self._render_external_path, self.destination)

    def _render_external_path(self, raw: str) -> str:
        if self.strings.is_plain(raw):
            return raw  # no context needed (building it renders `_answers_file`, which may read this very file)
        try:
            return self.strings.render(raw, self.context())
        except jinja2.TemplateError as error:
            raise TemplateError(f"cannot render the _external_data path {raw!r}: {error}") from None

    # The render context

    def context(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        conf = self._conf()
        return {
            "_external_data": self.external,
            **self.layers.combined(),
            "_copier_answers": self.layers.remembered(self.config),
            "_copier_conf": conf,
            "_folder_name": self.destination.name,
            "_copier_python": sys.executable,
            "_copier_phase": self.phase,
            **(extra or {}),
        }

    def _conf(self, answers_file: str | None = None) -> dict[str, Any]:
        return {
            "src_path": PurePath(self.checkout.root),
            "dst_path": PurePath(self.destination),
            "answers_file": PurePath(self.answers_file()) if answers_file is None else answers_file,
            "vcs_ref": self.checkout.ref,
            "vcs_ref_hash": self.checkout.commit_hash,
            "data": dict(self.options.data),
            "defaults": self.options.defaults,
            "overwrite": self.options.overwrite,
            "pretend": False,
            "quiet": False,
            "skip_tasks": self.options.skip_tasks,
            "unsafe": self.options.trusted,
            "exclude": (),
            "skip_if_exists": (),
            "use_prereleases": False,
            "cleanup_on_error": True,
            "conflict": "inline",
            "context_lines": 3,
            "sep": os.sep,
            "os": _OS,
        }

    def answers_file(self) -> str:
        """The answers file's path, rendered (copier: the template's `_answers_file`, else .copier-answers.yml)."""
        raw = str(self.config.setting("answers_file") or DEFAULT_ANSWERS_FILE)
        if self.strings.is_plain(raw):
            path = raw  # no Jinja in it (the usual case): no context to build, for every question's context
        else:
            context = {
                "_external_data": self.external,
                **self.layers.combined(),
                "_copier_conf": self._conf(answers_file=""),
            }
            try:
                with render_budget():
                    path = self.strings.render(raw, context)
            except jinja2.TemplateError as error:
                raise TemplateError(f"cannot render _answers_file {raw!r}: {error}", path=self.config.path) from None
        if not path or PurePath(path).is_absolute() or ".." in PurePath(path).parts:
            raise TemplateError(f"_answers_file must be a relative path inside the project, not {path!r}")
        return PurePath(path).as_posix()

    # Steps

    def message(self, name: str) -> str:
        """`_message_before_copy` and friends, rendered ('' when the template has none)."""
        raw = self.config.setting(name) or ""
        if not raw:
            return ""
        with render_budget():
            return self.strings.render(str(raw), self.context())

    def ask(self, ask: AskFunction | None = None, *, new_only: bool = False) -> dict[str, Any]:
        """The questions' answers. `new_only` (an upgrade): the recorded answers stand; only new (or now
        invalid) questions are asked."""
        self.phase = "prompt"
        with render_budget(seconds=60):
            ask_questions(
                self.config,
                self.layers,
                self.question,
                defaults=self.options.defaults or ask is None,
                ask=ask,
                skip_answered=new_only,
            )
        self.external.forget()  # copier reads them again after the questions: their paths may use answers
        return self.layers.combined()

    def exclusions(self) -> tuple[str, ...]:
        """The template's `_exclude` (copier's defaults when it sets none and has no subdirectory)."""
        configured = self.config.setting("exclude")
        if configured is None:
            no_subdirectory = Path(str(self.config.setting("subdirectory") or "")) == Path()
            configured = DEFAULT_EXCLUDE if no_subdirectory else []
        return tuple(str(pattern) for pattern in configured)

    def question(self, name: str, details: dict[str, Any]) -> Question:
        if name in self.options.settings_defaults:
            details = with_settings_default(details, self.options.settings_defaults[name])
        return Question(name, details, self.strings, self.context(), self.layers.init, self.layers.last)

    def render(self) -> ProjectRender:
        self.phase = "render"
        renderer = TreeRenderer(
            self.checkout.root,
            self.exclusions() + self.options.exclude,
            self.config.settings,
            self.strings,
            self.context(),
            self.answers_file(),
            self.options.operation,
        )
        with render_budget(seconds=120):
            return renderer.render()

    @property
    def remembered(self) -> dict[str, Any]:
        return self.layers.remembered(self.config)


def with_settings_default(details: dict[str, Any], default: Any) -> dict[str, Any]:
    """A question whose default is the user's (copier renders it in place of the template's); its type is still
    the one the template's own default implies when the template names none."""
    changed = {**details, "default": default}
    if not details.get("type"):
        kind = type(details.get("default", MISSING)).__name__
        changed["type"] = kind if kind in CASTS else "yaml"
    return changed
