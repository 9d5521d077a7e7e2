"""Real copier beside Scion: git templates built from dicts, both CLIs as processes, trees compared.

Every comparison runs the real `copier` (installed by the dev extra) on the
same template and answers as `scion`; nothing here knows what either writes.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.file_tree import build_file_tree

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def isolated_env(home: Path) -> dict[str, str]:
    """A HOME, caches and settings of the test's own: neither tool sees the user's."""
    return {
        **os.environ,
        **GIT_ENV,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "COPIER_SETTINGS_PATH": str(home / "no-copier-settings.yml"),
        "NO_COLOR": "1",
    }


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    assert done.returncode == 0, done.stderr
    return done.stdout


def git_template(
    root: Path, versions: list[tuple[str, Mapping[str, str | bytes]]], *, executable: tuple[str, ...] = ()
) -> Path:
    """A git repository with one commit (and tag) per version; each version's files replace the last one's."""
    root.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "-b", "main", cwd=root)
    for tag, files in versions:
        for child in root.iterdir():
            if child.name != ".git":
                _remove(child)
        build_file_tree(files, root, dedent=False)
        for name in executable:
            if (root / name).exists():
                (root / name).chmod(0o755)
        git("add", "-A", cwd=root)
        git("commit", "-q", "--allow-empty", "-m", f"version {tag}", cwd=root)
        if tag:
            git("tag", tag, cwd=root)
    return root


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        for child in path.iterdir():
            _remove(child)
        path.rmdir()
    else:
        path.unlink()


def run(
    argv: list[str], *, cwd: Path, home: Path, stdin: str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**isolated_env(home), **(env or {})},
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        timeout=300,
    )


def copier(*args: str, cwd: Path, home: Path, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "copier", *args], cwd=cwd, home=home, env=env)


def scion(*args: str, cwd: Path, home: Path, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-P", "-m", "server", *args], cwd=cwd, home=home, env=env)


def tree(root: Path) -> dict[str, object]:
    """Every file (bytes and executable bit), symlink and folder below `root`, without `.git`."""
    found: dict[str, object] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        relative = Path(folder).relative_to(root)
        for name in dirs:
            found[(relative / name).as_posix() + "/"] = "folder"
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink():
                found[(relative / name).as_posix()] = ("link", os.readlink(path))
            else:
                executable = bool(path.stat().st_mode & stat.S_IXUSR)
                found[(relative / name).as_posix()] = (path.read_bytes(), executable)
    return found


def differences(expected: dict[str, object], actual: dict[str, object]) -> list[str]:
    """What differs between two trees, one line per path (empty when they are the same)."""
    lines = []
    for path in sorted(set(expected) | set(actual)):
        if path not in actual:
            lines.append(f"missing in scion: {path}")
        elif path not in expected:
            lines.append(f"extra in scion: {path}")
        elif expected[path] != actual[path]:
            lines.append(f"differs: {path}: copier {expected[path]!r:.200} scion {actual[path]!r:.200}")
    return lines


def git_template_from_folders(root: Path, versions: list[tuple[str, Path]]) -> Path:
    """A git repository with one tagged commit per folder (symlinks and modes kept)."""
    import shutil

    root.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "-b", "main", cwd=root)
    for tag, folder in versions:
        for child in root.iterdir():
            if child.name != ".git":
                _remove(child)
        shutil.copytree(folder, root, symlinks=True, dirs_exist_ok=True)
        git("add", "-A", cwd=root)
        git("commit", "-q", "--allow-empty", "-m", f"version {tag}", cwd=root)
        git("tag", tag, cwd=root)
    return root
