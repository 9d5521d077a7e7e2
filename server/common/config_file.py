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
- every `cli.*` setting (`cli.warm`): how `scion` starts is the user's;
- `database.path` outside the workspace (`:memory:` and paths inside are fine);
- template roots that are absolute, start with `~`, or are the workspace
  itself or a folder above it (a sibling like `../shared-templates` is fine):
  a root is scanned, and `/` or your home folder must not be.

A refused or broken value is reported and the next layer decides.

The user's own file, `config.toml` in Scion's user configuration folder
(`$XDG_CONFIG_HOME/scion/config.toml`, i.e. `~/.config/scion/config.toml` on
Linux; platformdirs elsewhere), has the same layout and is the user's: it may
set every key, the user-only ones included. Layers, later wins: defaults <
the user's file < the workspace's file < the editor's settings < CLI flags.
Both the CLI and the server read it (the server under the editor's settings,
which stay the place for per-editor choices).
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
USER_ONLY_SECTIONS = frozenset({"hub", "cli"})  # every key under them, known or not


def config_path(workspace: Path) -> Path:
    return workspace / ".scion" / CONFIG_NAME


def default_database_path(workspace: Path | None) -> str:
    """The database when no setting names one: `.scion/scion.db` in the workspace (else the working folder)."""
    return str((workspace or Path.cwd()) / ".scion" / "scion.db")


def user_config_path() -> Path:
    from platformdirs import user_config_path as platform_config

    return platform_config("scion", appauthor=False) / CONFIG_NAME


def user_source() -> str:
    """How messages and `scion config show` name the user's file: its path, with `~` for the home folder."""
    path = str(user_config_path())
    home = os.path.expanduser("~")
    return "~" + path[len(home) :] if home not in ("", "~", "/") and path.startswith(home + os.sep) else path


def load_settings(workspace: Path | None, *later: Layer) -> Resolved:
    """The effective settings: the defaults, the user's file, the workspace's file, then `later` layers (editor,
    flags) in order."""
    from server.common.config import resolve_settings

    user, user_problems = read_user_config()
    layer, refused = read_workspace_config(workspace)
    return resolve_settings([user, layer, *later], [*user_problems, *refused])


def has_workspace_config(workspace: Path) -> bool:
    """Whether the workspace has a settings file (cheap: nothing is read or validated)."""
    return os.path.lexists(config_path(workspace))


def has_user_config() -> bool:
    """Whether the user has a settings file (cheap: nothing is read or validated)."""
    return os.path.lexists(user_config_path())


def read_user_config() -> tuple[Layer, list[Dropped]]:
    """The user's layer (empty when there is no file): every key allowed, it is theirs."""
    from server.common.config import Layer

    source = user_source()
    raw, problems = _read_toml(user_config_path(), source)
    return Layer(source, raw), problems


def read_workspace_config(workspace: Path | None) -> tuple[Layer, list[Dropped]]:
    """The workspace layer (empty when there is no file) and what was refused in it."""
    from server.common.config import Dropped, Layer

    if workspace is None:
        return Layer(SOURCE, {}), []
    path = config_path(workspace)
    try:
        inside_workspace(workspace, path, what="settings file")
    except PathEscapeError as error:
        return Layer(SOURCE, {}), [Dropped(SOURCE, "", f"{error.message}; ignored")]
    raw, refused = _read_toml(path, SOURCE)
    return Layer(SOURCE, _trusted_part(raw, workspace, refused)), refused


def _read_toml(path: Path, source: str) -> tuple[dict[str, Any], list[Dropped]]:
    """A settings file's tables ({} when there is none), bounded in size; what went wrong is noted, never raised."""
    import tomllib

    from server.common.config import Dropped

    try:
        with open(path, "rb") as file:
            data = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return {}, []
    except OSError as error:
        return {}, [Dropped(source, "", f"cannot be read ({error.strerror or error}); ignored")]
    if len(data) > MAX_BYTES:
        return {}, [Dropped(source, "", f"is over {MAX_BYTES // 1024} KiB; ignored")]
    try:
        return tomllib.loads(data.decode("utf-8")), []
    except UnicodeDecodeError:
        return {}, [Dropped(source, "", "is not UTF-8; ignored")]
    except (tomllib.TOMLDecodeError, RecursionError) as error:
        return {}, [Dropped(source, "", f"is not valid TOML ({str(error)[:120]}); ignored")]


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
