"""Logging for the server: a rotating file, and `window/logMessage` through a callback.

The standard streams are never used: stdout carries LSP, and stderr is often
shown raw by editors.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable
from pathlib import Path

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ForwardingHandler(logging.Handler):
    """Sends records to the client (window/logMessage); silent until a sender is attached."""

    def __init__(self) -> None:
        super().__init__()
        self.sender: Callable[[int, str], None] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.sender is None or record.name.startswith("pygls"):
            return
        try:
            self.sender(record.levelno, self.format(record))
        except Exception:  # a closed transport must not break logging
            self.sender = None


def default_log_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_dir("scion")) / "scion.log"


def setup_logging(level: str = "info", log_file: Path | None = None, *, defer_file: bool = False) -> ForwardingHandler:
    """Route logging to the client and to a rotating file.

    With `defer_file`, records are buffered until `open_log_file()` runs (the
    server does that off the start-up path: finding the log folder costs more
    than answering `initialize`).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(logging.DEBUG)
    if defer_file:
        root.addHandler(logging.handlers.MemoryHandler(capacity=10_000, flushLevel=logging.CRITICAL + 1))
    else:
        open_log_file(log_file)
    forward = ForwardingHandler()
    forward.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    forward.setLevel(LEVELS.get(level, logging.INFO))
    root.addHandler(forward)
    logging.getLogger("pygls").setLevel(logging.WARNING)
    return forward


def open_log_file(log_file: Path | None = None) -> None:
    """Attach the rotating file; records buffered since start-up are written to it first."""
    root = logging.getLogger()
    path = log_file or default_log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return  # an unwritable log folder must not stop the server; the client still gets logMessage
    file_handler.setFormatter(logging.Formatter(FORMAT))
    file_handler.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        if isinstance(handler, logging.handlers.MemoryHandler):
            handler.setTarget(file_handler)
            handler.flush()
            root.removeHandler(handler)
    root.addHandler(file_handler)
