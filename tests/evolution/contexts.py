"""Editing-context features shaped like `EditingContext.features()`, built from a relative path.

As in server/context.py: `path_segments` are the folders (not the file), `folder`
is the innermost folder's name, `extension` keeps its dot. `module_path` is only
filled for Python here, so other conventions have to be found from the path.
"""

from __future__ import annotations

from server.context.paths import subject


def features_for(rel_path: str, language: str = "python", **overrides) -> dict:
    segments = rel_path.split("/")
    stem, _, extension = segments[-1].rpartition(".")
    folders = segments[:-1]
    features = {
        "language": language,
        "path": "/workspace/" + rel_path,
        "rel_path": rel_path,
        "stem": stem,
        "subject": subject(stem, folders[-1] if folders else ""),
        "extension": "." + extension,
        "folder": folders[-1] if folders else "",
        "path_segments": folders,
        "module_path": ".".join([*folders, stem]) if language == "python" else "",
        "enclosing_class": None,
        "enclosing_function": None,
        "identifiers": [],
        "place": "module",
    }
    features.update(overrides)
    return features


def examples_for(pairs: list[tuple[str, str]], language: str = "python") -> list[tuple[dict, str]]:
    return [(features_for(rel_path, language), answer) for rel_path, answer in pairs]
