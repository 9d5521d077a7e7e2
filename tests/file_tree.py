"""The one `build_file_tree` (in the spirit of copier's tests/helpers.py): small trees from a dict of texts."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path


def build_file_tree(spec: Mapping[str | Path, str | bytes], root: Path | None = None, *, dedent: bool = True) -> None:
    """Write every `path: content` pair (relative to `root` when given), creating folders.

    Text is written as UTF-8 without newline translation, dedented first unless
    `dedent=False` (tests indent their texts; generated code must stay exact).
    """
    for name, content in spec.items():
        path = root / name if root is not None else Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = (textwrap.dedent(content) if dedent else content).encode("utf-8")
        path.write_bytes(content)
