"""Small template versions in a temporary folder."""

from __future__ import annotations

from pathlib import Path

from server.templates.loader import load_template
from server.templates.model import Template
from tests.file_tree import build_file_tree

# A dataclass template's questions: a context default, a validator, a default over an earlier answer, a
# `when`, choices. The loader's tests read them back; the answers' tests resolve them.
DATACLASS_QUESTIONS = """\
questions:
  class_name:
    type: str
    help: Name of the class
    default: "{{ ctx.stem | pascal }}"
    validator: "{% if not class_name.isidentifier() %}not a Python identifier{% endif %}"
  module:
    default: "{{ class_name | snake }}"
  frozen:
    type: bool
    default: false
  fields:
    type: str
    default: "id: int"
    when: "{{ not frozen }}"
  kind:
    choices: {Plain: plain, Slots: slots}
    default: plain
"""

# Every key of a manifest, those questions included.
DATACLASS = (
    """\
title: Python dataclass
description: A dataclass
mode: file
where: [module, empty_file]
languages: [python]
primary: "{{ module }}.py.jinja"
"""
    + DATACLASS_QUESTIONS
    + """\
changelog:
  1.0.0: First version
migrations:
  - version: 1.1.0
    rename: {name: class_name}
    defaults: {slots: true}
    transform: {fields: "{{ value | replace(';', ',') }}"}
examples:
  - answers: {class_name: Order, frozen: true}
    context: {stem: order}
    contains: ["class Order"]
"""
)


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
