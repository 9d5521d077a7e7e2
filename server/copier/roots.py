"""copier templates kept in Scion's template roots (`.scion/templates/`, the user's folder, extra roots).

A folder with `copier.yml` (or `copier.yaml`) anywhere a few levels below a
root is a copier template; its id is its path from the root (e.g.
`python/package`), and it is used as it is (not translated). Nothing below it
is searched further: its own files are template content.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .config import CONFIG_NAMES

MAX_DEPTH = 4


def copier_templates(roots: Iterable[Path]) -> dict[str, Path]:
    """Template id -> folder, the first root holding an id winning (as for Scion's own templates)."""
    found: dict[str, Path] = {}
    for root in roots:
        if not root.is_dir():
            continue
        base = len(root.parts)
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            if here != root and any(name in files for name in CONFIG_NAMES):
                found.setdefault(here.relative_to(root).as_posix(), here)
                dirs[:] = []
                continue
            depth = len(here.parts) - base
            dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if depth < MAX_DEPTH else []
    return found
