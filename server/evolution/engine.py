"""Learned tasks: from recorded answers to verified programs, and from the teacher to code.

`LearnedTasks.run()` looks at every task ("<template id>:<question>") once:

1. Program. The kept answers are the examples. When the task has no program, or
   its program gets a recent kept answer wrong, synthesis searches the DSL
   (in a process pool when one is given: it is CPU work), and the LLM, when
   configured, writes a function too. Each candidate is measured on held-out
   examples in the sandbox; the best one that clears the kept-rate bar is saved
   as `.scion/learned/<template>/<question>/v<N>.py` and as a new active version.
2. Stage. The evidence since the task's last transition decides promotion or
   demotion (`stages.next_stage`). Code answers are judged in shadow as well:
   for an answer the teacher gave, would the program have given the same one?
   A user correcting a pre-filled program answer is recorded as a user answer,
   so counting only the program's own answers would never see its mistakes.

`code_answer()` is the request-path half: the active program's consistent DSL
alternatives vote on the new input (interpreted here, never executed), an
LLM-written program votes through the sandbox, and the stage says whether the
answer is settled. Every decision lands in the store: programs with their
provenance (including the candidates that lost), transitions with reasons.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.common.jsonish import to_json
from server.common.progress import Progress, ProgressCallback
from server.evolution.coverage import Envelope
from server.evolution.drift import change_point, drift_reason, evidence_rows
from server.evolution.dsl import If, Program
from server.evolution.llm import LlmConfig, LlmUnavailable, write_program
from server.evolution.programs import (
    FUNC_NAME,
    decode_alternatives,
    decode_program,
    encode_program,
    program_path,
    trimmed_features,
    write_program_file,
)
from server.evolution.sandbox import check_source, run_in_sandbox
from server.evolution.stages import LLM_ONLY, STAGES, StageStats, StageThresholds, next_stage, who_answers
from server.evolution.synthesis import Example, confidence, learned_program_source, synthesize
from server.evolution.versions import judged_after, set_aside

if TYPE_CHECKING:
    from server.common.config import EvolutionSettings
    from server.store import Store
    from server.templates.catalog import Catalog

log = logging.getLogger("scion.evolution")

MIN_EXAMPLES = 3
MAX_EXAMPLES = 200  # the most recent kept answers; older conventions fade out
MAX_WINDOW = 5000
HOLDOUT_EVERY = 3
ALTERNATIVES_KEPT = 8
SANDBOX_TIMEOUT_S = 5.0


# -- search (picklable: runs in a worker process) ----------------------------


@dataclass(frozen=True)
class Search:
    """Programs found on the training split (for the held-out check) and on every example."""

    trained: list[Program]
    full: list[Program]


def search_programs(examples: list[tuple[dict[str, Any], str]], budget_s: float) -> Search:
    training, _ = split(examples)
    return Search(synthesize(training, time_budget_s=budget_s), synthesize(examples, time_budget_s=budget_s))


def split(examples: list[Any]) -> tuple[list[Any], list[Any]]:
    """Training and held-out examples: every third one is held out."""
    held = [e for i, e in enumerate(examples) if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1]
    training = [e for i, e in enumerate(examples) if i % HOLDOUT_EVERY != HOLDOUT_EVERY - 1]
    return training, held


# -- what answers a task -----------------------------------------------------


class SandboxedProgram:
    """A program with no DSL form (written by the LLM, or imported): it runs only in the sandbox.

    It votes beside the DSL alternatives with the weight of the smallest of them.
    """

    def __init__(self, source: str, size: int) -> None:
        self.source = source
        self.size = size

    def evaluate(self, features: dict[str, Any]) -> str | None:
        return self.evaluate_all([features])[0]

    def evaluate_all(self, inputs: list[dict[str, Any]]) -> list[str | None]:
        results = run_in_sandbox(
            self.source, FUNC_NAME, [trimmed_features(f) for f in inputs], timeout_s=SANDBOX_TIMEOUT_S
        )
        return [r.value if r.ok and isinstance(r.value, str) and r.value else None for r in results]

    def __str__(self) -> str:
        return "sandboxed infer(ctx)"


@dataclass(frozen=True)
class TaskModel:
    """The active program of a task as the provider uses it."""

    version: int
    origin: str
    programs: list[Any]  # DSL Programs still consistent with the kept answers, plus a SandboxedProgram
    support: int  # kept answers the best program agrees with: the evidence behind confidence
    # Its own answers rejected in a row, most recent last: each one halves its confidence.
    rejected_in_a_row: int = 0
    envelope: Envelope = field(default_factory=lambda: Envelope.of([]))  # what its examples looked like


@dataclass(frozen=True)
class CodeAnswer:
    value: str
    confidence: float
    version: int
    settled: bool


@dataclass(frozen=True)
class ProgramCandidate:
    """A program proposed for a task (by synthesis or the LLM), and what validating it found."""

    origin: str  # "synthesis" or "llm"
    program: str  # a readable summary
    source: str | None  # its Python; None when the LLM gave none
    accuracy: float | None  # on the held-out examples; None when none were held out
    dsl: list[Any] = field(default_factory=list)  # the encoded DSL alternatives (synthesis only)
    rejected: str | None = None  # why it cannot be used; None: valid

    def summary(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "held_out_accuracy": self.accuracy,
            "rejected": self.rejected,
            "program": self.program,
        }


@dataclass(frozen=True)
class FoundProgram:
    """The best valid candidate, with every candidate that competed (for the provenance)."""

    winner: ProgramCandidate
    examples: int
    candidates: list[ProgramCandidate]
    convention_from: int | None = None  # the change point (an execution id) when learned after drift

    @property
    def conditional(self) -> bool:
        """Whether the winner branches (an `If` at its root): a weaker explanation than a straight program."""
        return self.winner.origin == "synthesis" and isinstance(decode_program(self.winner.dsl[0]).root, If)

    def public(self) -> dict[str, Any]:
        """What a report shows of it."""
        return {
            "origin": self.winner.origin,
            "program": self.winner.program,
            "held_out_accuracy": self.winner.accuracy,
            "examples": self.examples,
            "candidates": [candidate.summary() for candidate in self.candidates],
        }

    def printable(self) -> Program | str:
        """What `learned_program_source` prints: the DSL program itself, or the LLM's source."""
        if self.winner.origin == "synthesis":
            return decode_program(self.winner.dsl[0])
        return self.winner.source or ""


# -- reports -----------------------------------------------------------------


@dataclass
class TaskReport:
    task: str
    stage: str
    new_stage: str | None = None
    reason: str | None = None
    program_version: int | None = None
    new_program: dict[str, Any] | None = None  # {origin, program, held_out_accuracy, examples, path}
    notes: list[str] = field(default_factory=list)


@dataclass
class EvolutionReport:
    dry_run: bool
    tasks: list[TaskReport] = field(default_factory=list)
    cancelled: bool = False
    improvement: Any = None
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "dryRun": self.dry_run,
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
            "tasks": [asdict(task) for task in self.tasks],
            "promoted": sum(1 for t in self.tasks if t.new_stage and _higher(t.new_stage, t.stage)),
            "demoted": sum(1 for t in self.tasks if t.new_stage and _higher(t.stage, t.new_stage)),
            "programs": sum(1 for t in self.tasks if t.new_program),
            "improvement": to_json(self.improvement),
        }


def _higher(a: str, b: str) -> bool:
    return STAGES.index(a) > STAGES.index(b)


# -- the engine --------------------------------------------------------------


def thresholds_from(settings_evolution: EvolutionSettings) -> StageThresholds:
    """Stage thresholds from `scion.evolution.*`; demotion needs as many code answers as promotion
    needs executions, up to the default 20."""
    minimum = settings_evolution.min_executions
    return StageThresholds(
        min_executions=minimum,
        min_kept_rate=settings_evolution.min_kept_rate,
        hybrid_confidence=settings_evolution.hybrid_confidence,
        code_first_confidence=settings_evolution.code_first_confidence,
        min_code_answers=max(1, min(StageThresholds.min_code_answers, minimum)),
    )


class LearnedTasks:
    def __init__(
        self,
        store: Store,
        workspace: Path | None,
        thresholds: StageThresholds | None = None,
        llm: LlmConfig | None = None,
        *,
        executor: Executor | None = None,
        synthesis_budget_s: float = 2.0,
    ) -> None:
        self.store = store
        self.workspace = workspace
        self.thresholds = thresholds or StageThresholds()
        self.llm = llm
        self.executor = executor
        self.synthesis_budget_s = synthesis_budget_s
        self._models: dict[tuple[str, int], TaskModel] = {}
        self._lock = threading.Lock()

    def tasks(self) -> list[str]:
        """Tasks with answers or a stage, and tasks that only have a program (imported ones)."""
        return sorted(set(self.store.tasks()) | {row["task"] for row in self.store.programs()})

    # -- request path ---------------------------------------------------------

    def code_answer(self, task: str, features: dict[str, Any]) -> CodeAnswer | None:
        """The program's answer for new features, or None when there is none or its programs disagree."""
        model = self.model(task)
        if model is None or not model.programs:
            return None
        value, sure = confidence(model.programs, features, n_examples=model.support, unlike=model.envelope.unlike)
        if value is None:
            return None
        sure = round(sure * 0.5**model.rejected_in_a_row, 4)
        settled = who_answers(self.store.get_stage(task), sure, self.thresholds) == "code"
        return CodeAnswer(value, sure, model.version, settled)

    def model(self, task: str) -> TaskModel | None:
        row = self.store.active_program(task)
        if row is None:
            return None
        key = (task, row["version"])
        with self._lock:
            cached = self._models.get(key)
        if cached is not None:
            return cached
        model = self._build_model(task, row)
        with self._lock:
            self._models = {k: v for k, v in self._models.items() if k[0] != task}
            self._models[key] = model
        return model

    def _build_model(self, task: str, row: dict[str, Any]) -> TaskModel:
        provenance = row.get("provenance") or {}
        origin = provenance.get("origin", "synthesis")
        since = provenance.get("convention_from") or 0
        aside = set_aside(provenance) or (0, 0)
        examples = [
            (features, answer)
            for row_id, features, answer in self.kept(task)
            if row_id >= since and not aside[0] < row_id <= aside[1]
        ]
        alternatives = decode_alternatives(provenance)
        consistent = [p for p in alternatives if all(p.evaluate(ctx) == answer for ctx, answer in examples)]
        programs: list[Any] = list(consistent)
        if origin != "synthesis":
            sandboxed = SandboxedProgram(row["source"], min((p.size for p in consistent), default=1))
            if not examples or sandboxed.evaluate_all([c for c, _ in examples]) == [a for _, a in examples]:
                programs.append(sandboxed)
        best = programs[0] if programs else None
        if best is None:
            support = 0
        elif isinstance(best, SandboxedProgram):
            support = len(examples)  # it was just checked against all of them
        else:
            support = sum(best.evaluate(ctx) == answer for ctx, answer in examples)
        return TaskModel(
            row["version"],
            origin,
            programs,
            support,
            self._rejected_in_a_row(task, row["version"]),
            Envelope.of(examples),
        )

    def _rejected_in_a_row(self, task: str, version: int) -> int:
        """How many of this version's own decided answers were rejected since the last one that was kept."""
        run = 0
        for row in self.store.executions(task, limit=MAX_EXAMPLES):
            if row["producer"] != "code" or row["program_version"] != version or row["kept"] is None:
                continue
            run = 0 if row["kept"] else run + 1
        return run

    def forget_models(self) -> None:
        with self._lock:
            self._models.clear()

    # -- examples -------------------------------------------------------------

    def kept(self, task: str) -> list[tuple[int, dict[str, Any], str]]:
        """Recent kept text answers as (execution id, features, answer), oldest first, without repeats."""
        seen = set()
        found = []
        for row in self.store.executions(task, limit=MAX_EXAMPLES, kept=True):
            answer = row["answer"]
            if not isinstance(answer, str) or not answer:
                continue
            features = row["features"] or {}
            key = (json.dumps(trimmed_features(features), sort_keys=True, default=str), answer)
            if key in seen:
                continue
            seen.add(key)
            found.append((row["id"], features, answer))
        return found

    def examples(self, task: str) -> list[tuple[dict[str, Any], str]]:
        return [(features, answer) for _, features, answer in self.kept(task)]

    # -- background run -------------------------------------------------------

    def run(
        self,
        *,
        dry_run: bool = False,
        progress: ProgressCallback | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> EvolutionReport:
        started = time.perf_counter()
        report = EvolutionReport(dry_run=dry_run)
        tasks = self.tasks()
        for index, task in enumerate(tasks):
            if should_stop is not None and should_stop():
                report.cancelled = True
                break
            if progress is not None:
                progress(Progress(f"learned task {task}", index, len(tasks)))
            try:
                report.tasks.append(self.evolve_task(task, dry_run=dry_run))
            except Exception as error:  # one broken task must not stop the others
                log.exception("evolving %s failed", task)
                report.tasks.append(TaskReport(task, self.store.get_stage(task), notes=[f"failed: {error}"]))
        self.forget_models()
        report.seconds = time.perf_counter() - started
        return report

    def evolve_task(self, task: str, *, dry_run: bool = False) -> TaskReport:
        report = TaskReport(task, self.store.get_stage(task))
        kept = self.kept(task)
        active = self.store.active_program(task)
        found = None
        drifted_from: int | None = None
        if self._needs_program(active, kept, report):
            found, drifted_from = self._learn(task, kept, active, report)
            if found is not None and not dry_run:
                active = self._save(task, found, max(row_id for row_id, _, _ in kept), report)
            elif found is not None:
                report.new_program = found.public()
        report.program_version = active["version"] if active else None
        current = report.stage
        if drifted_from is not None and current != LLM_ONLY:
            # The program was wrong about the current convention: it earns its stages again.
            reason = drift_reason(report.program_version or 0, len(kept) - kept_index(kept, drifted_from))
            report.new_stage, report.reason, current = LLM_ONLY, reason, LLM_ONLY
            if not dry_run:
                self.store.set_stage(task, LLM_ONLY, reason)
                log.info("task %s: %s -> %s (%s)", task, report.stage, LLM_ONLY, reason)
        stats = self.stage_stats(task, active)
        if dry_run and found is not None:
            stats = replace(stats, has_program=True)  # the program a real run would have saved
        self._decide_stage(task, current, stats, report, dry_run)
        return report

    def _learn(
        self, task: str, kept: list[tuple[int, dict[str, Any], str]], active: dict[str, Any] | None, report: TaskReport
    ) -> tuple[FoundProgram | None, int | None]:
        """A program for the kept answers, and the change point (an execution id) when the convention drifted.

        See drift.py: a straight program for every kept answer wins; else, when
        the active program is refuted, a straight program for the answers since
        the change point; else a conditional program for every kept answer.
        """
        whole = self._find_program(task, [(features, answer) for _, features, answer in kept], report)
        if active is None or (whole is not None and not whole.conditional):
            return whole, None
        program = primary_program(active)
        start = change_point(kept, lambda inputs: answers_of(program, inputs), judged_after(active.get("provenance")))
        if start is None or start == 0:
            return whole, None
        recent = kept[start:]
        convention_from = recent[0][0]
        report.notes.append(f"change point at execution {convention_from}: {len(recent)} kept answers since")
        if len(recent) >= MIN_EXAMPLES:
            since = self._find_program(task, [(features, answer) for _, features, answer in recent], report)
            if since is not None and (whole is None or not since.conditional):
                return replace(since, convention_from=convention_from), convention_from
        if whole is not None:
            return whole, None
        return None, convention_from

    def _needs_program(self, active: dict[str, Any] | None, kept: list[Any], report: TaskReport) -> bool:
        if len(kept) < MIN_EXAMPLES:
            report.notes.append(f"{len(kept)} kept text answers; synthesis needs {MIN_EXAMPLES}")
            return False
        if active is None:
            return True
        since = judged_after(active.get("provenance"))
        recent = [(features, answer) for row_id, features, answer in kept if row_id > since]
        got = answers_of(primary_program(active), [features for features, _ in recent])
        wrong: int = sum(answer != expected for answer, (_, expected) in zip(got, recent, strict=False))
        if wrong:
            report.notes.append(f"program v{active['version']} got {wrong} of {len(recent)} recent kept answers wrong")
        return wrong > 0

    # -- finding a program ----------------------------------------------------

    def _find_program(self, task: str, examples: list[Example], report: TaskReport) -> FoundProgram | None:
        """The best validated candidate, with every candidate that competed."""
        training, held = split(examples)
        bar = self.thresholds.min_kept_rate
        candidates: list[ProgramCandidate] = []
        search = self._search(examples)
        if search.trained and search.full:
            accuracy = _sandbox_accuracy(search.trained[0].to_python(FUNC_NAME), held)
            source = search.full[0].to_python(FUNC_NAME)
            faithful = _sandbox_accuracy(source, examples) == 1.0
            candidates.append(
                ProgramCandidate(
                    origin="synthesis",
                    program=str(search.full[0]),
                    source=source,
                    accuracy=accuracy,
                    dsl=[encode_program(p) for p in search.full[:ALTERNATIVES_KEPT]],
                    rejected=None if faithful else "its Python does not reproduce the examples in the sandbox",
                )
            )
        else:
            report.notes.append("synthesis found no program consistent with the kept answers")
        if self.llm is not None:
            candidates.append(self._llm_candidate(self.llm, task, training, held))
        candidates = [
            replace(c, rejected=f"held-out accuracy {c.accuracy:.0%} is below {bar:.0%}")
            if c.rejected is None and c.accuracy is not None and c.accuracy < bar
            else c
            for c in candidates
        ]
        valid = [c for c in candidates if c.rejected is None]
        for candidate in candidates:
            if candidate.rejected:
                report.notes.append(f"{candidate.origin} candidate rejected: {candidate.rejected}")
        if not valid:
            return None
        # Synthesis first on a tie: it is smaller, local and explains itself.
        winner = max(valid, key=lambda c: (c.accuracy if c.accuracy is not None else 1.0, c.origin == "synthesis"))
        return FoundProgram(winner, len(examples), candidates)

    def _search(self, examples: list[Any]) -> Search:
        if self.executor is None:
            return search_programs(examples, self.synthesis_budget_s)
        return self.executor.submit(search_programs, examples, self.synthesis_budget_s).result()

    def _llm_candidate(
        self, llm: LlmConfig, task: str, training: list[Example], held: list[Example]
    ) -> ProgramCandidate:
        candidate = ProgramCandidate(origin="llm", program="LLM-written infer(ctx)", source=None, accuracy=None)
        try:
            source = write_program(llm, task, training)
        except LlmUnavailable as error:
            return replace(candidate, rejected=f"no program from the LLM: {error}")
        violations = check_source(source)
        if violations:
            return replace(candidate, rejected="breaks the sandbox rules: " + "; ".join(violations[:3]))
        if _sandbox_accuracy(source, training) != 1.0:
            return replace(candidate, source=source, rejected="does not reproduce its own examples in the sandbox")
        return replace(candidate, source=source, accuracy=_sandbox_accuracy(source, held))

    def _save(self, task: str, found: FoundProgram, trained_through: int, report: TaskReport) -> dict[str, Any]:
        winner = found.winner
        provenance = {
            "origin": winner.origin,
            "program": winner.program,
            "examples": found.examples,
            "held_out_accuracy": winner.accuracy,
            "dsl": winner.dsl if winner.origin == "synthesis" else [],
            "candidates": [candidate.summary() for candidate in found.candidates],
            # Answers after this execution are new evidence: they judge the program.
            "trained_through": trained_through,
            # Set after drift: the first answer of the current convention; older answers are history.
            "convention_from": found.convention_from,
        }
        source = learned_program_source(found.printable(), task, found.examples, winner.accuracy)
        version = self.store.save_program(task, source, provenance, winner.accuracy)
        path = write_program_file(self.workspace, task, version, source)
        report.new_program = {**found.public(), "version": version, "path": str(path) if path else None}
        log.info("task %s: program v%d (%s) from %d examples", task, version, winner.origin, found.examples)
        saved = self.store.active_program(task)
        if saved is None:
            raise RuntimeError(f"program v{version} of {task} was saved but is not active")
        return saved

    # -- stages ---------------------------------------------------------------

    def _decide_stage(self, task: str, current: str, stats: StageStats, report: TaskReport, dry_run: bool) -> None:
        move = next_stage(current, stats, self.thresholds)
        if move is None:
            return
        earlier = f"{report.reason}; then " if report.new_stage else ""
        report.new_stage, report.reason = move[0], earlier + move[1]
        if not dry_run:
            self.store.set_stage(task, move[0], move[1])
            log.info("task %s: %s -> %s (%s)", task, current, move[0], move[1])

    def stage_stats(self, task: str, active: dict[str, Any] | None) -> StageStats:
        """Evidence since the last transition; code answers judged since the program was trained."""
        transitions = self.store.transitions(task)
        convention_from = ((active or {}).get("provenance") or {}).get("convention_from")
        rows = evidence_rows(
            self.store.executions(task, limit=MAX_WINDOW), transitions[-1] if transitions else None, convention_from
        )
        known = [row for row in rows if row["kept"] is not None]
        kept_rate = sum(row["kept"] for row in known) / len(known) if known else None
        if active is None:
            return StageStats(len(rows), kept_rate, has_program=False)
        since = judged_after(active.get("provenance"))
        judged, right = self._judge_code(active, [row for row in known if row["id"] > since])
        return StageStats(len(rows), kept_rate, judged, right / judged if judged else None, has_program=True)

    def _judge_code(self, active: dict[str, Any], rows: list[dict[str, Any]]) -> tuple[int, int]:
        """How many of these answers the active program is judged on, and how many it got right.

        Its own answers count as given. For the teacher's, what the program would
        have answered is compared with the kept answer; a rejected answer counts
        against the program only when the program would have given that same answer.
        """
        others = [row for row in rows if row["producer"] != "code"]
        would = answers_of(primary_program(active), [row["features"] or {} for row in others])
        predicted = dict(zip((row["id"] for row in others), would, strict=False))
        judged = right = 0
        for row in rows:
            answer = row["answer"] if row["producer"] == "code" else predicted.get(row["id"])
            if answer is None:
                continue
            if row["kept"]:
                judged += 1
                right += answer == row["answer"]
            elif answer == row["answer"]:
                judged += 1
        return judged, right

    # -- status ---------------------------------------------------------------

    def status(self) -> list[dict[str, Any]]:
        """One row per task: stage, executions, kept rate, active program, last transition."""
        rows = []
        for task in self.tasks():
            counts = self.store.task_stats(task)
            active = self.store.active_program(task)
            transitions = self.store.transitions(task)
            provenance = (active or {}).get("provenance") or {}
            rows.append(
                {
                    "task": task,
                    "stage": counts["stage"],
                    "executions": counts["executions"],
                    "keptRate": counts["kept_rate"],
                    "codeExecutions": counts["code_executions"],
                    "codeKeptRate": counts["code_kept_rate"],
                    "program": None
                    if active is None
                    else {
                        "version": active["version"],
                        "origin": provenance.get("origin"),
                        "summary": provenance.get("program"),
                        "heldOutAccuracy": active["held_out_accuracy"],
                        "path": str(program_path(self.workspace, task, active["version"])) if self.workspace else None,
                    },
                    "lastTransition": None
                    if not transitions
                    else {
                        "from": transitions[-1]["from_stage"],
                        "to": transitions[-1]["to_stage"],
                        "reason": transitions[-1]["reason"],
                        "at": transitions[-1]["at"],
                    },
                }
            )
        return rows


def kept_index(kept: list[tuple[int, dict[str, Any], str]], execution_id: int) -> int:
    """Where an execution is among the kept answers (oldest first)."""
    return next(index for index, (row_id, _, _) in enumerate(kept) if row_id == execution_id)


def primary_program(active: dict[str, Any]) -> Program | SandboxedProgram:
    """The program a saved version stands for: its first DSL program, else its source in the sandbox."""
    alternatives = decode_alternatives(active.get("provenance"))
    return alternatives[0] if alternatives else SandboxedProgram(active["source"], 1)


def answers_of(program: Program | SandboxedProgram, inputs: list[dict[str, Any]]) -> list[str | None]:
    if not inputs:
        return []
    if isinstance(program, SandboxedProgram):
        return program.evaluate_all(inputs)
    return [program.evaluate(features) for features in inputs]


def _sandbox_accuracy(source: str, examples: list[Any]) -> float | None:
    """Share of examples the source answers right when run in the sandbox; None with no examples."""
    if not examples:
        return None
    results = run_in_sandbox(
        source, FUNC_NAME, [trimmed_features(ctx) for ctx, _ in examples], timeout_s=SANDBOX_TIMEOUT_S
    )
    right: int = sum(r.ok and r.value == answer for r, (_, answer) in zip(results, examples, strict=False))
    return right / len(examples)


# -- one whole evolution run: learned tasks, then template self-improvement ----


def run_evolution(
    store: Store,
    catalog: Catalog,
    workspace: Path | None,
    settings_evolution: EvolutionSettings,
    llm_config: LlmConfig | None,
    *,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    engine: LearnedTasks | None = None,
) -> EvolutionReport:
    """What `scion evolve` and the server's background run both do."""
    engine = engine or LearnedTasks(store, workspace, thresholds_from(settings_evolution), llm_config)
    report = engine.run(dry_run=dry_run, progress=progress, should_stop=should_stop)
    if report.cancelled:
        return report
    report.improvement = improve_templates(store, catalog, workspace, settings_evolution, llm_config, progress, dry_run)
    return report


def improve_templates(
    store: Store,
    catalog: Catalog,
    workspace: Path | None,
    settings_evolution: EvolutionSettings,
    llm_config: LlmConfig | None,
    progress: ProgressCallback | None,
    dry_run: bool,
) -> dict[str, Any]:
    """Template self-improvement (server/evolution/improve.py); a failure is reported, never raised."""
    from server.evolution.improve import run_improvement

    try:
        return run_improvement(store, catalog, workspace, settings_evolution, llm_config, progress, dry_run=dry_run)
    except Exception as error:  # improvement failing must not lose the learned-task report
        log.exception("template self-improvement failed")
        return {"error": str(error)}
