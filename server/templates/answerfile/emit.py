"""Writing an answer file in Scion's own layout without ruamel.

The round-trip writer (ruamel, pure Python) keeps people's comments and
layout, at several milliseconds a file. Most answer files are exactly what
Scion wrote, though, and for those this small emitter of the same layout is
enough. The API uses it only for a file it reproduces byte for byte from its
parsed records, which proves the file holds nothing the emitter would lose (no
comments, no hand formatting); any other file goes through the round trip.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .record import HEADER, AnswerRecord, record_values

try:  # libyaml quotes the scalars the emitter cannot write plain; optional.
    import yaml as _pyyaml

    _FAST_DUMPER = getattr(_pyyaml, "CSafeDumper", None)
except ImportError:  # pragma: no cover - depends on the environment
    _pyyaml, _FAST_DUMPER = None, None

# Strings YAML reads back as the same string when written plain.
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*\Z")
_SPECIAL_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n"})


def emit(records: list[AnswerRecord]) -> str | None:
    """The answer file in the layout write_answer_record produces, or None for values it cannot write."""
    lines = [f"# {HEADER}", "generations:"]
    append = lines.append
    for record in records:
        prefix = "  - "
        for key, value in record_values(record).items():
            if key == "region":
                append(f"{prefix}region:")
                append(f"      start: [{value['start'][0]}, {value['start'][1]}]")
                append(f"      end: [{value['end'][0]}, {value['end'][1]}]")
            elif type(value) is dict or isinstance(value, dict):
                if not value:
                    append(f"{prefix}{key}: {{}}")
                else:
                    append(f"{prefix}{key}:")
                    for name, item in value.items():
                        name_text, item_text = _scalar(name), _scalar(item)
                        if name_text is None or item_text is None:
                            return None
                        append(f"      {name_text}: {item_text}")
            else:
                text = _scalar(value)
                if text is None:
                    return None
                append(f"{prefix}{key}: {text}")
            prefix = "    "
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> str | None:
    kind = type(value)  # the exact types first: a batch emits a thousand files of them
    if kind is str:
        return _string_scalar(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        return None
    return _string_scalar(value)


@functools.lru_cache(maxsize=4096)
def _string_scalar(value: str) -> str | None:
    # Cached: keys, template ids, versions and sources repeat in every record of a batch.
    if _PLAIN.match(value) and value.lower() not in _SPECIAL_WORDS:
        return value
    return _text_scalar(value)


# Versions, shas, ids and timestamps: libyaml writes these plain, or in single
# quotes when a plain scalar would read back as another type (a number, a date).
_SAFE_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\Z")
_SAFE_QUOTED = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./:+-]*\Z")


@functools.lru_cache(maxsize=4096)
def _text_scalar(value: str) -> str | None:
    """How libyaml writes the string `value` as a one-line scalar (None: it cannot), without asking it when that is sure."""
    if _pyyaml is None or _FAST_DUMPER is None:
        return None
    if _SAFE_QUOTED.match(value):
        # What the dumper asks its resolver: would the plain scalar read back as another type?
        typed = any(regexp.match(value) for _, regexp in (*_IMPLICIT.get(value[0], ()), *_IMPLICIT.get(None, ())))
        if typed:
            return f"'{value}'"
        if _SAFE_PLAIN.match(value):
            return value
    dumped = _pyyaml.dump(value, Dumper=_FAST_DUMPER, width=4096, allow_unicode=True)
    dumped = dumped.removesuffix("\n...\n").removesuffix("\n")
    return None if "\n" in dumped else dumped


_IMPLICIT = _FAST_DUMPER.yaml_implicit_resolvers if _FAST_DUMPER is not None else {}
