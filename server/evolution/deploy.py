"""Deploy a validated candidate as a new immutable template version, and roll it back.

A deployment is a new folder `<workspace>/.scion/templates/<id>/<version>/`
(the newest version with its minor number bumped) holding the candidate's
files and the parent's manifest with one more changelog entry: what changed
and the evidence. It is built under a hidden name and renamed into place, so
the catalog never sees half a version. Rollback only touches versions that
evolution deployed into the workspace root; the removed folder is kept under
`.scion/rolled-back/` so the decision can be undone by hand.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from server.common.errors import ScionError
from server.templates.loader import MANIFEST_NAME
from server.templates.model import Template
from server.templates.versions import version_key
from server.templates.withdrawn import withdrawn_root

if TYPE_CHECKING:
    from server.store import Store


def workspace_template_root(workspace: Path) -> Path:
    return Path(workspace) / ".scion" / "templates"


def next_version(versions: list[str]) -> str:
    """The newest version with its minor number bumped: 1.1.0 -> 1.2.0, 2.0 -> 2.1.0."""
    newest = max(versions, key=version_key)
    try:
        release = Version(newest).release
    except InvalidVersion:
        raise ScionError(
            f"cannot derive a new version from {newest!r}; evolved versions need PEP 440 versions"
        ) from None
    major = release[0]
    minor = release[1] if len(release) > 1 else 0
    return f"{major}.{minor + 1}.0"


def changelog_entry(parent: str, changes: list[str], evidence: dict[str, Any]) -> str:
    """What changed and why: the edits folded (or the LLM rewrite) and the numbers behind the decision."""
    rate = evidence.get("success_rate")
    shown_rate = f"{rate:.0%}" if isinstance(rate, (int, float)) else "unknown"
    return (
        f"Evolved from {parent} by Scion: {'; '.join(changes)}. "
        f"Evidence: {evidence.get('decided', 0)} decided generations of {parent}, success rate {shown_rate}; "
        f"replay distance to the code users kept {evidence.get('replay_before', 0):.3f} -> {evidence.get('replay_after', 0):.3f}."
    )


def _manifest_with_entry(manifest: Path, version: str, entry: str) -> str:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(manifest.read_text(encoding="utf-8"))
    changelog = data.get("changelog")
    if not isinstance(changelog, dict):
        changelog = CommentedMap()
        data["changelog"] = changelog
    changelog[version] = entry
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def build_version(
    candidate_folder: Path, folder: Path, version: str, parent: str, changes: list[str], evidence: dict[str, Any]
) -> str:
    """Write the candidate as version folder `folder` (built under a hidden name, then renamed into place, so a
    catalog never sees half a version); return its changelog entry."""
    if folder.exists():
        raise ScionError(f"cannot write version {version}: {folder} already exists", path=folder)
    entry = changelog_entry(parent, changes, evidence)
    partial = folder.with_name(f".{version}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        shutil.copytree(candidate_folder / "files", partial / "files")
        (partial / MANIFEST_NAME).write_text(
            _manifest_with_entry(candidate_folder / MANIFEST_NAME, version, entry), encoding="utf-8"
        )
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return entry


def deploy(
    workspace: Path,
    store: Store,
    template: Template,
    candidate_folder: Path,
    versions: list[str],
    changes: list[str],
    evidence: dict[str, Any],
) -> str:
    """Write the candidate as the next version of `template`'s id, record it, and return the new version.

    `versions`: every version the id has had (in the catalog, deployed, withdrawn, on trial): none is reused.
    """
    version = next_version(versions)
    folder = workspace_template_root(workspace) / template.id / version
    entry = build_version(candidate_folder, folder, version, template.version, changes, evidence)
    store.record_deployment(template.id, version, template.version, entry, evidence)
    return version


def rollback(workspace: Path, store: Store, template_id: str) -> str:
    """Remove the newest evolved version of a template from the workspace root; return that version."""
    root = workspace_template_root(workspace)
    live = [
        row["version"]
        for row in store.deployments(template_id)
        if not row["rolled_back"] and (root / template_id / row["version"] / MANIFEST_NAME).is_file()
    ]
    if not live:
        raise ScionError(
            f"{template_id} has no evolved version to roll back in {root}; "
            "only versions that `scion evolve` deployed into the workspace are rolled back"
        )
    version: str = max(live, key=version_key)
    folder = root / template_id / version
    kept = withdrawn_root(workspace) / template_id / version
    if kept.exists():
        shutil.rmtree(kept)
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(folder), str(kept))
    store.mark_rolled_back(template_id, version)
    return version
