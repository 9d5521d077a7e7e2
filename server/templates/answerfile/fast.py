"""Reading answer files fast: the line reader and libyaml.

An upgrade scan reads every answer file of a workspace, so reading must be
cheap: ruamel's pure-Python round-trip parser costs several milliseconds a
file. Reading only needs values, not comments, so:

1. a file in exactly the layout Scion writes (emit.py) is read by a small line
   reader, and trusted only when emitting what it read gives the file back
   byte for byte (so it holds nothing else: no comments, no hand formatting,
   no value typed differently than the reader assumed);
2. else it is parsed with libyaml when PyYAML has it;
3. and the strict reader (which names the line of every problem) is used
   whenever those fail.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from server.common.errors import AnswerFileError
from server.templates.safe_yaml import MAX_YAML_DEPTH

from .emit import emit
from .record import HEADER, AnswerRecord, record_from

try:  # PyYAML with libyaml is optional: it only makes reading faster.
    import yaml as _pyyaml

    _FAST_LOADER = getattr(_pyyaml, "CSafeLoader", None)
except ImportError:  # pragma: no cover - depends on the environment
    _pyyaml, _FAST_LOADER = None, None


_HEADER_LINE = f"# {HEADER}"
_INT = re.compile(r"-?[0-9]+\Z")
_POSITION = re.compile(r"\[([0-9]+), ([0-9]+)\]\Z")


def read_own_layout(answer_file: Path, text: str) -> list[AnswerRecord] | None:
    """The records of a file in exactly the layout Scion writes, or None for any other file.

    Only a file that emit() reproduces from the records read is
    accepted: the reader may guess a value's type (a plain `12` read as an
    int), and the round trip proves the guess is what YAML would read.
    """
    if not text.startswith(_HEADER_LINE):
        return None
    lines = text.split("\n")
    if len(lines) < 4 or lines[0] != _HEADER_LINE or lines[1] != "generations:" or lines[-1] != "":
        return None
    entries: list[tuple[dict[str, Any], int]] = []
    entry: dict[str, Any] | None = None
    nested: dict[str, Any] | None = None
    for number, line in enumerate(lines[2:-1], 3):
        if line.startswith("      "):  # an item of a mapping (files, answers, sources, region)
            pair = _pair(line[6:])
            if nested is None or pair is None or not pair[1]:
                return None
            key, raw = pair
            position = _POSITION.match(raw) if raw[0] == "[" else None
            value = [int(position[1]), int(position[2])] if position else _value(raw)
            if value is _NOT_READ:
                return None
            nested[key] = value
            continue
        if line.startswith("  - "):
            entry = {}
            entries.append((entry, number))
            body = line[4:]
        elif line.startswith("    ") and entry is not None:
            body = line[4:]
        else:
            return None
        pair = _pair(body)
        if pair is None:
            return None
        key, raw = pair
        nested = None
        if not raw:
            nested = entry[key] = {}
        elif raw == "{}":
            entry[key] = {}
        else:
            value = _value(raw)
            if value is _NOT_READ:
                return None
            entry[key] = value
    if not entries:
        return None
    try:
        records = [record_from(item, answer_file, number) for item, number in entries]
    except AnswerFileError:
        return None  # the strict reader explains the problem
    return records if emit(records) == text else None


_NOT_READ = object()


def _pair(text: str) -> tuple[str, str] | None:
    """`key: value` (value "" for `key:`) with a plain or single-quoted key; None otherwise."""
    if text.startswith("'"):
        end = _quote_end(text)
        if end < 0:
            return None
        key, rest = _unquote(text[: end + 1]), text[end + 1 :]
    elif text.startswith('"'):
        return None
    else:
        colon = text.find(": ")
        if colon < 0:
            if not text.endswith(":"):
                return None
            return text[:-1], ""
        key, rest = text[:colon], text[colon:]
    if rest == ":":
        return key, ""
    if not rest.startswith(": ") or len(rest) == 2:
        return None
    return key, rest[2:]


def _quote_end(text: str) -> int:
    """The index of the quote closing the single-quoted scalar `text` starts with, or -1."""
    index = 1
    while True:
        index = text.find("'", index)
        if index < 0:
            return -1
        if text.startswith("''", index):
            index += 2
            continue
        return index


def _unquote(token: str) -> str:
    return token[1:-1].replace("''", "'")


def _value(raw: str) -> Any:
    """A scalar as the emitter writes it: single-quoted text, true/false, an int, or plain text."""
    if raw[0] == "'":
        return _unquote(raw) if raw[-1] == "'" and len(raw) > 1 and _quote_end(raw) == len(raw) - 1 else _NOT_READ
    if raw[0] in '"[{':
        return _NOT_READ
    if raw == "true" or raw == "false":
        return raw == "true"
    if _INT.match(raw):
        return int(raw)
    return raw


def read_with_libyaml(answer_file: Path, text: str) -> list[AnswerRecord] | None:
    """The records via libyaml, or None to let the strict reader explain the problem."""
    if _FAST_LOADER is None or "*" in text:
        return None  # a possible alias: the strict reader refuses aliases with their line (safe_yaml)
    try:
        data = _pyyaml.load(text, Loader=_FAST_LOADER)
        if _too_deep(data):
            return None  # libyaml allows a thousand levels; the strict reader refuses past safe_yaml's bound
        generations = data["generations"] if isinstance(data, dict) else None
        if not isinstance(generations, list):
            return None
        # The same checks as the strict reader; only the line numbers are missing.
        return [record_from(entry, answer_file, None) for entry in generations]
    except (AnswerFileError, _pyyaml.YAMLError, KeyError, TypeError, ValueError):
        return None


def _too_deep(value: Any, depth: int = 0) -> bool:
    if depth >= MAX_YAML_DEPTH:
        return True
    if isinstance(value, dict):
        return any(_too_deep(item, depth + 1) for item in value.values())
    if isinstance(value, list):
        return any(_too_deep(item, depth + 1) for item in value)
    return False
