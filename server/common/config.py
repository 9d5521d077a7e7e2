"""Typed settings, converted from the editor's `scion.*` settings (camelCase, nested).

A bad value never stops the server: it is reported in `problems` and the default
is used instead (jedi-language-server does the same with its options).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any

from server.evolution.stages import StageThresholds
from server.tracking.tracker import DEFAULT_CHECKPOINTS, DEFAULT_KEEP_THRESHOLD


@dataclass(frozen=True)
class DatabaseSettings:
    path: str = ""  # empty: <workspace>/.scion/scion.db


@dataclass(frozen=True)
class TemplateSettings:
    roots: tuple[str, ...] = ()
    # copier templates whose extensions, tasks and migrations may run (a source, or a prefix ending in /).
    trusted: tuple[str, ...] = ()


@dataclass(frozen=True)
class LlmSettings:
    model: str = ""  # empty: no LLM
    api_base: str = ""
    api_key: str = ""
    timeout: float = 20.0


@dataclass(frozen=True)
class TrackingSettings:
    # GitHub's completion-persistence windows: 30 s, 2 min, 5 min, 10 min.
    # The defaults are the tracker's own (one place to change them).
    checkpoints: tuple[float, ...] = DEFAULT_CHECKPOINTS
    keep_threshold: float = DEFAULT_KEEP_THRESHOLD


@dataclass(frozen=True)
class EvolutionSettings:
    enabled: bool = True
    # The stage thresholds' defaults are the domain's own (one place to change them).
    min_executions: int = StageThresholds.min_executions
    min_kept_rate: float = StageThresholds.min_kept_rate
    hybrid_confidence: float = StageThresholds.hybrid_confidence
    code_first_confidence: float = StageThresholds.code_first_confidence
    min_decided: int = 10
    improve_below: float = 0.8
    debounce: float = 5.0


@dataclass(frozen=True)
class LogSettings:
    level: str = "info"


@dataclass(frozen=True)
class ServerSettings:
    python_path: str = ""  # read by the clients; the server only tolerates it


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    templates: TemplateSettings = field(default_factory=TemplateSettings)
    llm: LlmSettings = field(default_factory=LlmSettings)
    tracking: TrackingSettings = field(default_factory=TrackingSettings)
    evolution: EvolutionSettings = field(default_factory=EvolutionSettings)
    log: LogSettings = field(default_factory=LogSettings)
    server: ServerSettings = field(default_factory=ServerSettings)


_LOG_LEVELS = ("debug", "info", "warning", "error")
_UNIT_INTERVAL = {"keep_threshold", "min_kept_rate", "hybrid_confidence", "code_first_confidence", "improve_below"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def settings_from_client(raw: Any) -> tuple[Settings, list[str]]:
    """Convert the `scion` settings object; return the settings and one message per bad value."""
    problems: list[str] = []
    settings = _convert(Settings, raw if raw is not None else {}, "scion", problems)
    return settings, problems


def _convert(cls: type, raw: Any, where: str, problems: list[str]) -> Any:
    if not isinstance(raw, dict):
        problems.append(f"`{where}` should be an object; using the defaults")
        return cls()
    hints = typing.get_type_hints(cls)
    known = {camel(f.name): f for f in dataclasses.fields(cls)} | {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        fld = known.get(key)
        if fld is None:
            problems.append(f"unknown setting `{where}.{key}` ignored")
            continue
        path = f"{where}.{camel(fld.name)}"
        kind = hints[fld.name]
        if isinstance(kind, type) and dataclasses.is_dataclass(kind):
            values[fld.name] = _convert(kind, value, path, problems)
            continue
        converted, error = _coerce(fld.name, kind, value)
        if error:
            problems.append(f"`{path}`: {error}; using the default {_show_default(cls, fld)}")
        else:
            values[fld.name] = converted
    return cls(**values)


def _coerce(name: str, kind: Any, value: Any) -> tuple[Any, str | None]:
    if value is None:
        return None, "must not be null"
    if kind is bool:
        return (value, None) if isinstance(value, bool) else (None, f"expected true or false, got {value!r}")
    if kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return (value, None) if ok else (None, f"expected a non-negative whole number, got {value!r}")
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            return None, f"expected a non-negative number, got {value!r}"
        if name in _UNIT_INTERVAL and value > 1:
            return None, f"expected a number between 0 and 1, got {value!r}"
        return float(value), None
    if kind is str:
        if not isinstance(value, str):
            return None, f"expected a string, got {value!r}"
        if name == "level" and value.lower() not in _LOG_LEVELS:
            return None, f"expected one of {', '.join(_LOG_LEVELS)}, got {value!r}"
        return (value.lower() if name == "level" else value), None
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        if not isinstance(value, list):
            return None, f"expected a list, got {value!r}"
        items = []
        for element in value:
            converted, error = _coerce(name, item, element)
            if error:
                return None, error
            items.append(converted)
        if name == "checkpoints" and (not items or items != sorted(items) or items[0] <= 0):
            return None, "expected a non-empty list of increasing positive seconds"
        return tuple(items), None
    return None, f"unsupported value {value!r}"


def _show_default(cls: type, fld: dataclasses.Field) -> str:
    default = getattr(cls(), fld.name)
    return repr(list(default)) if isinstance(default, tuple) else repr(default)


def merge_settings(base: dict, update: dict) -> dict:
    """Deep-merge two raw settings objects (later configuration wins)."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_settings(merged[key], value)
        else:
            merged[key] = value
    return merged
