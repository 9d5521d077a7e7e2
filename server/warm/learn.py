"""What a warm run imported beyond the preload, so that the warm process imports it too, for the next run.

A template's Jinja extensions (`jinja2_time` pulls in arrow: 20 ms), a
command's rarely used dependency: the preload cannot list them all. Each
child reports, after its exit code is on its way, the modules it imported
that come from the interpreter's own library folders (the standard library
and site-packages: what the user installed, never a workspace or template
folder, never Scion itself, whose modules are all preloaded), and the warm
process imports those between runs. It learns only names, and checks each
one's location again before importing it.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import sysconfig

MAX_LEARNED = 500  # names per run; a run that imports more is not a pattern worth keeping


def installed_roots() -> tuple[str, ...]:
    """The interpreter's library folders: the standard library and site-packages."""
    paths = sysconfig.get_paths()
    return tuple(
        {
            os.path.realpath(paths[key]) + os.sep
            for key in ("stdlib", "platstdlib", "purelib", "platlib")
            if key in paths
        }
    )


def new_installed_modules(before: frozenset[str], roots: tuple[str, ...]) -> list[str]:
    """Modules imported since `before` whose files are in `roots`; parents before their submodules."""
    found = []
    for name, module in list(sys.modules.items()):
        if name in before or name.split(".")[0] in ("server", "__main__"):
            continue
        origin = getattr(module, "__file__", None)
        if isinstance(origin, str) and _inside(origin, roots):
            found.append(name)
    return sorted(found, key=lambda name: (name.count("."), name))[:MAX_LEARNED]


def import_learned(names: list[str], roots: tuple[str, ...]) -> list[str]:
    """Import each name not loaded yet whose module file is in `roots`; the names imported."""
    imported = []
    for name in names:
        if not isinstance(name, str) or name in sys.modules or name.split(".")[0] in ("server", "__main__"):
            continue
        try:
            spec = importlib.util.find_spec(name)  # imports the parent package, learned (and checked) first
            if spec is None or not isinstance(spec.origin, str) or not _inside(spec.origin, roots):
                continue
            importlib.import_module(name)
        except Exception:  # a module that fails here fails in the run that needs it, with its message
            continue
        imported.append(name)
    return imported


def _inside(path: str, roots: tuple[str, ...]) -> bool:
    return os.path.realpath(path).startswith(roots)
