"""Compiled copier templates held by the warm process (server/warm/), so that its children load none of them.

A generation loads every template file it renders, and every short string
with Jinja in it, from the bytecode cache: for each, the template's source
is read and hashed and a cache file opened and unmarshalled (about 5 ms for
a 46-file template, half of its render). A warm child reports, after its
exit code, the cache entries it loaded; the warm process reads those cache
files between runs and keeps their code objects here, so the next children
(forked from it) find them in memory:

- a template file's code is used while the file has the modification time
  and size it had when its cache entry was checked against its source
  (Python's own rule for its bytecode), and only through the loader, which
  still refuses a file that resolves outside the template;
- a string's code is keyed by the string itself (its hash, as the cache is).

Entries are per environment key (jinja.environment_key: the options,
extensions and Scion's version), bounded in number and size, and read only
from Scion's own cache folder. The warm process never compiles nor renders
a template: it unmarshals what the children's cache holds, which a child
would unmarshal anyway. A cold process never fills `HELD`.
"""

from __future__ import annotations

import marshal
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from types import CodeType

from jinja2.bccache import bc_magic

MAX_ENTRIES = 4_000
MAX_FILE_BYTES = 1 << 20  # a cache file larger than this is no template of a sane size: left alone
MAX_LOADED = 400  # entries one child reports (its report is one datagram)


@dataclass(frozen=True)
class Held:
    code: CodeType
    stamp: tuple[int, int] | None  # a template file's (mtime_ns, size) when its entry was checked; None for a string


# (environment key, template file path or "string:<hash>") -> the code the warm process holds.
HELD: dict[tuple[str, str], Held] = {}
# What this process loaded from the bytecode cache: (environment key, what, stamp, checksum, cache file).
_loaded: list[tuple[str, str, tuple[int, int] | None, str, str]] = []


def held(key: str, what: str, stamp: tuple[int, int] | None = None) -> CodeType | None:
    """The held code for `what` in environment `key`, if there is one and it is still current."""
    found = HELD.get((key, what))
    if found is None or found.stamp != stamp:
        return None
    return found.code


def note_loaded(key: str, what: str, stamp: tuple[int, int] | None, checksum: str, cache_file: str) -> None:
    if len(_loaded) < MAX_LOADED:
        _loaded.append((key, what, stamp, checksum, cache_file))


def loaded() -> list[tuple[str, str, tuple[int, int] | None, str, str]]:
    """What a warm child reports: the entries it loaded from the cache files."""
    return list(_loaded)


def stamp_of(path: str) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size)


def hold(reported: list[tuple[str, str, tuple[int, int] | None, str, str]], cache_folder: Path) -> int:
    """In the warm process: read the reported cache entries into `HELD`; how many were new."""
    folder = os.path.join(os.path.realpath(cache_folder), "")
    added = 0
    for entry in reported[:MAX_LOADED]:
        if len(HELD) >= MAX_ENTRIES:
            break
        try:
            key, what, stamp, checksum, cache_file = entry  # marshal keeps the stamp a tuple
            known = HELD.get((key, what))
            if known is not None and known.stamp == stamp:
                continue
            if not os.path.realpath(cache_file).startswith(folder):
                continue  # only Scion's own cache
            code = _read(cache_file, checksum)
        except (OSError, ValueError, TypeError, EOFError):
            continue
        if code is not None:
            HELD[(key, what)] = Held(code, stamp)
            added += 1
    return added


def _read(cache_file: str, checksum: str) -> CodeType | None:
    """The code in a Jinja bytecode cache file, if the file is for `checksum`; its header is compared with the
    one Jinja writes (nothing is unpickled)."""
    with open(cache_file, "rb") as file:
        data = file.read(MAX_FILE_BYTES + 1)
    header = bc_magic + pickle.dumps(checksum, 2)
    if len(data) > MAX_FILE_BYTES or not data.startswith(header):
        return None
    code = marshal.loads(data[len(header) :])
    return code if isinstance(code, CodeType) else None
