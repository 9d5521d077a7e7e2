"""What a template version's files say, read once: `copier.yml`, parsed, per checked-out commit.

One `scion upgrade` reads the config of each version several times (the
base's session, the new version's, the migrations and tasks checks), and every
run of a git template reads the same immutable checkout again. Parsed configs
are kept in memory for the process, and for a git checkout (a tree in the
cache folder, never written to) also on disk beside it, as `marshal` data
keyed by the commit, the file's size and modification time, and Scion's
version; an entry that does not match, cannot be read, or holds values
`marshal` cannot keep (dates) is simply parsed again. The cache lives in the
user's cache folder, never in a workspace.
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path

from server import __version__

from .config import CopierConfig, config_path, load_config
from .source import Checkout, cache_root

_FORMAT = 1
_parsed: dict[tuple[str, tuple[int, int] | None], CopierConfig] = {}


def checkout_config(checkout: Checkout) -> CopierConfig:
    """The config of `checkout`, as `load_config(checkout.root)` reads it."""
    path = config_path(checkout.root)
    stamp = _stamp(path)
    memo_key = (str(checkout.root), stamp)
    found = _parsed.get(memo_key)
    if found is None:
        found = _parsed[memo_key] = _from_disk(checkout, path, stamp) or _parse_and_keep(checkout, path, stamp)
    return found


def _stamp(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    status = path.stat()
    return status.st_size, status.st_mtime_ns


def _disk_key(checkout: Checkout, path: Path | None, stamp: tuple[int, int] | None) -> tuple[object, ...] | None:
    """Only immutable checkouts (a commit's tree in the cache folder) are kept on disk."""
    if checkout.commit_hash is None or path is None or stamp is None:
        return None
    if checkout.root != cache_root() / "trees" / checkout.commit_hash:
        return None  # a local repository's dirty HEAD is its folder: it changes under us
    return (_FORMAT, __version__, checkout.commit_hash, path.name, *stamp)


def _entry(checkout: Checkout) -> Path:
    return cache_root() / "configs" / f"{checkout.commit_hash}.marshal"


def _from_disk(checkout: Checkout, path: Path | None, stamp: tuple[int, int] | None) -> CopierConfig | None:
    key = _disk_key(checkout, path, stamp)
    if key is None or path is None:
        return None
    try:
        stored_key, settings, questions = marshal.loads(_entry(checkout).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if stored_key != key or not isinstance(settings, dict) or not isinstance(questions, dict):
        return None
    return CopierConfig(path, settings, questions)


def _parse_and_keep(checkout: Checkout, path: Path | None, stamp: tuple[int, int] | None) -> CopierConfig:
    config = load_config(checkout.root)
    key = _disk_key(checkout, path, stamp)
    if key is None:
        return config
    try:
        data = marshal.dumps((key, config.settings, config.questions))  # type: ignore[arg-type]  # YAML values: marshal refuses what it cannot keep
    except ValueError:
        return config  # a value marshal cannot keep (a YAML date): parsed each time
    entry = _entry(checkout)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        staged = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
        staged.write_bytes(data)
        staged.replace(entry)
    except OSError:
        pass  # a read-only cache costs a parse next time, nothing else
    return config
