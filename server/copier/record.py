"""Scion's records of a copier generation go to a database, never into the project.

The database is the one named by `--db`, else the workspace's own
(`<workspace>/.scion/scion.db`) when the destination is inside a workspace that
already has one, else the user's (`~/.local/share/scion/scion.db`): generating
a copier project must not add a `.scion` folder to it. One generation row per
rendered file (template = the source as given, version = copier's `_commit`),
so tracking and success rates work per file as for any template; secrets are
left out of the recorded answers and replaced by «secret» in the stored renders.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_data_path

from .copy import CopyResult

if TYPE_CHECKING:
    from server.store.append import BackgroundAppend

BINARY_PLACEHOLDER = ""
SECRET_PLACEHOLDER = "«secret»"


def database_for(destination: Path, explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    for folder in (destination, *destination.parents):
        candidate = folder / ".scion" / "scion.db"
        if candidate.exists():
            return candidate
    return user_data_path("scion", appauthor=False) / "scion.db"


def generation_rows(destination: Path, result: CopyResult) -> list[dict[str, Any]]:
    instance = str(uuid.uuid4())
    rows = []
    for file in result.render.files:
        try:
            text = file.content.decode("utf-8")
        except UnicodeDecodeError:
            text = BINARY_PLACEHOLDER
        for secret in result.secret_values:  # the stored render never holds a secret (its sha is the real one)
            text = text.replace(secret, SECRET_PLACEHOLDER)
        rows.append(
            {
                "template_id": result.checkout.src,
                "template_version": result.checkout.commit or "local",
                "file_path": str(destination / file.path),
                "mode": "file",
                "answers": result.remembered,
                "answer_sources": {},
                "rendered_text": text,
                "rendered_sha": hashlib.sha256(file.content).hexdigest(),
                "instance_id": instance,
                "status": "applied",
            }
        )
    return rows


def record_copy(explicit_db: str | None, destination: Path, rendered: CopyResult) -> BackgroundAppend:
    """Start recording a generation (`copy_template`'s `record`): rows built and inserted in a thread while
    the files are written, committed by `copy_template` once they are."""
    from server.store.append import BackgroundAppend  # the standard library's sqlite3 when the schema is current

    return BackgroundAppend(database_for(destination, explicit_db), lambda: generation_rows(destination, rendered))
