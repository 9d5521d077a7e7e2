"""Template self-improvement end to end: a real Store and Catalog, users who keep adding the same docstring."""

from __future__ import annotations

import shutil

import pytest

from server.common.config import EvolutionSettings
from server.evolution.deploy import rollback
from server.evolution.improve import run_improvement
from server.evolution.llm import LlmConfig, LlmUnavailable
from server.store import Store
from server.templates.answers import resolve_answers
from server.templates.catalog import BUILTIN_ROOT, Catalog
from server.templates.render import render_template

TEMPLATE = "python/dataclass"
NAMES = [
    "Order",
    "Invoice",
    "Customer",
    "Product",
    "Shipment",
    "Payment",
    "Refund",
    "Ticket",
    "Account",
    "Review",
    "Coupon",
    "Basket",
]


def with_future_import(block: str, class_name: str) -> str:
    return "from __future__ import annotations\n" + block


def with_docstring(block: str, class_name: str) -> str:
    head, rest = block.split(f"class {class_name}:\n", 1)
    return f'{head}class {class_name}:\n    """A {class_name} record."""\n{rest}'


@pytest.fixture
def workspace(tmp_path):
    source = BUILTIN_ROOT / TEMPLATE / "1.1.0"
    shutil.copytree(source, tmp_path / ".scion" / "templates" / TEMPLATE / "1.1.0")
    return tmp_path


def catalog_of(workspace) -> Catalog:
    return Catalog([(workspace / ".scion" / "templates", "workspace"), (BUILTIN_ROOT, "builtin")])


def render_block(catalog, class_name, version=None) -> str:
    template = catalog.get(TEMPLATE, version)
    features = {"stem": class_name.lower(), "place": "module", "language": "python", "identifiers": []}
    answers = resolve_answers(template, features, {"class_name": class_name}).answers
    return render_template(template, answers, features).primary.text.rstrip("\n"), answers


def seed(store, catalog, edited: int, accepted: int, total: int = 12, edit=with_future_import) -> None:
    """`total` decided generations of 1.1.0; the first `edited` users made `edit`, the first `accepted` kept the code.

    The others kept the block as it was when they accepted it, and nothing of it when they rejected it.
    """
    for index in range(total):
        name = NAMES[index]
        block, answers = render_block(catalog, name, "1.1.0")
        generation = store.record_generation(
            TEMPLATE, "1.1.0", f"src/models/{name.lower()}.py", "insert", answers, rendered_text=block, status="applied"
        )
        kept = edit(block, name) if index < edited else (block if index < accepted else "")
        store.decide(generation, "accepted" if index < accepted else "rejected", 0.9, kept)


def settings():
    return EvolutionSettings(min_decided=10, improve_below=0.8)


def test_users_keeping_the_same_edit_get_a_new_version_that_renders_it(workspace):
    store, catalog = Store(), catalog_of(workspace)
    seed(store, catalog, edited=10, accepted=8)
    steps = []

    report = run_improvement(store, catalog, workspace, settings(), None, steps.append)

    [entry] = report["analysed"]
    assert entry["deployed"] == "1.2.0", entry
    assert entry["replay_after"] < entry["replay_before"]
    assert catalog.get(TEMPLATE).version == "1.2.0"
    assert (workspace / ".scion" / "templates" / TEMPLATE / "1.2.0" / "template.yml").is_file()
    block, _ = render_block(catalog, "Voucher")
    assert block.startswith("from __future__ import annotations\nfrom dataclasses import dataclass\n")
    assert "10 of 10 generations whose output had it" in catalog.get(TEMPLATE).changelog["1.2.0"]
    assert steps[-1].done == steps[-1].total and steps[-1].percentage == 100
    assert store.deployments(TEMPLATE)[0]["evidence"]["success_rate"] == pytest.approx(8 / 12)


def test_a_fold_that_breaks_the_template_examples_is_not_deployed(workspace):
    store, catalog = Store(), catalog_of(workspace)
    seed(store, catalog, edited=10, accepted=8, edit=with_docstring)

    [entry] = run_improvement(store, catalog, workspace, settings(), None)["analysed"]

    [candidate] = entry["candidates"]
    assert not candidate["ok"] and any("example 3" in reason for reason in candidate["reasons"])
    assert entry["deployed"] is None and catalog.get(TEMPLATE).version == "1.1.0"


def test_dry_run_validates_but_deploys_nothing(workspace):
    store, catalog = Store(), catalog_of(workspace)
    seed(store, catalog, edited=10, accepted=8)

    report = run_improvement(store, catalog, workspace, settings(), None, dry_run=True)

    assert report["analysed"][0]["winner"] == "folding"
    assert report["deployed"] == [] and catalog.get(TEMPLATE).version == "1.1.0"
    assert store.deployments(TEMPLATE) == []


def test_versions_that_do_well_or_have_little_evidence_are_left_alone(workspace):
    store, catalog = Store(), catalog_of(workspace)
    seed(store, catalog, edited=2, accepted=11)
    assert run_improvement(store, catalog, workspace, settings(), None)["analysed"] == []

    store, catalog = Store(), catalog_of(workspace)
    seed(store, catalog, edited=5, accepted=2, total=5)
    assert run_improvement(store, catalog, workspace, settings(), None)["analysed"] == []


def test_a_version_kept_but_edited_the_same_way_every_time_is_improved(workspace):
    store, catalog = Store(), catalog_of(workspace)
    seed(store, catalog, edited=12, accepted=12)
    [rates] = store.success_rates()
    assert (rates["rate"], rates["edit_rate"]) == (1.0, 1.0)

    [entry] = run_improvement(store, catalog, workspace, settings(), None)["analysed"]

    assert entry["deployed"] == "1.2.0", entry
    assert entry["edit_rate"] == 1.0 and entry["advantage"]["verdict"] == "certain"
    block, _ = render_block(catalog, "Voucher")
    assert block.startswith("from __future__ import annotations\n")


def test_an_edit_too_few_users_make_is_not_deployed(workspace):
    store, catalog = Store(), catalog_of(workspace)
    seed(store, catalog, edited=5, accepted=9)  # 5 of the 9 who kept the block made the edit

    [entry] = run_improvement(store, catalog, workspace, settings(), None)["analysed"]

    assert entry["candidates"] == [] and entry["deployed"] is None
    assert catalog.get(TEMPLATE).version == "1.1.0"


def test_rollback_restores_the_old_version_and_evolution_waits_for_new_evidence(workspace):
    store, catalog = Store(), catalog_of(workspace)
    seed(store, catalog, edited=10, accepted=8)
    run_improvement(store, catalog, workspace, settings(), None)

    assert rollback(workspace, store, TEMPLATE) == "1.2.0"
    catalog.reload()
    report = run_improvement(store, catalog, workspace, settings(), None)

    assert catalog.get(TEMPLATE).version == "1.1.0"
    assert report["analysed"] == [] and "rolled back" in report["skipped"][0]["reason"]


def test_an_llm_candidate_competes_and_a_broken_one_is_rejected(workspace, monkeypatch):
    store, catalog = Store(), catalog_of(workspace)
    seed(store, catalog, edited=10, accepted=8)
    monkeypatch.setattr(
        "server.evolution.candidates.complete", lambda config, messages: "```jinja\nclass {{ class_name }}(:\n```"
    )

    report = run_improvement(store, catalog, workspace, settings(), LlmConfig(model="stub"))

    [entry] = report["analysed"]
    by_kind = {candidate["kind"]: candidate for candidate in entry["candidates"]}
    assert not by_kind["llm"]["ok"] and by_kind["llm"]["reasons"]
    assert by_kind["folding"]["ok"] and entry["winner"] == "folding"


def test_a_sound_llm_candidate_passes_validation(workspace, monkeypatch):
    store, catalog = Store(), catalog_of(workspace)
    seed(store, catalog, edited=10, accepted=8)
    source = (BUILTIN_ROOT / TEMPLATE / "1.1.0" / "files" / "block.py.jinja").read_text()
    improved = source.replace(
        "from dataclasses import dataclass{%", "from __future__ import annotations\nfrom dataclasses import dataclass{%"
    )
    prompts = []

    def reply(config, messages):
        prompts.append(messages[-1]["content"])
        return f"Here it is:\n```jinja\n{improved}```\n"

    monkeypatch.setattr("server.evolution.candidates.complete", reply)

    [entry] = run_improvement(store, catalog, workspace, settings(), LlmConfig(model="stub"))["analysed"]

    assert {candidate["kind"]: candidate["ok"] for candidate in entry["candidates"]} == {"folding": True, "llm": True}
    assert "from __future__ import annotations" in prompts[0] and "block.py.jinja" in prompts[0]


def test_an_unreachable_llm_leaves_folding_in_charge(workspace, monkeypatch):
    store, catalog = Store(), catalog_of(workspace)
    seed(store, catalog, edited=10, accepted=8)

    def unreachable(config, messages):
        raise LlmUnavailable("LLM stub at http://127.0.0.1:9 did not answer within 2 s")

    monkeypatch.setattr("server.evolution.candidates.complete", unreachable)
    report = run_improvement(store, catalog, workspace, settings(), LlmConfig(model="stub"))

    [entry] = report["analysed"]
    assert "did not answer" in entry["llm"] and entry["deployed"] == "1.2.0"
