"""Template improvement counts the team's evidence: a version evolved from A's and B's edits, offered to both.

Neither instance decided enough generations alone (10 are needed); together
they did. A real hub (PostgreSQL), real stores, the real improvement run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from server.common.config import EvolutionSettings
from server.evolution.improve import run_improvement
from server.hub.admin import add_member
from server.hub.sync import HubLink, SyncOptions
from server.store import Store
from server.store.outbox import Sharing
from server.templates.catalog import BUILTIN_ROOT, Catalog
from tests.evolution.test_improve import NAMES, TEMPLATE, render_block, with_future_import
from tests.hub.conftest import member_url

SETTINGS = EvolutionSettings(min_decided=10, improve_below=0.8)


def workspace_of(root: Path) -> Path:
    shutil.copytree(BUILTIN_ROOT / TEMPLATE / "1.1.0", root / ".scion" / "templates" / TEMPLATE / "1.1.0")
    return root


def catalog_of(workspace: Path, user_root: Path | None = None) -> Catalog:
    roots = [(workspace / ".scion" / "templates", "workspace")]
    roots += [(user_root, "user")] if user_root else []
    return Catalog([*roots, (BUILTIN_ROOT, "builtin")])


def decide(store: Store, catalog: Catalog, indexes: range) -> None:
    """Generations of 1.1.0 whose users added `from __future__ import annotations`; a third rejected the code."""
    for index in indexes:
        name = NAMES[index]
        block, answers = render_block(catalog, name, "1.1.0")
        generation = store.record_generation(
            TEMPLATE, "1.1.0", f"src/models/{name.lower()}.py", "insert", answers, rendered_text=block, status="applied"
        )
        accepted = index % 3 != 2
        store.decide(
            generation, "accepted" if accepted else "rejected", 0.9, with_future_import(block, name) if accepted else ""
        )


def test_a_version_evolved_from_both_teammates_evidence_is_offered_to_both(hub, tmp_path):
    add_member(hub, "ann", "shop")
    add_member(hub, "bob", "shop")
    ann_ws, bob_ws = workspace_of(tmp_path / "ann"), workspace_of(tmp_path / "bob")
    bob_user_root = tmp_path / "bob-data" / "templates"
    ann_link = HubLink(member_url(hub, "ann"), "ann-laptop", SyncOptions(workspace=ann_ws))
    bob_link = HubLink(
        member_url(hub, "bob"), "bob-laptop", SyncOptions(workspace=bob_ws, user_templates=bob_user_root)
    )
    with Store(tmp_path / "ann.db") as ann, Store(tmp_path / "bob.db") as bob:
        ann.sharing, bob.sharing = Sharing("ann-laptop", "code", ann_ws), Sharing("bob-laptop", "code", bob_ws)
        decide(ann, catalog_of(ann_ws), range(6))
        decide(bob, catalog_of(bob_ws), range(6, 12))
        alone = run_improvement(ann, catalog_of(ann_ws), ann_ws, SETTINGS, None, dry_run=True)
        assert alone["analysed"] == []  # 6 decided here: too few on its own

        bob_link.sync(bob)
        ann_link.sync(ann)
        assert ann.team_generation_totals() == {
            (TEMPLATE, "1.1.0"): (4, 2, 4)
        }  # bob's: 4 kept (all edited), 2 rejected
        catalog = catalog_of(ann_ws)
        report = run_improvement(ann, catalog, ann_ws, SETTINGS, None)
        [entry] = report["analysed"]
        assert (entry["decided"], entry["team_decided"]) == (12, 6), entry
        assert entry["deployed"] == "1.2.0", entry
        assert catalog.get(TEMPLATE).version == "1.2.0"

        assert ann_link.sync(ann).templates.published == [f"{TEMPLATE}@1.2.0"]
        assert bob_link.sync(bob).templates.installed == [f"{TEMPLATE}@1.2.0"]
    ann_link.close()
    bob_link.close()
    offered = catalog_of(bob_ws, bob_user_root).get(TEMPLATE)
    assert offered.version == "1.2.0"
    block, _ = render_block(catalog_of(bob_ws, bob_user_root), "Voucher")
    assert block.startswith("from __future__ import annotations\n")
