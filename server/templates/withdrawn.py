"""Template versions withdrawn from a workspace (rolled back, or a trial that was dropped).

Evolution never deletes a version it deployed: withdrawing one moves its folder
from `.scion/templates/<id>/<version>/` to `.scion/rolled-back/<id>/<version>/`.
Files generated from or upgraded to it are then offered a merge back to the
newest version that remains: the withdrawn folder renders the base of that
three-way merge, so the users' edits are kept. A recorded version newer than
every version in the catalog that is not found here is left alone (it may come
from a template root this machine does not have).
"""

from __future__ import annotations

from pathlib import Path

from server.common.errors import ScionError
from server.templates.catalog import Catalog
from server.templates.model import Template

WITHDRAWN_FOLDER = Path(".scion") / "rolled-back"


def withdrawn_root(workspace: Path) -> Path:
    return Path(workspace) / WITHDRAWN_FOLDER


def withdrawn_template(workspace: Path, template_id: str, version: str) -> Template | None:
    """The withdrawn version, loaded the way the catalog loads workspace templates (confined), or None."""
    root = withdrawn_root(workspace)
    if not root.is_dir():
        return None
    try:
        return Catalog([(root, "workspace")]).get(template_id, version)
    except ScionError:
        return None
