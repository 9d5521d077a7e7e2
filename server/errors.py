"""User-facing failures. Each one carries what the user needs to act on it.

The CLI prints them as `error: ...` with `exit_code`; the language server turns
them into a diagnostic (when `path`/`line` point at a file) or a showMessage.
"""

from __future__ import annotations

from pathlib import Path


class ScionError(Exception):
    """Base of every failure a user can act on."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line  # 1-based, when known

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


class TemplateError(ScionError):
    """A template that cannot be loaded or rendered (manifest, Jinja source)."""


class TemplateNotFound(ScionError):
    """No template (or no such version) with that id."""


class AnswerError(ScionError):
    """An answer that is missing, of the wrong type, or rejected by a validator."""

    def __init__(self, message: str, *, question: str | None = None, **kw):
        super().__init__(message, **kw)
        self.question = question


class PathEscapeError(ScionError):
    """A rendered output path that is absolute or leaves the workspace."""


class AnswerFileError(ScionError):
    """A `.template-answers.yml` file that cannot be read."""


class StoreError(ScionError):
    """The database cannot be opened or written."""


class Cancelled(ScionError):
    """The user cancelled a question; nothing was written."""

    exit_code = 130
