"""Command arguments (workspace/executeCommand), checked in one place.

Every `scion.*` command takes one JSON object. An editor, a keybinding or a
user's script may send anything instead (a number, a list, a missing key, a
string where a position belongs, a 5000-digit integer); each command declares
the fields it reads and gets back plain, typed values, or an InvalidArgument
naming the command, the field and what was expected, which the client sees as
-32602 (InvalidParams) and the user as one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.common.errors import InvalidArgument, one_line
from server.common.jsonish import plain

MAX_INT = 2**31 - 1  # LSP's uinteger: lines, characters, indexes
MAX_STRING = 4096


@dataclass(frozen=True)
class Field:
    kind: str  # "str", "uri", "int", "bool", "object", "position"
    required: bool = False


def required(kind: str) -> Field:
    return Field(kind, True)


def optional(kind: str) -> Field:
    return Field(kind, False)


def command_argument(
    command: str, args: Any, fields: dict[str, Field], *, may_be_absent: bool = False
) -> dict[str, Any]:
    """The command's one object argument, with each declared field checked and converted.

    Optional fields that are missing (or null) are absent from the result; keys
    that are not declared are ignored (clients add their own). With
    `may_be_absent`, no argument (or null) means an empty object.
    """
    shape = "{" + ", ".join(name if f.required else name + "?" for name, f in fields.items()) + "}"
    raw = plain(args[0]) if isinstance(args, (list, tuple)) and args else None
    if raw is None and may_be_absent:
        raw = {}
    if not isinstance(raw, dict):
        got = "no argument" if not args else f"{_kind_of(raw)} {_short(raw)}"
        raise InvalidArgument(f"{command} expects one object argument {shape}, got {got}")
    values: dict[str, Any] = {}
    for name, field in fields.items():
        value = raw.get(name)
        if value is None:
            if field.required:
                raise InvalidArgument(f"{command}: `{name}` is missing (expected {shape})")
            continue
        values[name] = _convert(command, name, field.kind, value)
    return values


def _convert(command: str, name: str, kind: str, value: Any) -> Any:
    def bad(expected: str) -> InvalidArgument:
        return InvalidArgument(f"{command}: `{name}` should be {expected}, got {_kind_of(value)} {_short(value)}")

    if kind in ("str", "uri"):
        if not isinstance(value, str) or not value or len(value) > MAX_STRING:
            raise bad("a non-empty string" if kind == "str" else "a document URI")
        if "\x00" in value:
            raise bad("text without NUL characters")
        if kind == "uri" and ":" not in value:
            raise bad("a document URI such as file:///path/to/file.py")
        return value
    if kind == "int":
        return _integer(value, bad)
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if kind == "object":
        if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
            raise bad("an object")
        return value
    if kind == "position":
        if not isinstance(value, dict):
            raise bad("a position {line, character}")
        return {
            "line": _integer(value.get("line", 0), lambda e: bad(f"a position whose line is {e}")),
            "character": _integer(value.get("character", 0), lambda e: bad(f"a position whose character is {e}")),
        }
    raise AssertionError(f"unknown argument kind {kind}")


def _integer(value: Any, bad) -> int:
    # bool is an int in Python, and a float may be 1e300: neither is a line number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(f"an integer from 0 to {MAX_INT}")
    if not 0 <= value <= MAX_INT:
        raise bad(f"an integer from 0 to {MAX_INT}")
    return value


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _short(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        # repr() of a 5000-digit integer raises ValueError (Python's digit limit).
        return f"({value.bit_length()}-bit integer)"
    try:
        text = repr(value)
    except Exception:
        return ""
    return one_line(text, 60)
