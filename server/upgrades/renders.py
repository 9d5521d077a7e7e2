"""Rendering one recorded generation at a template version, keyed as its answer file keys files.

An answer file names each generated file relative to its own folder, while a
template renders paths relative to the folder the generation ran in. The run
folder is found again from the primary file: it sits as deep below that folder
as the template's primary output path is long.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from server.common.confine import confine_relative, relative_key
from server.templates.answerfile import primary_file
from server.templates.model import Rendering, Template
from server.templates.render import render_template

# Detection renders the recorded and the newest version of every generated
# file, and an upgrade renders them again: a small cache serves both.
CACHE_SIZE = 4096


class Renderer:
    """render_template with a bounded cache keyed by version folder, answers and context.

    `size` 0: no cache (a one-shot batch renders each file's answers once; keys would cost for nothing).
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._cache: OrderedDict[tuple[str, str, str], Rendering] = OrderedDict()
        self._size = size
        # The server's detection and upgrades share one cache from worker threads.
        self._lock = threading.Lock()

    def render(self, template: Template, answers: dict[str, Any], features: dict[str, Any]) -> Rendering:
        if not self._size:
            return render_template(template, answers, features)
        key = (str(template.path), _stable(answers), _stable(features))
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        rendering = render_template(template, answers, features)
        with self._lock:
            self._cache[key] = rendering
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return rendering

    def files(
        self,
        template: Template,
        answers: dict[str, Any],
        features: dict[str, Any],
        answer_file: Path,
        workspace: Path,
        *,
        answer_file_resolved: bool = False,
    ) -> dict[str, str]:
        """Rendered texts by answer-file key. Insert mode: the one block, not yet indented.

        `workspace` must be resolved (Upgrader and Detector resolve theirs once);
        `answer_file_resolved`: so is `answer_file` (the Upgrader's are).
        """
        rendering = self.render(template, answers, features)
        primary = primary_file(answer_file)
        if template.mode == "insert":
            return {primary.name: rendering.primary.text}
        target = run_folder(os.fspath(primary), rendering.primary.path)
        folder = (
            os.path.dirname(os.fspath(answer_file)) if answer_file_resolved else os.path.realpath(answer_file.parent)
        )
        files = {}
        for rendered in rendering.files:
            path = confine_relative(workspace, target, rendered.path)
            files[relative_key(path, folder)] = rendered.text
        return files


def run_folder(primary: str, primary_rel: str) -> str:
    """The folder the generation rendered into: `primary` minus its rendered relative path.

    `primary_rel` is a rendered path (safe_relative_path's form: POSIX, no
    empty, `.` or `..` parts), so its depth is its number of parts.
    """
    depth = primary_rel.count("/") + 1 if primary_rel else 0
    folder = primary
    for _ in range(max(depth, 1)):
        folder = os.path.dirname(folder)
    return folder


def _stable(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, default=str)
