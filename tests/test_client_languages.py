"""The clients' one language list (clients/neovim/languages.json, bundled into VS Code) fits the server."""

from __future__ import annotations

import json
from fnmatch import fnmatch
from pathlib import Path

from server.context.languages import LANGUAGES
from server.templates.answerfile.record import SUFFIX
from server.templates.loader import MANIFEST_NAME

SHARED = json.loads((Path(__file__).parents[1] / "clients" / "neovim" / "languages.json").read_text())


def attached_yaml(name: str) -> bool:
    return any(fnmatch(name, pattern) for pattern in SHARED["yaml"])


def test_every_language_the_server_understands_is_attached():
    assert set(LANGUAGES) <= set(SHARED["languages"])


def test_yaml_is_attached_for_the_files_the_server_reads_only():
    assert attached_yaml(MANIFEST_NAME)
    assert attached_yaml(f"order.py{SUFFIX}")
    assert attached_yaml("copier.yml") and attached_yaml("copier.yaml") and attached_yaml(".copier-answers.yml")
    assert not attached_yaml("docker-compose.yml") and not attached_yaml("ci.yaml")
