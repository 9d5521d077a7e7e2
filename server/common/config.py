"""Typed settings, validated by pydantic, from layers: defaults < `.scion/config.toml` < editor < CLI flags.

Every layer uses the editor's names without the `scion.` prefix (camelCase,
nested: `{"tracking": {"keepThreshold": 0.6}}`; snake_case is accepted too).
A bad value never stops anything: it is reported (which layer, which key,
why) and the next layer down decides, in the end the default (as
jedi-language-server does with its options). `resolve_settings` also says
where each effective value came from, for `scion config show`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr
from pydantic import ValidationError as _ValidationError
from pydantic.alias_generators import to_camel

from server.common.config_file import default_database_path
from server.evolution.stages import StageThresholds
from server.tracking.tracker import DEFAULT_CHECKPOINTS, DEFAULT_KEEP_THRESHOLD

DEFAULT_SOURCE = "default"
SECRET_KEYS = frozenset({"llm.apiKey"})  # never printed
Count = Annotated[int, Field(strict=True, ge=0)]
Seconds = Annotated[float, Field(strict=True, ge=0)]
Share = Annotated[float, Field(strict=True, ge=0, le=1)]


def _increasing(checkpoints: tuple[float, ...]) -> tuple[float, ...]:
    if not checkpoints or list(checkpoints) != sorted(checkpoints) or checkpoints[0] <= 0:
        raise ValueError("expected a non-empty list of increasing positive seconds")
    return checkpoints


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class _Section(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True, validate_default=False
    )


class DatabaseSettings(_Section):
    path: StrictStr = ""  # empty: <workspace>/.scion/scion.db


class TemplateSettings(_Section):
    roots: tuple[StrictStr, ...] = ()


class LlmSettings(_Section):
    model: StrictStr = ""  # empty: no LLM
    api_base: StrictStr = ""
    api_key: StrictStr = ""
    timeout: Seconds = 20.0


class TrackingSettings(_Section):
    # GitHub's completion-persistence windows: 30 s, 2 min, 5 min, 10 min.
    # The defaults are the tracker's own (one place to change them).
    checkpoints: Annotated[tuple[Annotated[float, Field(strict=True)], ...], AfterValidator(_increasing)] = (
        DEFAULT_CHECKPOINTS
    )
    keep_threshold: Share = DEFAULT_KEEP_THRESHOLD


class EvolutionSettings(_Section):
    enabled: StrictBool = True
    # The stage thresholds' defaults are the domain's own (one place to change them).
    min_executions: Count = StageThresholds.min_executions
    min_kept_rate: Share = StageThresholds.min_kept_rate
    hybrid_confidence: Share = StageThresholds.hybrid_confidence
    code_first_confidence: Share = StageThresholds.code_first_confidence
    min_decided: Count = 10
    improve_below: Share = 0.8
    debounce: Seconds = 5.0


class LogSettings(_Section):
    level: Annotated[Literal["debug", "info", "warning", "error"], BeforeValidator(_lower)] = "info"


class ServerSettings(_Section):
    python_path: StrictStr = ""  # read by the clients; the server only tolerates it


class Settings(_Section):
    database: DatabaseSettings = DatabaseSettings()
    templates: TemplateSettings = TemplateSettings()
    llm: LlmSettings = LlmSettings()
    tracking: TrackingSettings = TrackingSettings()
    evolution: EvolutionSettings = EvolutionSettings()
    log: LogSettings = LogSettings()
    server: ServerSettings = ServerSettings()


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
    return to_camel(name)


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
    settings = Settings.model_validate(merged)  # each leaf is valid on its own: this cannot fail
    for key in leaf_keys(settings.model_dump(by_alias=True)):
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
    raw = _plain(layer.raw)
    for _ in range(len(leaf_keys(raw)) + 1):  # every round drops at least one key
        try:
            Settings.model_validate(raw)
            return raw
        except _ValidationError as error:
            for problem in error.errors(include_url=False):
                dotted = _drop(raw, problem["loc"])
                unknown = problem["type"] == "extra_forbidden"
                reason = "unknown setting, ignored" if unknown else _message(problem, secret=dotted in SECRET_KEYS)
                dropped.append(Dropped(layer.source, dotted, reason))
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
    return list(value) if isinstance(value, tuple) else value


def value_at(settings: Settings, dotted: str) -> Any:
    value: Any = settings.model_dump(by_alias=True)
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


def _plain(raw: Any) -> Any:
    """A copy whose dicts can be changed (`_drop`) without touching the caller's object."""
    if isinstance(raw, dict):
        return {key: _plain(value) for key, value in raw.items()}
    return raw


def _drop(raw: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """Take out the setting a validation error points at (a whole list, not one item); its dotted name."""
    node: Any = raw
    names: list[str] = []
    for index, part in enumerate(loc):
        if not isinstance(part, str) or not isinstance(node, dict):
            break
        key = next((k for k in (part, _snake(part)) if k in node), part)
        names.append(camel(str(key)))
        if index == len(loc) - 1 or not isinstance(node.get(key), dict):
            node.pop(key, None)
            break
        node = node[key]
    return ".".join(names)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _message(problem: Any, secret: bool = False) -> str:
    text = str(problem["msg"]).removeprefix("Value error, ")
    text = f"{text[:1].lower()}{text[1:]}"
    if secret:
        return text
    got = problem.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    return f"{text} (got {shown[:80]})"
