"""Upgrade offers as diagnostics: detection in a worker on a snapshot, publishing on the loop.

Detection runs once over the whole workspace after `initialized` (and when the
templates change), then for a file when it is opened or its answer file
saved. The detector caches by answer-file content, so re-checks are cheap.
An offer's diagnostic spans the first line of the generated code, read from a
snapshot of the open documents taken on the loop before the worker starts.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from server.common.errors import ScionError
from server.features import upgrade_diagnostics as diags
from server.features.upgrade_threads import DocumentSnapshot, in_worker, take_snapshot
from server.store import Store
from server.upgrades.detect import Detector, UpgradeOffer
from server.upgrades.discovery import find_answer_files

if TYPE_CHECKING:
    from server.features.upgrades import UpgradeService

log = logging.getLogger("scion.upgrades")


@dataclass(frozen=True)
class Detected:
    """One answer file's offers (skipped versions left out) and their diagnostics."""

    answer_file: Path
    offers: tuple[UpgradeOffer, ...]
    diagnostics: tuple[types.Diagnostic, ...]


class UpgradeDetection:
    def __init__(self, service: UpgradeService) -> None:
        self.service = service
        # The detector's cache is not shared between threads: one detection at a time.
        self._lock = threading.Lock()
        self.last_scan_seconds: float | None = None

    async def scan_workspace(self) -> None:
        """Loop, then a worker: every answer file of the workspace."""
        server = self.service.server
        await server.ready()
        if server.workspace_root is None:
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        answer_files = await asyncio.to_thread(find_answer_files, self.service.root())
        await self.refresh(answer_files)
        self.last_scan_seconds = loop.time() - started
        log.info(
            "upgrade scan: %d generated files, %d upgrades available, %.2f s",
            len(answer_files),
            self.service.available_count(),
            self.last_scan_seconds,
        )
        server.send_status("ready", f"{self.service.available_count()} template upgrades available")

    async def check(self, answer_file: Path) -> tuple[UpgradeOffer, ...]:
        """Loop, then a worker: one answer file's offers."""
        await self.service.server.ready()
        [found] = await self.refresh([answer_file])
        return found.offers

    async def refresh(self, answer_files: list[Path]) -> list[Detected]:
        """Detect in a worker on a snapshot taken now, then publish on the loop."""
        snapshot = take_snapshot(self.service.server)
        detector, store = self.service.detector(), self.service.server.store
        found = await asyncio.to_thread(self.detect, detector, store, snapshot, answer_files)
        for detected in found:
            self.service.set_offers(detected)
        return found

    @in_worker
    def detect(
        self, detector: Detector, store: Store | None, snapshot: DocumentSnapshot, answer_files: list[Path]
    ) -> list[Detected]:
        with self._lock:
            results = []
            for answer_file in answer_files:
                try:
                    offers = detector.offers(answer_file)
                except ScionError as error:
                    log.warning("cannot check %s for upgrades: %s", answer_file, error)
                    offers = []
                kept = tuple(
                    offer
                    for offer in offers
                    if store is None or not store.is_dismissed(str(offer.primary), offer.template_id, offer.to_version)
                )
                diagnostics = tuple(offer_diagnostics(kept, snapshot))
                results.append(Detected(answer_file, kept, diagnostics))
            return results


def offer_diagnostics(offers: tuple[UpgradeOffer, ...], snapshot: DocumentSnapshot) -> list[types.Diagnostic]:
    return [diags.offer_diagnostic(offer, snapshot.line(offer.primary, offer.line)) for offer in offers]
