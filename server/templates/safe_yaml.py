"""Reading YAML that comes from a workspace: bounded in size, nesting and expansion.

Manifests, answer files and YAML answers come from whatever repository was
cloned. YAML aliases let 1 KB of text stand for billions of nodes (an "alias
bomb"): the parser shares the nodes, but every walk over the result (`plain`,
comparisons, rendering, JSON for the database) expands them. Scion never writes
aliases, so they are refused outright instead of counted, with the line of the
first one. Size and nesting are capped so parsing itself stays short.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.events import AliasEvent

from server.common.errors import ScionError
from server.common.fsutil import read_all

MAX_YAML_BYTES = 4 * 1024 * 1024  # a manifest or an answer file is a few KB; 4 MB is far beyond any real one
MAX_YAML_DEPTH = 64  # levels of nested collections; real files nest five or six deep
ALIASES_REFUSED = "YAML aliases (*name) are not allowed in template manifests and answer files"


class AliasRefused(ComposerError):
    """An alias in untrusted YAML (a MarkedYAMLError, so callers report its line like any syntax error)."""


class _BoundedComposer(Composer):
    """Refuses aliases and deep nesting (counted here: not every supported ruamel has `max_depth`)."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.get_event()
            raise AliasRefused(None, None, ALIASES_REFUSED, event.start_mark)
        if self._depth >= MAX_YAML_DEPTH:
            mark = self.parser.peek_event().start_mark
            raise ComposerError(None, None, f"nested more than {MAX_YAML_DEPTH} levels deep", mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def untrusted(yaml: YAML) -> YAML:
    """`yaml` set to refuse aliases and deep nesting when it loads (dumping is unchanged)."""
    yaml.Composer = _BoundedComposer
    return yaml


def read_bounded_text(path: Path, error: type[ScionError], *, universal_newlines: bool = True) -> str:
    """The file's text, refusing more than MAX_YAML_BYTES without reading it all (FileNotFoundError passes).

    `universal_newlines`: \r\n and \r read as \n, like Path.read_text.
    """
    data = read_all(path, limit=MAX_YAML_BYTES)  # sized by the file: never a buffer of the whole cap
    if len(data) > MAX_YAML_BYTES:
        raise error(
            f"larger than {MAX_YAML_BYTES // (1024 * 1024)} MB; template manifests and answer files must be smaller",
            path=path,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise error("not UTF-8 text", path=path) from None
    return text.replace("\r\n", "\n").replace("\r", "\n") if universal_newlines and "\r" in text else text


def yaml_problem(error: Exception) -> tuple[str, int | None]:
    """A one-line description of a ruamel error and its 1-based line, when known."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    if isinstance(error, AliasRefused):
        return ALIASES_REFUSED, line
    problem = " ".join(part for part in (getattr(error, "context", None), getattr(error, "problem", None)) if part)
    return f"YAML syntax error: {problem or error}", line
