"""Typed settings (attrs, structured by cattrs) from layers: defaults < the user's file < `.scion/config.toml` < editor
< CLI flags.

Every layer uses the editor's names without the `scion.` prefix (camelCase,
nested: `{"tracking": {"keepThreshold": 0.6}}`; snake_case is accepted too).
A bad value never stops anything: it is reported (which layer, which key,
why) and the next layer down decides, in the end the default (as
jedi-language-server does with its options). `resolve_settings` also says
where each effective value came from, for `scion config show`.

cattrs, not pydantic: lsprotocol already loads it in the server, so the
settings cost the server's start-up nothing. The value checks are its
structure hooks, one per kind of value (`Share`, `Count`, ...), so each
error names its setting.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NewType

import attrs

from server.common.config_file import default_database_path

DEFAULT_SOURCE = "default"
SECRET_KEYS = frozenset({"llm.apiKey"})  # never printed
LOG_LEVELS = ("debug", "info", "warning", "error")
SHARE_LEVELS = ("stats", "answers", "code")  # server/store/outbox.py says what each one shares
HUB_SCHEMES = ("postgresql://", "postgres://")
_URL_PASSWORD = re.compile(r"(://[^:/@]*):[^@]*@")
_URL_PASSWORD_PARAM = re.compile(r"(password=)[^&\s]*", re.IGNORECASE)

# The kinds of values, each with its check (see _HOOKS).
Count = NewType("Count", int)  # a whole number >= 0
Seconds = NewType("Seconds", float)  # a number >= 0
Share = NewType("Share", float)  # a number between 0 and 1
Checkpoints = NewType("Checkpoints", tuple)  # increasing positive seconds
Level = NewType("Level", str)  # one of LOG_LEVELS, any case
Paths = NewType("Paths", tuple)  # a list of strings
HubUrl = NewType("HubUrl", str)  # empty, or a postgresql:// URL
ShareLevel = NewType("ShareLevel", str)  # one of SHARE_LEVELS


@attrs.frozen
class DatabaseSettings:
    path: str = ""  # empty: <workspace>/.scion/scion.db


@attrs.frozen
class TemplateSettings:
    roots: Paths = Paths(())
    # copier templates whose extensions, tasks and migrations may run (a source, or a prefix ending in /).
    # The user's alone: a repository's .scion/config.toml may not trust its own templates.
    trusted: Paths = Paths(())


@attrs.frozen
class LlmSettings:
    model: str = ""  # empty: no LLM
    api_base: str = ""
    api_key: str = ""
    timeout: Seconds = Seconds(20.0)


# The defaults below are the only ones: the tracker (server/tracking/tracker.py) and the stage rules
# (server/evolution/stages.py) read theirs from these classes, since "common" sits below every domain package.


@attrs.frozen
class TrackingSettings:
    # GitHub's completion-persistence windows: 30 s, 2 min, 5 min, 10 min.
    checkpoints: Checkpoints = Checkpoints((30.0, 120.0, 300.0, 600.0))
    keep_threshold: Share = Share(0.5)


@attrs.frozen
class EvolutionSettings:
    enabled: bool = True
    min_executions: Count = Count(100)
    min_kept_rate: Share = Share(0.9)
    hybrid_confidence: Share = Share(0.8)
    code_first_confidence: Share = Share(0.7)
    min_decided: Count = Count(10)
    improve_below: Share = Share(0.8)
    # A version whose kept generations were edited at least this often is analysed too, however well it does.
    improve_edited_above: Share = Share(0.5)
    # The share of new generations that get a candidate version while its A/B trial runs.
    trial_share: Share = Share(0.2)
    debounce: Seconds = Seconds(5.0)


@attrs.frozen
class LogSettings:
    level: Level = Level("info")


@attrs.frozen
class HubSettings:
    # empty: no team hub ($SCION_HUB_URL, then --hub, fill it in; see server/hub/).
    # The user's alone: a repository's .scion/config.toml may not set any hub.* (config_file.py).
    url: HubUrl = HubUrl("")
    share: ShareLevel = ShareLevel("answers")
    poll_interval: Seconds = Seconds(30.0)  # seconds between pulls when no notification comes


@attrs.frozen
class ServerSettings:
    python_path: str = ""  # read by the clients; the server only tolerates it


@attrs.frozen
class CliSettings:
    # Warm runs (server/warm/): the `scion` client reads this from the user's file itself, before anything loads.
    # The user's alone, like hub.*: a repository's .scion/config.toml has no say in how `scion` starts.
    warm: bool = True


@attrs.frozen
class Settings:
    database: DatabaseSettings = DatabaseSettings()
    templates: TemplateSettings = TemplateSettings()
    llm: LlmSettings = LlmSettings()
    tracking: TrackingSettings = TrackingSettings()
    evolution: EvolutionSettings = EvolutionSettings()
    log: LogSettings = LogSettings()
    hub: HubSettings = HubSettings()
    server: ServerSettings = ServerSettings()
    cli: CliSettings = CliSettings()


SECTIONS: tuple[type, ...] = (
    DatabaseSettings,
    TemplateSettings,
    LlmSettings,
    TrackingSettings,
    EvolutionSettings,
    LogSettings,
    HubSettings,
    ServerSettings,
    CliSettings,
    Settings,
)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _seconds(value: Any, _: Any) -> float:
    number = _number(value)
    if number < 0:
        raise ValueError(f"expected a number >= 0, got {value!r}")
    return number


def _share(value: Any, _: Any) -> float:
    number = _number(value)
    if not 0 <= number <= 1:
        raise ValueError(f"expected a number between 0 and 1, got {value!r}")
    return number


def _count(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number >= 0, got {value!r}")
    return value


def _checkpoints(value: Any, _: Any) -> tuple[float, ...]:
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list of seconds, got {value!r}")
    seconds = tuple(_number(item) for item in value)
    if not seconds or list(seconds) != sorted(seconds) or seconds[0] <= 0:
        raise ValueError("expected a non-empty list of increasing positive seconds")
    return seconds


def _level(value: Any, _: Any) -> str:
    if not isinstance(value, str) or value.lower() not in LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}, got {value!r}")
    return value.lower()


def _paths(value: Any, _: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"expected a list of paths, got {value!r}")
    return tuple(value)


def _exactly(kind: type, expected: str) -> Callable[[Any, Any], Any]:
    """The check of a plain value: of type `kind`, never coerced (`"yes"` is not true, 1 is not a string)."""

    def check(value: Any, _: Any) -> Any:
        if not isinstance(value, kind):
            raise TypeError(f"expected {expected}, got {value!r}")
        return value

    return check


_text = _exactly(str, "a string")
_flag = _exactly(bool, "true or false")


def _hub_url(value: Any, _: Any) -> str:
    text = _text(value, _)
    if text and not text.startswith(HUB_SCHEMES):
        raise ValueError("expected a postgresql:// URL")  # never the value: it may hold a password
    return text


def _share_level(value: Any, _: Any) -> str:
    if value not in SHARE_LEVELS:
        raise ValueError(f"expected one of {', '.join(SHARE_LEVELS)}, got {value!r}")
    return str(value)


_HOOKS: dict[Any, Callable[[Any, Any], Any]] = {
    Count: _count,
    Seconds: _seconds,
    Share: _share,
    Checkpoints: _checkpoints,
    Level: _level,
    Paths: _paths,
    HubUrl: _hub_url,
    ShareLevel: _share_level,
    str: _text,
    bool: _flag,
}


@functools.cache
def _settings_converter() -> Any:
    """cattrs, strict: no value is coerced (`"yes"` is not true), unknown keys are errors, names are camelCase."""
    from cattrs import Converter
    from cattrs.gen import make_dict_structure_fn, override

    converter = Converter(forbid_extra_keys=True)
    for kind, hook in _HOOKS.items():
        converter.register_structure_hook(kind, hook)
    for section in SECTIONS:
        renames: dict[str, Any] = {f.name: override(rename=camel(f.name)) for f in attrs.fields(section)}
        hook = make_dict_structure_fn(section, converter, _cattrs_forbid_extra_keys=True, **renames)
        converter.register_structure_hook(section, hook)
    return converter


def structure(raw: dict[str, Any]) -> Settings:
    """`raw` (camelCase keys) as Settings; cattrs's ClassValidationError when any value is bad."""
    settings: Settings = _settings_converter().structure(raw, Settings)
    return settings


def as_raw(settings: Any) -> Any:
    """Settings as nested dicts with the editor's camelCase names (what `scion config show` prints)."""
    if attrs.has(type(settings)):
        return {camel(f.name): as_raw(getattr(settings, f.name)) for f in attrs.fields(type(settings))}
    return settings


@dataclass(frozen=True)
class Layer:
    """One source of settings: its name as the user knows it (`.scion/config.toml`, `editor`, `--db`)."""

    source: str
    raw: Any


@dataclass(frozen=True)
class Resolved:
    settings: Settings
    origins: dict[str, str] = field(default_factory=dict)  # "tracking.keepThreshold" -> its layer's source
    problems: list[str] = field(default_factory=list)


def camel(name: str) -> str:
    """`keep_threshold` -> `keepThreshold`; camelCase names stay as they are."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def resolve_settings(layers: Iterable[Layer], refused: Iterable[Dropped] = ()) -> Resolved:
    """Validate each layer on its own (dropping what is bad, with a message), then lay them over each other.

    `refused`: what the layers' readers took out before (a workspace file's user-only settings).
    """
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    dropped: list[Dropped] = list(refused)
    for layer in layers:
        clean = clean_layer(layer, dropped)
        merged = merge_settings(merged, clean)
        for key in leaf_keys(clean):
            origins[key] = layer.source
    settings = structure(merged)  # each leaf is valid on its own: this cannot fail
    for key in leaf_keys(as_raw(settings)):
        origins.setdefault(key, DEFAULT_SOURCE)
    return Resolved(settings, origins, [problem.message(settings, origins) for problem in dropped])


def settings_from_client(raw: Any) -> tuple[Settings, list[str]]:
    """The editor's `scion` object alone over the defaults; the settings and one message per bad value."""
    resolved = resolve_settings([Layer("scion", raw if raw is not None else {})])
    return resolved.settings, resolved.problems


@dataclass(frozen=True)
class Dropped:
    """A value a layer gave that is not used: unknown, of the wrong type, or not allowed in that layer."""

    source: str
    key: str  # dotted camelCase; "" for the whole layer
    reason: str

    def message(self, settings: Settings, origins: dict[str, str]) -> str:
        if not self.key:
            return f"{self.source}: {self.reason}"
        try:
            instead = value_at(settings, self.key)
        except (KeyError, TypeError):
            return f"{self.source}: `{self.key}`: {self.reason}"
        origin = origins.get(self.key, DEFAULT_SOURCE)
        instead = shown_value(self.key, instead)
        if isinstance(instead, dict):
            used = "the defaults"
        elif origin == DEFAULT_SOURCE:
            used = f"the default {instead!r}"
        else:
            used = f"{instead!r} from {origin}"
        return f"{self.source}: `{self.key}`: {self.reason}; using {used}"


def clean_layer(layer: Layer, dropped: list[Dropped]) -> dict[str, Any]:
    """The layer's raw object with every bad or unknown value taken out, each one noted in `dropped`."""
    if not isinstance(layer.raw, dict):
        dropped.append(Dropped(layer.source, "", "the settings should be an object (a table); ignored"))
        return {}
    from cattrs.errors import ClassValidationError

    raw = _camel_keys(layer.raw)
    for _ in range(len(leaf_keys(raw)) + 1):  # every round drops at least one key
        try:
            structure(raw)
            return raw
        except ClassValidationError as error:
            for path, reason in _errors(error):
                _drop(raw, path)
                dotted = ".".join(path)
                dropped.append(Dropped(layer.source, dotted, _shown_reason(reason, secret=dotted in SECRET_KEYS)))
    return {}


def merge_settings(base: dict, update: dict) -> dict:
    """Deep-merge two raw settings objects (later configuration wins)."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_settings(merged[key], value)
        else:
            merged[key] = value
    return merged


def leaf_keys(raw: Any, prefix: str = "") -> list[str]:
    """Dotted camelCase names of the values in a raw settings object (`tracking.keepThreshold`)."""
    if not isinstance(raw, dict):
        return [prefix] if prefix else []
    keys = []
    for key, value in raw.items():
        name = f"{prefix}.{camel(str(key))}" if prefix else camel(str(key))
        keys += leaf_keys(value, name) if isinstance(value, dict) else [name]
    return keys


def shown_value(dotted: str, value: Any) -> Any:
    """What messages and `scion config show` print for a value: secrets only as set or not."""
    if dotted in SECRET_KEYS:
        return "(set)" if value else ""
    if dotted == "hub.url" and value:
        return shown_url(value)
    return list(value) if isinstance(value, tuple) else value


def shown_url(url: str) -> str:
    """A hub URL as it may appear in a message or a log: never the password."""
    return _URL_PASSWORD_PARAM.sub(r"\1***", _URL_PASSWORD.sub(r"\1:***@", url))


def value_at(settings: Settings, dotted: str) -> Any:
    value: Any = as_raw(settings)
    for part in dotted.split("."):
        value = value[part]
    return value


def database_path(settings: Settings, workspace: Path | None) -> str:
    """The database the settings name: relative paths from the workspace root, `:memory:` as it is."""
    configured = settings.database.path
    if configured:
        if configured == ":memory:" or "://" in configured:
            return configured  # a URL is refused, with a message, when the store opens it
        path = Path(configured).expanduser()
        if not path.is_absolute() and workspace is not None:
            path = workspace / path
        return str(path)
    return default_database_path(workspace)


def template_roots(settings: Settings, workspace: Path | None) -> list[Path]:
    """The extra template roots: relative ones from the workspace root."""
    roots = [Path(root).expanduser() for root in settings.templates.roots]
    if workspace is not None:
        roots = [root if root.is_absolute() else workspace / root for root in roots]
    return roots


def _camel_keys(raw: Any) -> Any:
    """A copy with camelCase keys (snake_case is accepted too), whose dicts `_drop` may change."""
    if isinstance(raw, dict):
        return {camel(key) if isinstance(key, str) else key: _camel_keys(value) for key, value in raw.items()}
    return raw


def _errors(error: Exception, path: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], str]]:
    """(setting path, reason) for each failure in cattrs's exception group."""
    from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError

    if isinstance(error, ForbiddenExtraKeysError):
        for name in sorted(error.extra_fields):
            yield (*path, str(name)), "unknown setting, ignored"
        return
    if isinstance(error, AttributeError):  # a section that is not a mapping (`llm = "x"`)
        yield path, "expected a table of settings"
        return
    if not isinstance(error, ClassValidationError):
        yield path, str(error)
        return
    with_notes, others = error.group_exceptions()
    for inner, note in with_notes:
        yield from _errors(inner, (*path, camel(note.name)))
    for inner in others:
        yield from _errors(inner, path)


def _drop(raw: dict[str, Any], path: tuple[str, ...]) -> None:
    """Take out the setting at `path` (a whole list, not one item)."""
    node: Any = raw
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(path[-1], None)
    elif not path:
        raw.clear()


def _shown_reason(reason: str, secret: bool) -> str:
    """The reason, without the value for a secret (`..., got 'sk-...'`)."""
    if secret:
        return reason.split(", got ")[0]
    return reason[:200]
