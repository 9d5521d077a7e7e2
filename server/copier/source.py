"""Where a copier template comes from: a folder, a local git repository, or a git URL.

As `copier copy SRC` takes it: `gh:owner/name`, `gl:owner/name`, URLs ending in
`.git` or starting with `git@`, `git://`, `git+`, `https://github.com/`,
`https://gitlab.com/` are git URLs; a local folder that is the root of a git
repository is a git template too (its versions are its tags); any other folder
is used as it is. Versions are the git tags that are PEP 440 versions, newest
first as copier sorts them (pre-releases left out unless asked for); without a
tag, HEAD.

Git sources are read with git itself. A remote is kept as a bare mirror in the
user's cache (`~/.cache/scion/copier/git/`), refreshed when a ref is asked for
that it does not have or when the newest tag is wanted; each commit's tree is
checked out once (with a throw-away index) into `~/.cache/scion/copier/trees/<commit>/` and then reused, so
generating again costs no git at all. A local repository needs no network.
git runs with hooks and fsmonitor disabled: the repository is untrusted.

A local repository's HEAD with uncommitted changes is rendered as copier
renders it: from a throw-away commit of the working tree (`git add -A` into an
empty index, so .gitignore applies; copier's message and author), whose
`git describe` is the `_commit` recorded (`v1.0.0-1-g<hash>`). Scion never
writes into the user's repository for it: the commit's objects go to a store
of its own in the cache (`drafts/objects`), where a ref the repository does
not know is looked up, so upgrading a project made from a draft finds its
base again.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version
from platformdirs import user_cache_path

from server.common.errors import TemplateError, TemplateNotFound

from .git_answers import ask_git
from .versions import commit_version

_GIT_PREFIXES = ("git@", "git://", "git+", "https://github.com/", "https://gitlab.com/")
_SHORTCUTS = (
    (re.compile(r"^gh:/?(.*\.git)$"), r"https://github.com/\1"),
    (re.compile(r"^gh:/?(.*)$"), r"https://github.com/\1.git"),
    (re.compile(r"^gl:/?(.*\.git)$"), r"https://gitlab.com/\1"),
    (re.compile(r"^gl:/?(.*)$"), r"https://gitlab.com/\1.git"),
)
# A fetched mirror younger than this is not fetched again to find the newest tag.
MIRROR_FRESH_SECONDS = 300.0
GIT_TIMEOUT = 300.0
# What copier's throw-away commit of a dirty local template carries (copier's vcs.py).
DRAFT_MESSAGE = "Copier automated commit for draft changes"
DRAFT_AUTHOR = {
    "GIT_AUTHOR_NAME": "Copier",
    "GIT_AUTHOR_EMAIL": "copier@copier",
    "GIT_COMMITTER_NAME": "Copier",
    "GIT_COMMITTER_EMAIL": "copier@copier",
}
_SAFE_GIT = ("-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "protocol.ext.allow=never")


def cache_root() -> Path:
    override = os.environ.get("SCION_COPIER_CACHE")
    return Path(override) if override else user_cache_path("scion", appauthor=False) / "copier"


def git_url(src: str) -> str | None:
    """The git URL `src` names, or None when it is a local path (copier's `get_repo`, minus local repos)."""
    url = src
    for pattern, replacement in _SHORTCUTS:
        url = pattern.sub(replacement, url)
    if (url.endswith(".git") and not Path(url).expanduser().exists()) or url.startswith(_GIT_PREFIXES):
        if url.startswith("git+"):
            return url[4:]
        if url.startswith("https://") and not url.endswith(".git"):
            return url + ".git"
        return url
    return None


def looks_like_source(src: str) -> bool:
    """Is `src` a path or a git URL rather than a template id of the catalog?"""
    return (
        git_url(src) is not None
        or src.startswith(("/", "./", "../", "~"))
        or Path(src).expanduser().joinpath("copier.yml").exists()
        or Path(src).expanduser().joinpath("copier.yaml").exists()
    )


def run_git(*args: str | os.PathLike[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> bytes:
    command = ["git", *_SAFE_GIT, *(os.fspath(arg) for arg in args)]
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C", **(env or {})}
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT, env=full_env)
    except FileNotFoundError:
        raise TemplateError("git is needed for git templates, and it is not installed") from None
    except subprocess.TimeoutExpired:
        raise TemplateError(f"git {args[0]} took longer than {GIT_TIMEOUT:g} s") from None
    if done.returncode:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise TemplateError(f"git {args[0]} failed: {message[-1] if message else done.returncode}")
    return done.stdout


def is_git_root(path: Path) -> bool:
    return (path / ".git").exists() and path.is_dir()


def valid_version(tag: str) -> Version | None:
    try:
        return Version(tag)
    except InvalidVersion:
        return None


@dataclass(frozen=True)
class Checkout:
    """One version of a template on disk, ready to render (never written to)."""

    root: Path
    src: str  # as the user gave it: copier records it as `_src_path`
    commit: str | None  # `git describe --tags --always`: copier's `_commit`
    commit_hash: str | None
    ref: str | None  # the ref that was asked for (copier's `_copier_conf.vcs_ref`)


@dataclass(frozen=True)
class TemplateSource:
    """A template as named by the user; `checkout(ref)` gives one of its versions on disk."""

    src: str
    url: str | None  # the git URL of a remote template
    local: Path | None  # the folder of a local template (a git repository or not)

    @property
    def is_git(self) -> bool:
        return self.url is not None or (self.local is not None and is_git_root(self.local))

    def _ask(self, *args: str, env: dict[str, str] | None = None) -> bytes:
        """A git command about refs and commits, its answer kept until the refs change (git_answers.py)."""
        if self.url is not None:
            git_dir = _mirror(self.url)
        else:
            assert self.local is not None
            git_dir = self.local / ".git"
        return ask_git(cache_root() / "git-answers", run_git, git_dir, *args, env=env)

    def _git_dir_args(self) -> tuple[str, ...]:
        if self.url is not None:
            return ("--git-dir", str(_mirror(self.url)))
        assert self.local is not None
        return ("--git-dir", str(self.local / ".git"))

    def tags(self, prereleases: bool = False) -> list[str]:
        """The tags that are versions, newest first (copier's order: PEP 440)."""
        if not self.is_git:
            return []
        if self.url is not None:
            _ensure_mirror(self.url, refresh=True)
        listing = self._ask("for-each-ref", "--format=%(refname:strip=2)", "refs/tags")
        found = []
        for tag in listing.decode("utf-8", "replace").splitlines():
            version = valid_version(tag)
            if version is not None and (prereleases or not version.is_prerelease):
                found.append((version, tag))
        found.sort(key=lambda pair: pair[0], reverse=True)
        return [tag for _, tag in found]

    def latest_ref(self, prereleases: bool = False) -> str:
        tags = self.tags(prereleases)
        return tags[0] if tags else "HEAD"

    def checkout(self, ref: str | None = None, prereleases: bool = False) -> Checkout:
        """The template at `ref` (default: the newest tag, else HEAD), extracted once into the cache."""
        if not self.is_git:
            assert self.local is not None
            return Checkout(self.local.resolve(), self.src, None, None, ref)
        wanted = ref or self.latest_ref(prereleases)
        if self.url is not None and not self._has(wanted):
            _ensure_mirror(self.url, refresh=True, force=True)
        if not self._has(wanted):
            saved = self._saved_draft(wanted, ref)
            if saved is None:
                raise TemplateNotFound(f"{self.src} has no tag or commit {wanted!r}")
            return saved
        commit_hash = self._ask("rev-parse", f"{wanted}^{{commit}}").decode().strip()
        describe = self._ask("describe", "--tags", "--always", commit_hash).decode().strip()
        if self.local is not None and wanted == "HEAD" and _dirty(self.local):
            return self._draft_checkout(self.local, ref)
        tree = _extract(self._git_dir_args(), commit_hash)
        return Checkout(tree, self.src, describe, commit_hash, ref)

    def _draft_checkout(self, local: Path, ref: str | None) -> Checkout:
        """copier's throw-away commit of the working tree, made in Scion's draft store (see the module doc)."""
        drafts = _draft_objects()
        drafts.mkdir(parents=True, exist_ok=True)
        own_objects = (
            local / run_git("-C", str(local), "rev-parse", "--git-path", "objects").decode().strip()
        ).resolve()
        git_dir = ("--git-dir", str(local / ".git"))
        with tempfile.TemporaryDirectory(prefix="scion-draft-") as staging:
            # The tree is written without the repository's objects in sight: git would otherwise "freshen"
            # (touch) each object it finds there already. Only the commit needs its parent.
            alone = {**DRAFT_AUTHOR, "GIT_OBJECT_DIRECTORY": str(drafts), "GIT_INDEX_FILE": str(Path(staging) / "i")}
            run_git(*git_dir, "--work-tree", str(local), "add", "-A", env=alone)
            tree = run_git(*git_dir, "write-tree", env=alone).decode().strip()
            parent = run_git("-C", str(local), "rev-parse", "HEAD^{commit}").decode().strip()
            with_parent = {**alone, "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(own_objects)}
            commit_hash = (
                run_git(
                    *git_dir, "commit-tree", "--no-gpg-sign", tree, "-p", parent, "-m", DRAFT_MESSAGE, env=with_parent
                )
                .decode()
                .strip()
            )
        env = {"GIT_ALTERNATE_OBJECT_DIRECTORIES": str(drafts)}
        describe = _describe(git_dir, commit_hash, env)
        # Extracted by its tree: drafts of the same content share one folder (their commits differ by date).
        return Checkout(_extract(git_dir, tree, env), self.src, describe, commit_hash, ref)

    def _saved_draft(self, wanted: str, ref: str | None) -> Checkout | None:
        """A draft commit made earlier of this local repository (a project's `_commit`), from the draft store."""
        drafts = _draft_objects()
        if self.local is None or not drafts.is_dir():
            return None
        git_dir = ("--git-dir", str(self.local / ".git"))
        env = {"GIT_ALTERNATE_OBJECT_DIRECTORIES": str(drafts)}
        try:
            commit_hash = run_git(*git_dir, "rev-parse", "--verify", "--quiet", f"{wanted}^{{commit}}", env=env)
        except TemplateError:
            return None
        found = commit_hash.decode().strip()
        return Checkout(_extract(git_dir, found, env), self.src, _describe(git_dir, found, env), found, ref)

    def ref_version(self, ref: str) -> Version | None:
        """copier's version of a ref (a tag, or a project's `_commit`), without checking it out."""
        if not self.is_git:
            return None
        commit_hash = self._ask_with_drafts("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
        described = self._ask_with_drafts("describe", "--tags", "--always", commit_hash).decode().strip()
        return commit_version(self._ask_with_drafts, commit_hash, described)

    def version(self, checkout: Checkout) -> Version | None:
        """copier's PEP 440 version of a checkout (versions.py); None for a folder without git, as in copier."""
        if checkout.commit_hash is None or not self.is_git:
            return None
        return commit_version(self._ask_with_drafts, checkout.commit_hash, checkout.commit)

    def _ask_with_drafts(self, *args: str) -> bytes:
        """`_ask`, and for a local repository's draft commit (only in Scion's draft store) `_ask` with the store."""
        try:
            return self._ask(*args)
        except TemplateError:
            if self.local is None or not _draft_objects().is_dir():
                raise
            return self._ask(*args, env={"GIT_ALTERNATE_OBJECT_DIRECTORIES": str(_draft_objects())})

    def _has(self, ref: str) -> bool:
        try:
            self._ask("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        except TemplateError:
            return False
        return True


def open_source(src: str) -> TemplateSource:
    """The template `src` names (a path or a git URL); a missing folder is a TemplateNotFound."""
    url = git_url(src)
    if url is not None:
        return TemplateSource(src, url, None)
    folder = Path(src).expanduser()
    if not folder.is_dir():
        raise TemplateNotFound(f"no template at {src}: not a folder, and not a git URL")
    return TemplateSource(src, None, folder.absolute())


def _draft_objects() -> Path:
    return cache_root() / "drafts" / "objects"


def _describe(git_dir_args: tuple[str, ...], commit_hash: str, env: dict[str, str]) -> str:
    return run_git(*git_dir_args, "describe", "--tags", "--always", commit_hash, env=env).decode().strip()


def _dirty(repo: Path) -> bool:
    # GIT_OPTIONAL_LOCKS=0: status would otherwise refresh (write) the user's index.
    return bool(run_git("-C", str(repo), "status", "--porcelain", env={"GIT_OPTIONAL_LOCKS": "0"}).strip())


def _mirror(url: str) -> Path:
    return cache_root() / "git" / (hashlib.sha256(url.encode()).hexdigest() + ".git")


def _ensure_mirror(url: str, *, refresh: bool, force: bool = False) -> Path:
    mirror = _mirror(url)
    if (mirror / "objects").is_dir():
        age = time.time() - mirror.stat().st_mtime
        if refresh and (force or age > MIRROR_FRESH_SECONDS):
            try:
                run_git("--git-dir", str(mirror), "remote", "update", "--prune")
                os.utime(mirror)
            except TemplateError:
                if force:
                    raise
                # Offline: the cached tags are the best we know.
        return mirror
    mirror.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=mirror.parent) as staging:
        staged = Path(staging) / "repo.git"
        run_git("clone", "--mirror", url, str(staged))
        try:
            staged.rename(mirror)
        except OSError:
            if not (mirror / "objects").is_dir():
                raise
    return mirror


def _extract(git_dir_args: tuple[str, ...], commit_hash: str, git_env: dict[str, str] | None = None) -> Path:
    """The tree of `commit_hash` (or of a tree's hash), checked out once, as a clone's checkout writes it."""
    tree = cache_root() / "trees" / commit_hash
    if tree.is_dir():
        return tree
    tree.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tree.parent) as staging:
        target = Path(staging) / "tree"
        target.mkdir()
        index = Path(staging) / "index"
        env = {**(git_env or {}), "GIT_INDEX_FILE": str(index)}
        run_git(*git_dir_args, "read-tree", commit_hash, env=env)
        run_git(*git_dir_args, "--work-tree", str(target), "checkout-index", "--all", "--force", env=env)
        try:
            target.rename(tree)
        except OSError:
            if not tree.is_dir():
                raise
    return tree
