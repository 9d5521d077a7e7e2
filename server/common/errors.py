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


class InvalidArgument(ScionError):
    """A command argument of the wrong shape or type; the server answers it as InvalidParams."""

    rpc_code = -32602


class DocumentTooLarge(ScionError):
    """A document over the size Scion analyses (see server.context.documents.MAX_PARSED_CHARS)."""


class NotAFileError(ScionError, ValueError):
    """A document URI that names no file on disk (`untitled:`, `vscode-notebook-cell:`, ...).

    Also a ValueError, which is what callers caught before this existed.
    """


# The text users see for failures that are not a ScionError: one line they can
# act on, never a traceback (that goes to the log).
_MAX_MESSAGE = 300


def one_line(text: str, limit: int = _MAX_MESSAGE) -> str:
    """Whitespace (newlines included) collapsed, NUL and lone surrogates made visible, cut to `limit`."""
    flat = " ".join(str(text).split())
    flat = flat.replace("\x00", "\\0").encode("utf-8", "backslashreplace").decode("utf-8")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def failure_message(error: BaseException, doing: str) -> str:
    """What to tell the user when `doing` (e.g. "answer textDocument/hover") failed with `error`."""
    if isinstance(error, ScionError):
        return one_line(f"Scion: {error}")
    if isinstance(error, MemoryError):
        return (
            f"Scion ran out of memory trying to {doing}; the server is still running (try a smaller document or input)."
        )
    if isinstance(error, RecursionError):
        return f"Scion could not {doing}: the input is nested too deeply."
    if isinstance(error, ValueError) and "integer string conversion" in str(error):
        # Python refuses to convert integers of more than 4300 digits (CVE-2020-10735).
        return f"Scion could not {doing}: a number has too many digits (more than 4300)."
    if isinstance(error, OSError) and error.strerror:
        # The OS's reason and the file's name, shortened: a 300-character name
        # would otherwise be the whole message.
        name = shorten_name(str(error.filename).rsplit("/", 1)[-1]) if error.filename else ""
        return one_line(f"Scion could not {doing}: {error.strerror}" + (f" ({name})" if name else ""))
    if isinstance(error, UnicodeError):
        return (
            f"Scion could not {doing}: the text holds characters that are not valid Unicode (such as a lone surrogate)."
        )
    return one_line(f"Scion could not {doing}: {type(error).__name__}: {error} (details in the Scion log)")


def shorten_name(name: str, limit: int = 40) -> str:
    """A file name cut in the middle to `limit` characters, keeping its end (the extension)."""
    return name if len(name) <= limit else name[: limit // 2 - 1] + "…" + name[-(limit // 2) :]


class HubError(ScionError):
    """The team hub cannot be reached, refuses the credentials, or has another schema version."""
