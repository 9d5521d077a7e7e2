"""Compiled templates held for warm children (server/copier/warm_code.py): only what Jinja's cache holds, bounded."""

from __future__ import annotations

import pickle
from pathlib import Path

import jinja2
import pytest

from server.copier import warm_code
from server.copier.jinja import KeyedBytecodeCache


@pytest.fixture(autouse=True)
def empty() -> None:
    warm_code.HELD.clear()


def cached(folder: Path, text: str) -> tuple[str, str]:
    """A cache entry written the way a run writes it; (checksum, cache file)."""
    cache = KeyedBytecodeCache(folder)
    env = jinja2.Environment(bytecode_cache=cache)
    bucket = cache.get_bucket(env, "string:x", None, text)
    bucket.code = env.compile(text)
    cache.set_bucket(bucket)
    return bucket.checksum, str(next(folder.iterdir()))


def test_an_entry_of_the_cache_is_held_and_renders(tmp_path: Path) -> None:
    folder = tmp_path / "jinja" / "key1"
    folder.mkdir(parents=True)
    checksum, cache_file = cached(folder, "hi {{ who }}")
    assert warm_code.hold([("key1", "string:x", None, checksum, cache_file)], tmp_path / "jinja") == 1
    code = warm_code.held("key1", "string:x")
    env = jinja2.Environment()
    assert code is not None and env.template_class.from_code(env, code, {}, None).render(who="you") == "hi you"
    assert warm_code.hold([("key1", "string:x", None, checksum, cache_file)], tmp_path / "jinja") == 0  # known


def test_a_file_entry_is_used_only_while_the_file_is_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "jinja" / "key1"
    folder.mkdir(parents=True)
    checksum, cache_file = cached(folder, "x")
    assert warm_code.hold([("key1", "/t/a.jinja", (1, 2), checksum, cache_file)], tmp_path / "jinja") == 1
    assert warm_code.held("key1", "/t/a.jinja", (1, 2)) is not None
    assert warm_code.held("key1", "/t/a.jinja", (1, 3)) is None  # another size or time: compiled afresh
    assert warm_code.held("key2", "/t/a.jinja", (1, 2)) is None  # another environment


def test_what_is_not_a_cache_entry_for_that_source_is_not_held(tmp_path: Path) -> None:
    folder = tmp_path / "jinja" / "key1"
    folder.mkdir(parents=True)
    checksum, cache_file = cached(folder, "x")
    outside = tmp_path / "elsewhere.bin"
    outside.write_bytes(Path(cache_file).read_bytes())
    garbage = folder / "garbage"
    garbage.write_bytes(b"not a cache entry")
    unpickled = folder / "pickled"  # never unpickled: a header that is not Jinja's own is refused as it is
    unpickled.write_bytes(jinja2.bccache.bc_magic + pickle.dumps(("a", "tuple"), 2))
    reported = [
        ("key1", "a", None, "another checksum", cache_file),
        ("key1", "b", None, checksum, str(outside)),  # outside Scion's cache
        ("key1", "c", None, checksum, str(garbage)),
        ("key1", "d", None, checksum, str(unpickled)),
        ("key1", "e", None, checksum, str(folder / "missing")),
        ("not", "a", "report"),
    ]
    assert warm_code.hold(reported, tmp_path / "jinja") == 0  # type: ignore[arg-type]
    assert warm_code.HELD == {}
