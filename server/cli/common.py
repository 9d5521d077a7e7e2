"""What every CLI command needs: the workspace, the catalog, the store, shared options."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from server.cli.output import print_json, print_table, warn

if TYPE_CHECKING:  # settings (cattrs) load when a command first needs them, not at start-up
    from server.common.config import Layer, Resolved, Settings

__all__ = [  # print_json and print_table live in cli/output.py; commands import them from here too
    "Where",
    "complete_template_ids",
    "find_workspace",
    "json_option",
    "open_catalog",
    "print_json",
    "print_table",
    "relative",
    "workspace_options",
]

WORKSPACE_MARKERS = (".scion", ".git")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Where:
    """The workspace and the settings a command works with: `--workspace`, `--db` and other flags.

    Settings come from the user's file (`~/.config/scion/config.toml`), the
    workspace's `.scion/config.toml` over it, and the flags over both (each flag its own layer, named as typed); problems are warned
    about once.
    """

    workspace: Path | None = None
    db: str | None = None
    flags: list[Layer] = field(default_factory=list)
    _resolved: dict[Path, Resolved] = field(default_factory=dict, init=False, repr=False, compare=False)

    def with_flags(self, flags: list[Layer]) -> Where:
        return Where(self.workspace, self.db, [*self.flags, *flags])

    def root(self, near: Path | None = None) -> Path:
        """The workspace: `--workspace`, else the nearest folder above `near` (or the cwd) with .scion or .git."""
        if self.workspace is not None:
            return self.workspace.expanduser().resolve()
        return find_workspace(near)

    def resolved(self, workspace: Path) -> Resolved:
        if workspace not in self._resolved:
            from server.common.config import Layer
            from server.common.config_file import load_settings

            db = [Layer("--db", {"database": {"path": self.db}})] if self.db else []
            self._resolved[workspace] = resolved = load_settings(workspace, *db, *self.flags)
            for problem in resolved.problems:
                warn(problem)
        return self._resolved[workspace]

    def settings(self, workspace: Path) -> Settings:
        return self.resolved(workspace).settings

    def defaults_only(self, workspace: Path) -> bool:
        """No flag, no --db and no settings file (the user's or the workspace's): every setting is its default, and nothing needs validating.

        Validating loads the settings model (pydantic), about a tenth of a second
        of CPU that a batch upgrade on the defaults does not need.
        """
        from server.common.config_file import has_user_config, has_workspace_config

        return not self.flags and not self.db and not has_workspace_config(workspace) and not has_user_config()

    def store_path(self, workspace: Path) -> Path:
        if self.defaults_only(workspace):
            from server.common.config_file import default_database_path

            return Path(default_database_path(workspace))
        from server.common.config import database_path

        return Path(database_path(self.settings(workspace), workspace))

    def open_store(self, workspace: Path):
        """The workspace's store; with a hub configured, what it records also waits in the outbox for the hub."""
        from server.store import Store

        store = Store(str(self.store_path(workspace)))
        store.sharing = self.sharing(workspace)
        return store

    def hub_url(self, workspace: Path) -> str:
        """The team hub: `--hub` (a flag layer), else $SCION_HUB_URL; "" for none.

        Never from the workspace's file: a repository may not set `hub.*` (config_file.py).
        """
        from server.hub import hub_url

        setting = "" if self.defaults_only(workspace) else self.settings(workspace).hub.url
        return hub_url(None, setting)

    def sharing(self, workspace: Path):
        """What this workspace shares with the hub ($SCION_HUB_SHARE: stats, answers or code); None without a hub."""
        import os

        from server.common.instance import instance_id
        from server.store.outbox import SHARE_LEVELS, Sharing

        if not self.hub_url(workspace):
            return None
        level = os.environ.get("SCION_HUB_SHARE", "answers")
        return Sharing(instance_id(), level if level in SHARE_LEVELS else "answers", workspace)

    def catalog(self, workspace: Path, lazy: bool = False):
        """The catalog with the roots the settings add (`templates.roots`), as the server has it."""
        if self.defaults_only(workspace):
            return open_catalog(workspace, lazy)  # `templates.roots` adds none by default
        from server.common.config import template_roots

        return open_catalog(workspace, lazy, template_roots(self.settings(workspace), workspace))


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


def open_catalog(workspace: Path, lazy: bool = False, extra_roots: list[Path] | None = None):
    """The workspace's catalog; each template that fails to load is warned about once, when it is parsed.

    A lazy catalog parses a template only when the command first needs it, so
    templates the command never touches cost nothing and warn about nothing.
    """
    from server.templates.catalog import Catalog, default_roots

    warned: set[str] = set()

    def skipped(error) -> None:
        if str(error) not in warned:  # `reload()` re-parses broken templates
            warned.add(str(error))
            warn(f"template skipped: {error}")

    return Catalog(default_roots(workspace, extra_roots or []), lazy=lazy, on_error=skipped)


def complete_template_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for a template id: the ids of the workspace the shell is in."""
    from server.templates.catalog import Catalog, default_roots

    workspace = Path(ctx.params.get("workspace") or find_workspace())
    from server.common.config import template_roots
    from server.common.config_file import load_settings

    extra = template_roots(load_settings(workspace).settings, workspace)  # quietly: a shell is completing
    catalog = Catalog(default_roots(workspace, extra), lazy=True)
    return [template_id for template_id in catalog.ids() if template_id.startswith(incomplete)]


def relative(path: Path, root: Path) -> str:
    """`path` as the user reads it: relative to the workspace when inside it."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)
