"""`.scion/config.toml`: the workspace's settings, shared by the CLI and the server, and untrusted.

The file holds the settings without the `scion.` prefix as TOML tables
(`[templates]` `roots = ["../shared-templates"]`). It comes with the
repository, so it is read like any workspace content: confined (no symlink
out of the workspace), bounded in size, and some settings are the user's
alone (editor settings or CLI flags), never a repository's:

- `llm.model`, `llm.apiBase`, `llm.apiKey`: a repository must not pick the
  model you pay for, send your code and key to its own endpoint, or commit a
  secret;
- `server.pythonPath`: the interpreter an editor starts;
- every `hub.*` setting: a repository must not send your answers and code
  to its own database (`hub.url`) or widen what you share (`hub.share`);
- `templates.trusted`: a repository must not trust its own copier templates
  (their extensions, tasks and migrations run code);
- `database.path` outside the workspace (`:memory:` and paths inside are fine);
- template roots that are absolute, start with `~`, or are the workspace
  itself or a folder above it (a sibling like `../shared-templates` is fine):
  a root is scanned, and `/` or your home folder must not be.

A refused or broken value is reported and the next layer decides.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.common.confine import inside_workspace
from server.common.errors import PathEscapeError

if TYPE_CHECKING:  # the settings model (pydantic) loads only when a file or a flag has something to validate
    from server.common.config import Dropped, Layer, Resolved

CONFIG_NAME = "config.toml"
SOURCE = ".scion/config.toml"
MAX_BYTES = 64 * 1024  # a settings file is a few hundred bytes
USER_ONLY = frozenset({"llm.model", "llm.apiBase", "llm.apiKey", "server.pythonPath", "templates.trusted"})
USER_ONLY_SECTIONS = frozenset({"hub"})  # every key under them, known or not


def config_path(workspace: Path) -> Path:
    return workspace / ".scion" / CONFIG_NAME


def default_database_path(workspace: Path | None) -> str:
    """The database when no setting names one: `.scion/scion.db` in the workspace (else the working folder)."""
    return str((workspace or Path.cwd()) / ".scion" / "scion.db")


def load_settings(workspace: Path | None, *later: Layer) -> Resolved:
    """The effective settings: the defaults, the workspace's file, then `later` layers (editor, flags) in order."""
    from server.common.config import resolve_settings

    layer, refused = read_workspace_config(workspace)
    return resolve_settings([layer, *later], refused)


def has_workspace_config(workspace: Path) -> bool:
    """Whether the workspace has a settings file (cheap: nothing is read or validated)."""
    return os.path.lexists(config_path(workspace))


def read_workspace_config(workspace: Path | None) -> tuple[Layer, list[Dropped]]:
    """The workspace layer (empty when there is no file) and what was refused in it."""
    import tomllib

    from server.common.config import Dropped, Layer

    if workspace is None:
        return Layer(SOURCE, {}), []
    path = config_path(workspace)
    try:
        inside_workspace(workspace, path, what="settings file")
        with open(path, "rb") as file:
            data = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return Layer(SOURCE, {}), []
    except PathEscapeError as error:
        return Layer(SOURCE, {}), [Dropped(SOURCE, "", f"{error.message}; ignored")]
    except OSError as error:
        return Layer(SOURCE, {}), [Dropped(SOURCE, "", f"cannot be read ({error.strerror or error}); ignored")]
    if len(data) > MAX_BYTES:
        return Layer(SOURCE, {}), [Dropped(SOURCE, "", f"is over {MAX_BYTES // 1024} KiB; ignored")]
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return Layer(SOURCE, {}), [Dropped(SOURCE, "", "is not UTF-8; ignored")]
    except (tomllib.TOMLDecodeError, RecursionError) as error:
        return Layer(SOURCE, {}), [Dropped(SOURCE, "", f"is not valid TOML ({str(error)[:120]}); ignored")]
    refused: list[Dropped] = []
    return Layer(SOURCE, _trusted_part(raw, workspace, refused)), refused


def _trusted_part(raw: dict[str, Any], workspace: Path, refused: list[Dropped]) -> dict[str, Any]:
    """`raw` without the settings a repository may not set (each one noted in `refused`)."""
    from server.common.config import Dropped, leaf_keys

    for key in leaf_keys(raw):
        if key in USER_ONLY or key.split(".")[0] in USER_ONLY_SECTIONS:
            _remove(raw, key)
            refused.append(
                Dropped(SOURCE, key, "a repository's file may not set it (your editor settings or a flag may)")
            )
    path = _get(raw, "database.path")
    if isinstance(path, str) and path and path != ":memory:":
        try:
            inside_workspace(workspace, workspace / Path(path), what="database.path")
        except PathEscapeError:
            _remove(raw, "database.path")
            refused.append(Dropped(SOURCE, "database.path", "must be inside the workspace"))
    roots = _get(raw, "templates.roots")
    if isinstance(roots, list):
        problems = [_root_problem(root, workspace) for root in roots]
        if any(problems):
            _remove(raw, "templates.roots")
            reason = next(problem for problem in problems if problem)
            refused.append(Dropped(SOURCE, "templates.roots", reason))
    return raw


def _root_problem(root: Any, workspace: Path) -> str | None:
    if not isinstance(root, str):
        return None  # the type check reports it
    if not root or root.startswith("~") or Path(root).is_absolute():
        return f"{root!r}: a template root in the workspace's file must be a relative path"
    real_workspace = Path(os.path.realpath(workspace))
    real_root = Path(os.path.realpath(workspace / root))
    if real_root == real_workspace or real_root in real_workspace.parents:
        return f"{root!r} is the workspace or a folder above it"
    return None


def _get(raw: dict[str, Any], dotted: str) -> Any:
    from server.common.config import camel

    node: Any = raw
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = next((node[key] for key in node if camel(str(key)) == part), None)
    return node


def _remove(raw: dict[str, Any], dotted: str) -> None:
    from server.common.config import camel

    *parents, last = dotted.split(".")
    node: Any = raw
    for part in parents:
        node = next((node[key] for key in node if camel(str(key)) == part), None)
        if not isinstance(node, dict):
            return
    for key in [key for key in node if camel(str(key)) == last]:
        del node[key]
