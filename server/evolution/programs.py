"""Learned programs on disk and in the pattern library.

A program lives in three forms. The database row (`Store.save_program`) is the
record of what was learned and when. The file `.scion/learned/<template>/<question>/v<N>.py`
is the same source, readable and reviewable, with its provenance docstring. And
the provenance keeps the DSL of the consistent programs found by synthesis, as
JSON, because answering a question on the request path evaluates those in this
process (they are interpreted by `dsl.py`, not executed) and their agreement is
the answer's confidence.

The pattern library is a JSON file of active programs with the examples they
were learned from. Nothing in it is trusted: an import checks every entry again
(source digest, AST rules, the DSL, then the source run in the sandbox against
its own examples and against this workspace's kept answers) before saving it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.common.errors import ScionError
from server.common.fsutil import atomic_write
from server.evolution import dsl
from server.evolution.dsl import CASES, LIST_SOURCES, TEXT_FEATURES, Program
from server.evolution.sandbox import check_source, run_in_sandbox

if TYPE_CHECKING:
    from server.store import Store

LIBRARY_FORMAT = "scion-pattern-library"
LIBRARY_VERSION = 1
FUNC_NAME = "infer"
# What an exported example keeps of the editing context: what programs read, nothing private
# (no absolute path, no identifiers from the user's code).
EXAMPLE_FEATURES = (
    "language",
    "rel_path",
    "stem",
    "extension",
    "folder",
    "path_segments",
    "module_path",
    "enclosing_class",
    "enclosing_function",
    "place",
)
MAX_EXPORTED_EXAMPLES = 50
SAFE_PART = re.compile(r"[^A-Za-z0-9_.-]+")
NODE_TYPES = {
    cls.__name__: cls
    for cls in (
        dsl.Feature,
        dsl.Const,
        dsl.Item,
        dsl.Parts,
        dsl.MapCase,
        dsl.Join,
        dsl.Case,
        dsl.StripPrefix,
        dsl.StripSuffix,
        dsl.AddPrefix,
        dsl.AddSuffix,
        dsl.If,
    )
}


class ProgramFormatError(ScionError):
    """A stored or imported program that cannot be read back."""


# -- DSL <-> JSON ------------------------------------------------------------


def encode_program(program: Program) -> Any:
    return _encode(program.root)


def _encode(node: Any) -> Any:
    if not dataclasses.is_dataclass(node):
        return node
    encoded = {"node": type(node).__name__}
    for slot in dataclasses.fields(node):
        encoded[slot.name] = _encode(getattr(node, slot.name))
    return encoded


def decode_program(data: Any) -> Program:
    """A Program from its JSON form; anything outside the DSL's vocabulary is refused."""
    return Program(_decode(data, depth=0))


def _decode(data: Any, depth: int) -> Any:
    if depth > 12:
        raise ProgramFormatError("program nests too deeply")
    if not isinstance(data, dict) or data.get("node") not in NODE_TYPES:
        raise ProgramFormatError(f"not a DSL node: {str(data)[:80]}")
    cls = NODE_TYPES[data["node"]]
    values = {}
    for slot in dataclasses.fields(cls):
        if slot.name not in data:
            if slot.default is not dataclasses.MISSING:
                continue  # a field added later (If.test): older programs keep its default
            raise ProgramFormatError(f"{cls.__name__} lacks {slot.name!r}")
        raw = data[slot.name]
        values[slot.name] = _decode(raw, depth + 1) if isinstance(raw, dict) else raw
    node = cls(**values)
    _check_vocabulary(node)
    return node


def _check_vocabulary(node: Any) -> None:
    if isinstance(node, dsl.Feature) and node.name not in TEXT_FEATURES:
        raise ProgramFormatError(f"unknown feature {node.name!r}")
    if isinstance(node, (dsl.Item, dsl.Parts)) and node.source not in LIST_SOURCES:
        raise ProgramFormatError(f"unknown list source {node.source!r}")
    if isinstance(node, (dsl.Case, dsl.MapCase)) and node.case not in CASES:
        raise ProgramFormatError(f"unknown case {node.case!r}")
    if isinstance(node, dsl.If) and node.test not in dsl.TESTS:
        raise ProgramFormatError(f"unknown condition test {node.test!r}")
    if isinstance(node, dsl.If) and node.feature not in (*TEXT_FEATURES, "folders"):
        raise ProgramFormatError(f"unknown condition feature {node.feature!r}")
    for slot in dataclasses.fields(node):
        value = getattr(node, slot.name)
        if not dataclasses.is_dataclass(value) and not isinstance(value, (str, int)):
            raise ProgramFormatError(f"{type(node).__name__}.{slot.name} has a bad value")


def decode_alternatives(provenance: dict[str, Any] | None) -> list[Program]:
    """The synthesised programs a saved program's provenance carries (empty for LLM-written ones)."""
    found = []
    for data in (provenance or {}).get("dsl") or []:
        try:
            found.append(decode_program(data))
        except (ProgramFormatError, TypeError, ValueError):
            continue
    return found


# -- files -------------------------------------------------------------------


def program_path(workspace: Path, task: str, version: int) -> Path:
    """`.scion/learned/<template id>/<question>/v<N>.py`; every part made safe for a file name."""
    template_id, _, question = task.rpartition(":")
    parts = [*template_id.split("/"), question] if template_id else [question]
    safe = [SAFE_PART.sub("_", part).strip(".") or "_" for part in parts]
    return workspace / ".scion" / "learned" / Path(*safe) / f"v{version}.py"


def write_program_file(workspace: Path | None, task: str, version: int, source: str) -> Path | None:
    if workspace is None:
        return None
    path = program_path(workspace, task, version)
    atomic_write(path, source)
    return path


def source_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def trimmed_features(features: dict[str, Any]) -> dict[str, Any]:
    return {key: features[key] for key in EXAMPLE_FEATURES if key in features}


# -- export ------------------------------------------------------------------


def export_library(store: Store, path: Path) -> int:
    """Write every active program, with up to 50 of its kept examples; returns how many."""
    entries = []
    for task in store.tasks():
        row = store.active_program(task)
        if row is None:
            continue
        kept = store.executions(task, limit=MAX_EXPORTED_EXAMPLES, kept=True)
        entries.append(
            {
                "task": task,
                "version": row["version"],
                "source": row["source"],
                "sha256": source_digest(row["source"]),
                "held_out_accuracy": row["held_out_accuracy"],
                "provenance": row["provenance"] or {},
                "examples": [
                    {"ctx": trimmed_features(example["features"] or {}), "answer": example["answer"]}
                    for example in kept
                    if isinstance(example["answer"], str)
                ],
            }
        )
    library = {
        "format": LIBRARY_FORMAT,
        "version": LIBRARY_VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "programs": entries,
    }
    atomic_write(path, json.dumps(library, indent=1, ensure_ascii=False, default=str) + "\n")
    return len(entries)


# -- import ------------------------------------------------------------------


@dataclass
class ImportReport:
    accepted: list[dict[str, Any]] = field(default_factory=list)  # {task, version, path}
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {task, reason}

    def as_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "rejected": self.rejected}


def read_library(path: Path) -> list[dict[str, Any]]:
    try:
        library = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ScionError(f"cannot read {path}: {error}") from error
    except ValueError as error:
        raise ScionError(f"{path} is not JSON: {error}") from error
    if not isinstance(library, dict) or library.get("format") != LIBRARY_FORMAT:
        raise ScionError(f"{path} is not a Scion pattern library")
    if library.get("version") != LIBRARY_VERSION:
        raise ScionError(
            f"{path} has library format version {library.get('version')}; this Scion reads {LIBRARY_VERSION}"
        )
    programs = library.get("programs")
    if not isinstance(programs, list):
        raise ScionError(f"{path} has no program list")
    return programs


def import_library(
    store: Store, workspace: Path | None, path: Path, min_accuracy: float, *, dry_run: bool = False
) -> ImportReport:
    """Validate every entry again and save the ones that pass as new program versions."""
    report = ImportReport()
    for entry in read_library(path):
        task = entry.get("task") if isinstance(entry, dict) else None
        if not isinstance(task, str) or ":" not in task:
            report.rejected.append({"task": str(task), "reason": "the entry names no task"})
            continue
        problem = validate_entry(entry, store.executions(task, limit=200, kept=True), min_accuracy)
        if problem is not None:
            report.rejected.append({"task": task, "reason": problem})
            continue
        if dry_run:
            report.accepted.append({"task": task, "version": None, "path": None})
            continue
        provenance = {
            **(entry.get("provenance") or {}),
            "origin": "import",
            "imported_from": str(path),
            "imported_version": entry.get("version"),
        }
        version = store.save_program(task, entry["source"], provenance, entry.get("held_out_accuracy"))
        written = write_program_file(workspace, task, version, entry["source"])
        report.accepted.append({"task": task, "version": version, "path": str(written) if written else None})
    return report


def validate_entry(entry: dict[str, Any], local_kept: list[dict[str, Any]], min_accuracy: float) -> str | None:
    """Why this library entry must not be used, or None when it passes every check."""
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        return "no source"
    if entry.get("sha256") != source_digest(source):
        return "the source does not match its sha256 (edited after export)"
    violations = check_source(source)
    if violations:
        return "the source breaks the sandbox rules: " + "; ".join(violations[:3])
    examples = [
        (example["ctx"], example["answer"])
        for example in entry.get("examples") or []
        if isinstance(example, dict) and isinstance(example.get("ctx"), dict) and isinstance(example.get("answer"), str)
    ]
    if not examples:
        return "no examples to check the program against"
    try:
        alternatives = [decode_program(data) for data in (entry.get("provenance") or {}).get("dsl") or []]
    except (ProgramFormatError, TypeError, ValueError) as error:
        return f"bad DSL in the provenance: {error}"
    if alternatives and any(alternatives[0].evaluate(ctx) != answer for ctx, answer in examples):
        return "its DSL program does not give its own examples' answers"
    results = run_in_sandbox(source, FUNC_NAME, [ctx for ctx, _ in examples])
    failed = [result.error for result in results if not result.ok]
    if failed:
        return f"the program failed in the sandbox: {failed[0]}"
    if any(result.value != answer for result, (_, answer) in zip(results, examples, strict=False)):
        return "the program does not give its own examples' answers"
    local = [(row["features"], row["answer"]) for row in local_kept if isinstance(row.get("answer"), str)]
    if local:
        checked = run_in_sandbox(source, FUNC_NAME, [trimmed_features(ctx) for ctx, _ in local])
        right = sum(result.ok and result.value == answer for result, (_, answer) in zip(checked, local, strict=False))
        if right / len(local) < min_accuracy:
            return f"it gets {right} of {len(local)} of this workspace's kept answers right (below {min_accuracy:.0%})"
    return None
