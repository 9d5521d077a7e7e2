"""Evolved template versions across a team: deployed once to the hub, installed by every instance.

Publishing: a version the evolution engine deployed into this workspace
(`template_deployments`, not rolled back, its folder present) goes to the hub
as an immutable version, under the template's advisory lock. When the hub
already has that version number, the first decision stands and this one stays
local (logged).

Installing: a teammate's version is written into the user template root
(`~/.local/share/scion/templates/<id>/<version>/`), built under a hidden name
and renamed into place, after its paths are confined to the folder, its size
is bounded and its manifest loads. The catalog then offers it, and upgrade
diagnostics reach the files generated from older versions.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.common.confine import safe_relative_path
from server.common.errors import ScionError
from server.common.fsutil import atomic_write
from server.templates.loader import MANIFEST_NAME, load_template

if TYPE_CHECKING:
    from server.hub.client import HubClient
    from server.store import Store

log = logging.getLogger("scion.hub")

TEMPLATE_PUBLISHED = "template:"  # hub_state key prefix: "<id>@<version>" handled
TEMPLATES_CURSOR = "templates_cursor"
MAX_FILES = 200
MAX_BYTES = 2_000_000


@dataclass
class TemplateExchange:
    published: list[str] = field(default_factory=list)  # "id@version"
    installed: list[str] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)  # {template, reason}


def version_files(folder: Path) -> dict[str, str]:
    """A version folder's manifest and files as {relative POSIX path: text}."""
    files: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[path.relative_to(folder).as_posix()] = path.read_text(encoding="utf-8")
    return files


def publish_templates(client: HubClient, store: Store, workspace: Path | None, exchange: TemplateExchange) -> None:
    if workspace is None:
        return
    root = Path(workspace) / ".scion" / "templates"
    for row in store.deployments():
        key = f"{row['template_id']}@{row['version']}"
        folder = root / row["template_id"] / row["version"]
        if row["rolled_back"] or store.hub_state(TEMPLATE_PUBLISHED + key) or not (folder / MANIFEST_NAME).is_file():
            continue
        outcome = client.publish_template(
            row["template_id"], row["version"], row["parent_version"], row["changelog"], version_files(folder)
        )
        if outcome == "busy":
            continue
        if outcome == "published":
            exchange.published.append(key)
        else:
            log.info("the hub already has %s from a teammate; this workspace's version stays local", key)
        store.set_hub_state(TEMPLATE_PUBLISHED + key, outcome)


def install_templates(client: HubClient, store: Store, user_root: Path, exchange: TemplateExchange) -> None:
    cursor = int(store.hub_state(TEMPLATES_CURSOR) or 0)
    for row in client.pull_templates(cursor):
        cursor = max(cursor, row["seq"])
        key = f"{row['template_id']}@{row['version']}"
        if row["instance_id"] == client.instance_id or store.hub_state(TEMPLATE_PUBLISHED + key):
            continue
        try:
            installed = install_version(user_root, row["template_id"], row["version"], row["files"])
        except ScionError as error:
            log.warning("evolved template %s from the hub not installed: %s", key, error)
            exchange.rejected.append({"template": key, "reason": str(error)})
        else:
            if installed:
                exchange.installed.append(key)
        store.set_hub_state(TEMPLATE_PUBLISHED + key, "installed")
    store.set_hub_state(TEMPLATES_CURSOR, str(cursor))


def install_version(user_root: Path, template_id: str, version: str, files: Any) -> bool:
    """Write one version under `user_root`; False when it is there already. ScionError when it is unusable."""
    parts = [safe_relative_path(part, what="template id") for part in template_id.split("/")]
    folder = Path(user_root, *parts, safe_relative_path(version, what="template version"))
    if folder.exists():
        return False
    if not isinstance(files, dict) or MANIFEST_NAME not in files:
        raise ScionError("the published version has no manifest")
    if len(files) > MAX_FILES or sum(len(str(text)) for text in files.values()) > MAX_BYTES:
        raise ScionError(f"the published version is over {MAX_FILES} files or {MAX_BYTES} bytes")
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        for rel, text in files.items():
            safe = safe_relative_path(str(rel), what="template file")
            if safe != MANIFEST_NAME and not safe.startswith("files/"):
                raise ScionError(f"the published version holds {safe!r}, outside files/")
            (partial / safe).parent.mkdir(parents=True, exist_ok=True)
            atomic_write(partial / safe, str(text))
        load_template(partial, "user", template_id)  # a manifest that does not load is never installed
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return True
