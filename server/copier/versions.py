"""copier's PEP 440 version of a template commit: what decides which `_migrations` run and what is an upgrade.

copier 9 (`Template.version`) asks dunamai, on the template checked out at the
commit: the nearest tag that reads as a version (`v` optional; nearest in
`git log --topo-order`, the newest tag first among those of one commit), the
commits since it, the short hash. A tagged commit is its tag's version
(`v1.2.0` -> 1.2.0, a `+local` part dropped); a commit 3 after it is
`1.2.0.post3.dev0+<hash>`, which sorts before `1.2.0.post3` and after
`1.2.0.post2`; a tag that already is a post or dev release adds the distance
to its dev number (`1.2.0.post1` + 3 -> `1.2.0.post1.dev3+<hash>`). With no
version tag at all it is `0.0.0.post<commits>.dev0+<hash>`. When that is no
valid PEP 440 version (a tag like `v1.0-foo`), copier reads its `git describe`
instead: `<tag>.post<n>+g<hash>`, or the tag itself.

The git questions go through the caller's `ask` (source.py keeps the answers
until the repository's refs change), so the version of a commit costs git
processes once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from packaging.version import InvalidVersion, Version

# ask(*git_args) -> git's output, for a command about refs and commits of the template's repository.
AskGit = Callable[..., bytes]

# A tag that reads as a version, in the shape dunamai's default pattern (without its `v`) accepts.
_VERSION_TAG = re.compile(
    r"^v?(?:(?P<epoch>\d+)!)?(?P<base>\d+(?:\.\d+)*)"
    r"(?:[-._]?(?P<stage>[a-zA-Z]+)[-._]?(?P<revision>\d+)?)?"
    r"(?:\+(?P<local>.+))?$"
)
# What dunamai accepts as a PEP 440 result; anything else sends copier to the `git describe` reading.
_SERIALIZED = re.compile(
    r"^(?:\d+!)?\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?"
    r"(?:\+(?:[a-zA-Z0-9]|[a-zA-Z0-9]{2}|[a-zA-Z0-9][a-zA-Z0-9.]+[a-zA-Z0-9]))?$"
)
_STAGE_SPELLINGS = {"alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"}
_DESCRIBED = re.compile(r"^.+-\d+-g\w+$")
_TAG_FIELDS = "%(refname)%00%(creatordate:iso-strict)%00%(*committerdate:iso-strict)%00%(taggerdate:iso-strict)"


@dataclass(frozen=True)
class VersionCrossing:
    """An upgrade's two commits (copier's `_commit`s) and copier's versions of them: what `_migrations` see."""

    from_commit: str | None
    to_commit: str | None
    from_version: Version | None
    to_version: Version | None


class _Tag(NamedTuple):
    name: str
    offset: int  # how far back `git log --topo-order` meets it (0: on the commit or the first tagged one)
    date: datetime | None  # the tagger's date, else the tagged commit's, else the ref's


def commit_version(ask: AskGit, commit_hash: str, described: str | None) -> Version | None:
    """copier's version of `commit_hash` (`described`: its `git describe --tags --always`, copier's `_commit`)."""
    serialized = _dunamai_style(ask, commit_hash)
    if serialized is not None:
        return Version(serialized)
    if not described:
        return None
    try:
        if _DESCRIBED.match(described):
            base, count, git_hash = described.rsplit("-", 2)
            return Version(f"{base}.post{count}+{git_hash}")
        return Version(described)
    except InvalidVersion:
        return None


def _dunamai_style(ask: AskGit, commit_hash: str) -> str | None:
    short = ask("log", "-n", "1", "--format=format:%h", commit_hash).decode().strip()
    tag = next((tag for tag in _tags_nearest_first(ask, commit_hash) if _VERSION_TAG.match(tag.name)), None)
    if tag is None:
        distance = int(ask("rev-list", "--count", commit_hash).decode().strip() or 0)
        return _serialized("0.0.0", None, None, None, distance, short)
    distance = int(ask("rev-list", "--count", f"refs/tags/{tag.name}..{commit_hash}").decode().strip() or 0)
    found = _VERSION_TAG.match(tag.name)
    assert found is not None
    revision = found["revision"]
    return _serialized(
        found["base"], found["epoch"], found["stage"], int(revision) if revision is not None else None, distance, short
    )


def _tags_nearest_first(ask: AskGit, commit_hash: str) -> list[_Tag]:
    """The tags that reach `commit_hash`, in the order dunamai considers them."""
    topo = ask(
        "log",
        "--simplify-by-decoration",
        "--topo-order",
        "--decorate=full",
        "--decorate-refs=refs/tags/",
        "--format=%H%d",
        commit_hash,
    ).decode("utf-8", "replace")
    offsets: dict[str, int] = {}
    lines = [line for line in topo.splitlines() if " (" not in line or "tag: " in line]
    for offset, line in enumerate(lines):
        _, _, decorations = line.partition("(")
        for decoration in decorations.removesuffix(")").split(", "):
            if decoration.strip().startswith("tag: "):
                offsets[decoration.split()[-1]] = offset
    listing = ask("for-each-ref", "--merged", commit_hash, f"--format={_TAG_FIELDS}", "refs/tags")
    tags = []
    for line in listing.decode("utf-8", "replace").splitlines():
        ref, *dates = line.split("\0")
        if len(dates) != 3:
            continue
        creator, peeled_committer, tagger = (_date(text) for text in dates)
        date = tagger or peeled_committer or creator
        tags.append(_Tag(ref.removeprefix("refs/tags/"), offsets.get(ref, 1 << 62), date))
    # Nearest first; among the tags of one commit, the newest first.
    tags.sort(key=lambda tag: (-tag.offset, tag.date.timestamp() if tag.date else 0.0), reverse=True)
    return tags


def _date(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _serialized(
    base: str, epoch: str | None, stage: str | None, revision: int | None, distance: int, short_hash: str
) -> str | None:
    """dunamai's PEP 440 form of a version tag plus the commits since it; None when it is not valid PEP 440."""
    post = dev = None
    if stage == "post":
        stage, post = None, revision
    elif stage == "dev":
        stage, dev = None, revision
    if distance > 0:
        if post is None and dev is None:
            post, dev = distance, 0
        elif dev is None:
            dev = distance
        else:
            dev += distance
    text = f"{epoch}!" if epoch is not None else ""
    text += base
    if stage is not None:
        text += _STAGE_SPELLINGS.get(stage.lower(), stage.lower()) + str(revision if revision is not None else 0)
    if post is not None:
        text += f".post{post}"
    if dev is not None:
        text += f".dev{dev}"
    if distance > 0 and short_hash:
        text += f"+{short_hash}"
    return text if _SERIALIZED.match(text) else None
