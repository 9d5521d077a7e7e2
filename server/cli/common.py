"""What every CLI command needs: the workspace, the catalog, the store, JSON output."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

WORKSPACE_MARKERS = (".scion", ".git")


def add_workspace_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", type=Path, help="workspace folder (default: nearest folder with .scion or .git)")
    parser.add_argument("--db", help="database path (default: WORKSPACE/.scion/scion.db)")


def find_workspace(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if any((folder / marker).exists() for marker in WORKSPACE_MARKERS):
            return folder
    return Path.cwd().resolve()


def workspace_of(args: argparse.Namespace, near: Path | None = None) -> Path:
    if getattr(args, "workspace", None):
        return args.workspace.expanduser().resolve()
    return find_workspace(near)


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


def open_store(args: argparse.Namespace, workspace: Path):
    from server.store import Store

    path = args.db or str(workspace / ".scion" / "scion.db")
    store = Store(path)
    store.sharing = sharing_for(workspace)
    return store


def sharing_for(workspace: Path):
    """What this workspace shares with the hub in $SCION_HUB_URL ($SCION_HUB_SHARE: stats, answers or code); None without a hub."""
    import os

    from server.common.instance import instance_id
    from server.hub import hub_url
    from server.store.outbox import SHARE_LEVELS, Sharing

    if not hub_url():
        return None
    level = os.environ.get("SCION_HUB_SHARE", "answers")
    return Sharing(instance_id(), level if level in SHARE_LEVELS else "answers", workspace)


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
