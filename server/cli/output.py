"""What the CLI shows: rich tables, progress bars and coloured messages, and its one JSON form.

Colour and live progress only on a terminal: rich turns both off when the
stream is not one, and honours `NO_COLOR`. Results go to stdout, everything
else (warnings, errors, progress, prompts) to stderr, so `--json` output and
pipes stay clean.

JSON: keys in camelCase (as in LSP), paths relative to the workspace. The
keys of a few mappings are data, not names (answers by question, changelog
by version): those, and the values under them, are left as they are.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rich loads on first use: `scion serve` and quiet commands never pay for it
    from rich.console import Console
    from rich.progress import Progress

# Keys whose mapping values are keyed by data (question names, versions, statuses, answer values).
DATA_KEYS = frozenset({"answers", "sources", "changelog", "summary", "counts", "value", "default", "choices"})
WIDE = 10_000  # no folding of table cells when the output is not a terminal (a file, a pipe, a test)


def _console(stderr: bool) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    terminal = stream.isatty()
    # The stream is looked up now, not at import: tests and callers may have replaced sys.stdout.
    return Console(file=stream, stderr=stderr, highlight=False, width=None if terminal else WIDE)


def out() -> Console:
    return _console(stderr=False)


def err() -> Console:
    return _console(stderr=True)


def warn(message: str) -> None:
    """`warning: ...` on stderr, yellow on a terminal."""
    _say(f"warning: {message}", "yellow")


def note(message: str) -> None:
    """A line for the user on stderr that is not a result (a summary beside a result on stdout)."""
    _say(message, None)


def fail(message: str) -> None:
    """`error: ...` on stderr, red on a terminal."""
    _say(f"error: {message}", "bold red")


def _say(line: str, style: str | None) -> None:
    if not sys.stderr.isatty():  # the common case in scripts and CI: plain text, and rich is not even loaded
        print(line, file=sys.stderr)
        return
    err().print(line, style=style, markup=False, soft_wrap=True)


def print_table(headers: list[str], rows: Iterable[Iterable[Any]], title: str | None = None) -> None:
    """A table on stdout; its first column (the id) is never folded. Without a terminal: plain aligned text."""
    from rich import box
    from rich.table import Table

    console = out()
    if title:  # its own line: a table's title would be wrapped to the table's width
        console.print(title, style="bold", markup=False, soft_wrap=True)
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        header_style="bold",
    )
    for index, header in enumerate(headers):
        table.add_column(header, no_wrap=index == 0)
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    if console.is_terminal:
        console.print(table)
        return
    with console.capture() as captured:  # pipes and files get no padding at the ends of lines
        console.print(table)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def print_json(data: Any, workspace: Path | None = None, data_keys: frozenset[str] = DATA_KEYS) -> None:
    """`data` in the CLI's one JSON form: camelCase keys, paths inside `workspace` relative to it."""
    json.dump(cli_json(data, workspace, data_keys), sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def cli_json(data: Any, workspace: Path | None = None, data_keys: frozenset[str] = DATA_KEYS) -> Any:
    prefix = f"{workspace}/" if workspace is not None else None

    def convert(value: Any, is_data: bool) -> Any:
        if isinstance(value, dict):
            return {
                (key if is_data or not isinstance(key, str) else camel_case(key)): convert(
                    item, is_data or key in data_keys
                )
                for key, item in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [convert(item, is_data) for item in value]
        if isinstance(value, Path):
            value = str(value)
        if prefix and not is_data and isinstance(value, str) and value.startswith(prefix):
            return Path(value).relative_to(workspace).as_posix()  # type: ignore[arg-type]
        return value

    return convert(data, False)


_SNAKE = re.compile(r"_([a-z0-9])")


def camel_case(name: str) -> str:
    """`generation_id` -> `generationId`; names without underscores (or with a leading one) stay."""
    if name.startswith("_") or "_" not in name:
        return name
    return _SNAKE.sub(lambda match: match.group(1).upper(), name)


@contextmanager
def progress_bar(total: int | None, description: str, show: bool = True) -> Iterator[ProgressBar | None]:
    """A progress bar on stderr while the block runs (None when `show` is false or stderr is no terminal)."""
    if not show or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = err()
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn() if total else TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[item]}", style="dim"),
    ]
    with Progress(*columns, console=console, transient=True) as progress:
        yield ProgressBar(progress, progress.add_task(description, total=total or 100, item=""))


class ProgressBar:
    """One task of a rich Progress, updated by what the work reports."""

    def __init__(self, progress: Progress, task: Any):
        self.progress = progress
        self.task = task

    def update(self, completed: float, total: float | None = None, item: str = "") -> None:
        self.progress.update(self.task, completed=completed, total=total, item=item[:60])
