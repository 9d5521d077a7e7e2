"""Trust, as copier decides it: Jinja extensions, tasks and migrations are code from the template.

They run only for a trusted template: `--trust` on the command line, or a
source listed in the `scion.templates.trusted` setting (an entry ending in `/`
trusts every source below it, as copier's `trust` setting does). An untrusted
template that needs them is refused before anything is rendered or written.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

from server.common.errors import ScionError

from .config import CopierConfig

TRUST_SETTING = "scion.templates.trusted"


class UntrustedTemplate(ScionError):
    """A template that needs code of its own to run, from a source the user has not trusted."""


def normalized(source: str) -> str:
    if source.startswith("~"):
        source = os.path.expanduser(source)
    if "://" in source:
        parts = urlsplit(source)
        path = posixpath.normpath(unquote(parts.path).replace("\\", "/"))
        return urlunsplit(parts._replace(path=path))
    return os.path.normpath(os.path.abspath(source)) if source.startswith((".", "/")) else source


def is_trusted(source: str, trusted: Iterable[str]) -> bool:
    wanted = normalized(source)
    for entry in trusted:
        if entry.endswith("/"):
            prefix = normalized(entry.rstrip("/"))
            if wanted == prefix or wanted.startswith(prefix.rstrip("/") + "/"):
                return True
        elif wanted == normalized(entry):
            return True
    return False


def features_needing_trust(config: CopierConfig, *, skip_tasks: bool, migrations: bool = False) -> list[str]:
    features = []
    if config.setting("jinja_extensions"):
        features.append("_jinja_extensions")
    if config.setting("tasks") and not skip_tasks:
        features.append("_tasks")
    if migrations:
        features.append("_migrations")
    return features


def check_trust(source: str, features: list[str], *, trusted: bool) -> None:
    if features and not trusted:
        raise UntrustedTemplate(
            f"the template {source} uses {', '.join(features)}, which run code from the template: "
            f"trust it with --trust, or add it to the setting {TRUST_SETTING}"
            + (" (or pass --skip-tasks)" if features == ["_tasks"] else "")
        )
