"""The one conversion to plain values: dicts, lists and scalars all the way down.

Everything that leaves the process as JSON (LSP results, `scion/ask`
payloads, reports) or comes in as structured objects (round-trip YAML nodes,
pygls attribute objects for custom methods) goes through here.

- `plain(value)`: containers, YAML nodes, dataclasses, reports with an
  `as_json()` and attribute objects become dicts, lists and base scalars;
  other leaves (a YAML date) are kept as they are.
- `to_json(value)`: the same, with every other leaf turned into its string,
  so that `json.dumps` always succeeds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any


def plain(value: Any) -> Any:
    return _convert(value, _keep)


def to_json(value: Any) -> Any:
    return _convert(value, str)


def _keep(value: Any) -> Any:
    return value


def _convert(value: Any, leaf: Callable[[Any], Any]) -> Any:
    # Subclasses (ruamel's scalars, str enums) become the base type; bool before int.
    if value is None:
        return None
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, Mapping):
        # Numeric keys stay numbers (YAML answers may have them); JSON writes them as strings.
        return {
            key if isinstance(key, (int, float, bool)) else str(key): _convert(item, leaf)
            for key, item in value.items()
        }
    if hasattr(value, "_asdict"):  # a named tuple: its fields, not a list
        return _convert(value._asdict(), leaf)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_convert(item, leaf) for item in value]
    for method in ("as_json", "to_json"):
        if callable(getattr(value, method, None)):
            return _convert(getattr(value, method)(), leaf)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _convert(getattr(value, field.name), leaf) for field in dataclasses.fields(value)}
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {key: _convert(item, leaf) for key, item in vars(value).items()}
    return leaf(value)
