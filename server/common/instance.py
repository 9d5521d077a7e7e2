"""This Scion's identity: a stable random id per user and machine, kept in the user data folder.

Every generation records it, and the team hub keys everything an instance
pushes by it, so one developer's history on one machine is one instance. It
is random (a uuid4), so it says nothing about the user or the machine. The
`SCION_INSTANCE_ID` environment variable overrides the file (tests and the
team demo run several instances as one user).
"""

from __future__ import annotations

import os
import re
import uuid
from functools import lru_cache
from pathlib import Path

from server.common.fsutil import atomic_write

ENV = "SCION_INSTANCE_ID"
_VALID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def instance_file() -> Path:
    from platformdirs import user_data_path

    return user_data_path("scion") / "instance-id"


@lru_cache(maxsize=1)
def instance_id() -> str:
    """The id, made and saved the first time; a damaged or unwritable file gives a fresh id for this run."""
    from_env = os.environ.get(ENV, "").strip()
    if _VALID.match(from_env):
        return from_env
    path = instance_file()
    try:
        saved = path.read_text(encoding="utf-8").strip()
        if _VALID.match(saved):
            return saved
    except OSError:
        pass
    made = uuid.uuid4().hex
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, made + "\n")
    except OSError:
        pass  # a read-only home: this run still has an id, the next one makes another
    return made
