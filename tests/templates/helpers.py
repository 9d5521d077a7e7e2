"""Small template versions in a temporary folder."""

from __future__ import annotations

from pathlib import Path

from server.templates.loader import load_template
from server.templates.model import Template
from tests.file_tree import build_file_tree


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


def name_template(root: Path, template_id: str, version: str, body: str, default: str) -> Path:
    """A file-mode Python template with one question, `name` (default `default`), rendering `{{ name }}.py` from `body`."""
    manifest = (
        f"title: {template_id}\nmode: file\nwhere: [empty_file, module]\nlanguages: [python]\n"
        f"questions:\n  name:\n    type: str\n    default: {default}\n"
    )
    return make_template(root, manifest, {"{{ name }}.py.jinja": body}, template_id, version)


def load(root: Path, manifest: str, files: dict[str, str], **kw) -> Template:
    template_id = kw.get("template_id", "demo")
    return load_template(make_template(root, manifest, files, **kw), template_id=template_id)
