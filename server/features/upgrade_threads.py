"""Where the upgrade handlers run, and the document snapshot their worker threads read.

The rule (docs/internals.md, "Threading"), after ruff's server (`api.rs`:
sync handlers on the main loop, background ones on a snapshot):

- `@on_loop`: runs on the event loop. It may read and change server state
  (offers, conflict diagnostics, open documents) and must not block: blocking
  work goes to a worker with `asyncio.to_thread`, and its result comes back
  to the loop to be applied.
- `@in_worker`: runs in a worker thread. It reads only its arguments: plain
  values and a `DocumentSnapshot` taken on the loop. It never touches
  `server.lsp.workspace` (the loop patches those documents under its feet) and
  never changes server state; it returns a value.

Both decorators check the thread they are called on, so a handler that breaks
the rule fails loudly in the tests instead of racing in the field.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from pygls.uris import from_fs_path

from server.upgrades.service import ReadText, read_from_disk

if TYPE_CHECKING:
    from server.lsp import ScionServer

P = ParamSpec("P")
R = TypeVar("R")


class WrongThread(RuntimeError):
    """A handler ran on the wrong side of the threading rule."""


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def on_loop(function: Callable[P, R]) -> Callable[P, R]:
    """Declare (and check) that `function` runs on the event loop: it may change server state."""

    @functools.wraps(function)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        if not _loop_running():
            raise WrongThread(f"{function.__qualname__} must run on the event loop")
        return function(*args, **kwargs)

    checked.__dict__["runs_on"] = "loop"
    return checked


def in_worker(function: Callable[P, R]) -> Callable[P, R]:
    """Declare (and check) that `function` runs in a worker thread, on a snapshot: it changes nothing."""

    @functools.wraps(function)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        if _loop_running():
            raise WrongThread(f"{function.__qualname__} blocks: run it in a worker (asyncio.to_thread)")
        return function(*args, **kwargs)

    checked.__dict__["runs_on"] = "worker"
    return checked


@dataclass(frozen=True)
class DocumentSnapshot:
    """The open documents as the loop saw them at one moment: texts by file, versions by uri."""

    texts: Mapping[Path, str]
    versions: Mapping[str, int | None]  # every open document's uri

    def read_text(self, path: Path) -> str | None:
        """The file as the user has it: its open document's text, else the disk."""
        text = self.texts.get(path)
        return text if text is not None else read_from_disk(path)

    @property
    def reader(self) -> ReadText:
        return self.read_text

    def line(self, path: Path, number: int) -> str:
        """Line `number` (0-based) of the file as the user has it; "" past its end."""
        text = self.read_text(path) or ""
        lines = text.split("\n", number + 1)
        return lines[number] if number < len(lines) else ""


@on_loop
def take_snapshot(server: ScionServer) -> DocumentSnapshot:
    """The open documents now (cheap: texts are immutable strings, nothing is copied)."""
    texts: dict[Path, str] = {}
    versions: dict[str, int | None] = {}
    for uri, document in server.workspace.text_documents.items():
        path = server.file_path(uri)
        if path is None:
            continue
        try:
            texts[path.resolve()] = document.source
        except (OSError, ValueError):
            continue
        # Keyed as from_fs_path spells it (percent-encoded), which is how plans are looked up;
        # pygls keys its documents by the decoded URI.
        versions[from_fs_path(str(path)) or uri] = document.version
    return DocumentSnapshot(texts, versions)
