"""What every CLI command needs: the workspace, the catalog, the store, shared options, JSON output."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

WORKSPACE_MARKERS = (".scion", ".git")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Where:
    """The `--workspace` and `--db` options every command takes, before the workspace is known."""

    workspace: Path | None = None
    db: str | None = None

    def root(self, near: Path | None = None) -> Path:
        """The workspace: `--workspace`, else the nearest folder above `near` (or the cwd) with .scion or .git."""
        if self.workspace is not None:
            return self.workspace.expanduser().resolve()
        return find_workspace(near)

    def store_path(self, workspace: Path) -> Path:
        return Path(self.db) if self.db else workspace / ".scion" / "scion.db"

    def open_store(self, workspace: Path):
        from server.store import Store

        return Store(str(self.store_path(workspace)))


def workspace_options(command: F) -> F:
    """`--workspace` and `--db`, handed to the command as one `where: Where` argument."""

    @functools.wraps(command)
    def with_where(*args: Any, workspace: Path | None, db: str | None, **kwargs: Any) -> Any:
        return command(*args, where=Where(workspace, db), **kwargs)

    with_where = click.option("--db", metavar="PATH", help="database path (default: WORKSPACE/.scion/scion.db)")(
        with_where
    )
    with_where = click.option(
        "--workspace",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="workspace folder (default: the nearest folder with .scion or .git)",
    )(with_where)
    return with_where  # type: ignore[return-value]


def json_option(command: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="print the result as JSON")(command)


def find_workspace(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if any((folder / marker).exists() for marker in WORKSPACE_MARKERS):
            return folder
    return Path.cwd().resolve()


def open_catalog(workspace: Path, lazy: bool = False):
    """The workspace's catalog; each template that fails to load is warned about once, when it is parsed.

    A lazy catalog parses a template only when the command first needs it, so
    templates the command never touches cost nothing and warn about nothing.
    """
    from server.templates.catalog import Catalog, default_roots

    warned: set[str] = set()

    def warn(error) -> None:
        if str(error) not in warned:  # `reload()` re-parses broken templates
            warned.add(str(error))
            print(f"warning: template skipped: {error}", file=sys.stderr)

    return Catalog(default_roots(workspace), lazy=lazy, on_error=warn)


def complete_template_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for a template id: the ids of the workspace the shell is in."""
    from server.templates.catalog import Catalog, default_roots

    workspace = ctx.params.get("workspace") or find_workspace()
    catalog = Catalog(default_roots(Path(workspace)), lazy=True)
    return [template_id for template_id in catalog.ids() if template_id.startswith(incomplete)]


def relative(path: Path, root: Path) -> str:
    """`path` as the user reads it: relative to the workspace when inside it."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
