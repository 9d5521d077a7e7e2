"""Build small template trees in a temporary folder (in the spirit of copier's build_file_tree)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from server.templates.loader import load_template
from server.templates.model import Template


def build_file_tree(spec: dict[str | Path, str | bytes], dedent: bool = True) -> None:
    """Write every `path: content` pair, creating folders; text is dedented so tests can indent it."""
    for path, content in spec.items():
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content) if dedent else content, encoding="utf-8", newline="")


def make_template(
    root: Path,
    manifest: str,
    files: dict[str, str],
    template_id: str = "demo",
    version: str = "1.0.0",
) -> Path:
    """Write `<root>/<id>/<version>/{template.yml, files/...}` and return the version folder."""
    version_dir = root / template_id / version
    build_file_tree({version_dir / "template.yml": manifest})
    build_file_tree({version_dir / "files" / name: body for name, body in files.items()})
    return version_dir


def load(root: Path, manifest: str, files: dict[str, str], **kw) -> Template:
    template_id = kw.get("template_id", "demo")
    return load_template(make_template(root, manifest, files, **kw), template_id=template_id)
