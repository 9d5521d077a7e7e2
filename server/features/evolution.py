"""The evolution engine in the server: answer providers, background runs after verdicts, commands.

- Providers: `program_provider` (the learned program of a task) and `llm_provider`
  (the LLM teacher) are what `answering.providers_for` plugs into answer
  resolution. They may run in a worker thread.
- Runs: a verdict schedules one run, debounced by `scion.evolution.debounce`, so a
  burst of verdicts costs one run. The run's Python work goes through a thread and
  synthesis through a one-worker process pool (spawned, with stdout pointed at
  stderr: stdout is the LSP stream), so the event loop keeps answering requests.
  One run at a time; it reports `$/progress` and stops between tasks when the
  client cancels or the server shuts down.
- Commands: `scion.evolve {dryRun?}` runs now and returns the summary;
  `scion.evolveStatus {}` lists every task's stage, evidence and program.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from typing import TYPE_CHECKING

from lsprotocol import types

from server.common.errors import ScionError
from server.features.arguments import command_argument, optional
from server.lsp import ScionServer

if TYPE_CHECKING:  # the engine (synthesis, sandbox) loads on first use, not at start-up
    from concurrent.futures import ProcessPoolExecutor

    from server.evolution.engine import LearnedTasks
    from server.evolution.teacher import LlmTeacher
from server.common.progress import Progress
from server.store import task_name
from server.templates.answers import Candidate

log = logging.getLogger("scion.evolution")

EVOLVE = "scion.evolve"
STATUS = "scion.evolveStatus"


def register(server: ScionServer) -> None:
    service = EvolutionService(server)
    server.evolution = service
    server.on_verdict.append(service.verdict_heard)

    @server.command(EVOLVE)
    async def evolve(ls: ScionServer, *args) -> dict:
        options = command_argument(EVOLVE, args, {"dryRun": optional("bool")}, may_be_absent=True)
        return await ls.require_evolution().run(dry_run=options.get("dryRun", False))

    @server.command(STATUS)
    async def status(ls: ScionServer, *args) -> dict:
        return await ls.require_evolution().status()


def _quiet_worker() -> None:
    # A worker inherits the server's stdout, which is the LSP stream: nothing may reach it.
    os.dup2(2, 1)
    sys.stdout = sys.stderr


class EvolutionService:
    def __init__(self, server: ScionServer) -> None:
        self.server = server
        self._engine: LearnedTasks | None = None
        self._engine_key: tuple | None = None
        self._teacher: LlmTeacher | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._run_lock: asyncio.Lock | None = None
        self._stop = threading.Event()
        self._closed = False
        self.runs = 0
        self.last_report: dict | None = None

    # -- the engine for the current store and settings ------------------------

    def engine(self) -> LearnedTasks | None:
        from server.evolution.engine import LearnedTasks, thresholds_from
        from server.evolution.teacher import llm_config_from

        server = self.server
        if server.store is None:
            return None
        thresholds = thresholds_from(server.settings.evolution)
        llm = llm_config_from(server.settings.llm)
        key = (id(server.store), thresholds, llm, server.workspace_root)
        if self._engine is None or self._engine_key != key:
            self._engine = LearnedTasks(server.store, server.workspace_root, thresholds, llm, executor=self._executor())
            self._engine_key = key
        return self._engine

    def teacher(self) -> LlmTeacher | None:
        from server.evolution.teacher import LlmTeacher, llm_config_from

        config = llm_config_from(self.server.settings.llm)
        if config is None:
            return None
        if self._teacher is None or self._teacher.config != config:
            self._teacher = LlmTeacher(config)
        return self._teacher

    def _executor(self) -> ProcessPoolExecutor | None:
        if self._closed:
            return None
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet_worker
            )
        return self._pool

    # -- answer providers ------------------------------------------------------

    def program_provider(self, template, question, answers: dict, features: dict) -> Candidate | None:
        if not self.server.settings.evolution.enabled or question.secret:
            return None
        engine = self.engine()
        if engine is None:
            return None
        found = engine.code_answer(task_name(template.id, question.name), features)
        if found is None:
            return None
        return Candidate(found.value, "learned_program", confidence=found.confidence, settled=found.settled)

    def llm_provider(self, template, question, answers: dict, features: dict) -> Candidate | None:
        teacher = self.teacher()
        if teacher is None:
            return None
        value = teacher.answer(template, question, answers, features)
        if value is None:
            return None
        # No evidence stands behind a single LLM answer, so it claims none; it is only a pre-fill.
        return Candidate(value, "llm", confidence=0.0, settled=False)

    # -- background runs -------------------------------------------------------

    def verdict_heard(self, generation_id: str, verdict: str) -> None:
        self.schedule()

    def schedule(self) -> None:
        """A run soon (debounced): after a verdict, or when teammates' answers arrived from the hub."""
        settings = self.server.settings.evolution
        if not settings.enabled or self._closed:
            return
        self.server.background.debounce("evolution", settings.debounce, self._run_in_background)

    async def _run_in_background(self) -> None:
        try:
            await self.run(dry_run=False)
        except ScionError as error:
            log.warning("evolution run failed: %s", error)

    async def run(self, *, dry_run: bool) -> dict:
        if self._closed:
            raise ScionError("the server is shutting down")
        await self.server.ready()
        if self._run_lock is None:
            self._run_lock = asyncio.Lock()
        async with self._run_lock:
            engine = self.engine()
            if engine is None:
                raise ScionError("scion.evolve: the server is not initialised yet")
            from server.evolution.engine import run_evolution
            from server.evolution.teacher import llm_config_from

            progress = await self._begin_progress(dry_run)
            try:
                report = await asyncio.to_thread(
                    run_evolution,
                    self.server.require_store(),
                    self.server.require_catalog(),
                    self.server.workspace_root,
                    self.server.settings.evolution,
                    llm_config_from(self.server.settings.llm),
                    dry_run=dry_run,
                    progress=progress.report if progress else None,
                    should_stop=lambda: self._stop.is_set() or (progress is not None and progress.cancelled()),
                    engine=engine,
                )
            finally:
                if progress is not None:
                    progress.end()
        summary = report.as_json()
        self.runs += 1
        self.last_report = summary
        self._announce(summary)
        if _templates_changed(summary) and self.server.upgrades is not None:
            self.server.upgrades.templates_changed()
        return summary

    def _announce(self, summary: dict) -> None:
        for task in summary["tasks"]:
            if task["new_stage"] and not summary["dryRun"]:
                log.info(
                    "learned task %s: %s -> %s (%s)", task["task"], task["stage"], task["new_stage"], task["reason"]
                )
        if summary.get("promoted") and not summary["dryRun"]:
            self.server.send_status("ready", f"evolution: {summary['promoted']} task(s) promoted")
        shared = summary.get("promoted") or summary.get("programs") or _templates_changed(summary)
        if shared and not summary["dryRun"] and self.server.hub:
            self.server.hub.wake()  # the team hears of it (a program, a deployed version) at once, not at the next poll

    async def _begin_progress(self, dry_run: bool) -> RunProgress | None:
        token = await self.server.create_progress("evolve")
        if token is None:
            return None
        return RunProgress(self.server, token, "Scion: evolving (dry run)" if dry_run else "Scion: evolving")

    async def status(self) -> dict:
        engine = self.engine()
        if engine is None:
            raise ScionError("scion.evolveStatus: the server is not initialised yet")
        from server.evolution.trials import trial_rows

        tasks = await asyncio.to_thread(engine.status)
        trials = await asyncio.to_thread(trial_rows, self.server.require_store())
        teacher = self._teacher.health if self._teacher is not None else None
        return {
            "enabled": self.server.settings.evolution.enabled,
            "runs": self.runs,
            "tasks": tasks,
            "trials": trials,
            "teacher": None
            if teacher is None
            else {
                "answered": teacher.answered,
                "failed": teacher.failed,
                "lastError": teacher.last_error,
            },
            "lastRun": self.last_report,
        }

    def close(self) -> None:
        """Stop a run between tasks and drop the worker process; never waits for it."""
        self._closed = True
        self._stop.set()
        if self._pool is not None:
            # An idle worker is joined (a clean exit); a busy one is left to finish its bounded search.
            busy = self._run_lock is not None and self._run_lock.locked()
            self._pool.shutdown(wait=not busy, cancel_futures=True)
            self._pool = None


def _templates_changed(summary: dict) -> bool:
    """Did the run deploy or drop a template version (so open files may have new upgrade offers)?"""
    improvement = summary.get("improvement") or {}
    return not summary["dryRun"] and bool(improvement.get("deployed") or improvement.get("dropped"))


class RunProgress:
    """`$/progress` for one run; reports come from the worker thread, so they hop to the loop."""

    def __init__(self, server: ScionServer, token: str, title: str) -> None:
        self.server = server
        self.token = token
        self.loop = asyncio.get_running_loop()
        server.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=True, percentage=0))

    def report(self, progress: Progress) -> None:
        value = types.WorkDoneProgressReport(message=progress.message, percentage=progress.percentage)
        self.loop.call_soon_threadsafe(self.server.work_done_progress.report, self.token, value)

    def cancelled(self) -> bool:
        future = self.server.work_done_progress.tokens.get(self.token)
        return future is not None and future.cancelled()

    def end(self) -> None:
        self.server.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message="done"))
        self.server.work_done_progress.tokens.pop(self.token, None)
