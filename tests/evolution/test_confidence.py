"""Per-input confidence: a program abstains on inputs unlike its examples and where consistent programs disagree;
a learned default that is one file's answer never outranks a per-file source."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.evolution.coverage import Envelope
from server.evolution.engine import LearnedTasks
from server.evolution.stages import StageThresholds
from server.evolution.synthesis import confidence, synthesize
from server.generation.answering import providers_for
from server.store import Store
from server.templates.answers import resolve_answers
from server.templates.catalog import Catalog, default_roots
from server.templates.filters import pascal

from .contexts import features_for

TASK = "python/dataclass:class_name"
WORDS = ["order", "user", "invoice", "cart", "token", "price", "report", "email", "queue", "event", "rule", "line"]


def answer_for(rel: str) -> str:
    path = Path(rel)
    return pascal(path.parent.name) + pascal(path.stem)


def learned(examples: list[tuple[dict, str]]):
    programs = synthesize(examples)
    envelope = Envelope.of(examples)
    return lambda features: confidence(programs, features, n_examples=len(examples), unlike=envelope.unlike)[0]


def test_evidence_from_one_folder_gives_no_answer_in_other_folders():
    examples = [(features_for(f"shop/{word}.py"), answer_for(f"shop/{word}.py")) for word in WORDS]
    answer = learned(examples)
    assert answer(features_for("shop/basket.py")) == "ShopBasket"
    for rel in ["billing/basket.py", "net/http_client.py", "jobs/retry.py"]:
        assert answer(features_for(rel)) is None, rel


def test_the_same_convention_from_several_folders_answers_in_new_ones():
    rels = [f"{folder}/{word}.py" for folder, word in zip(["shop", "net", "jobs", "core"], WORDS, strict=False)]
    answer = learned([(features_for(rel), answer_for(rel)) for rel in rels])
    assert answer(features_for("billing/basket.py")) == "BillingBasket"


def test_unseen_extension_and_missing_feature_abstain():
    rels = ["a/order.py", "b/user.py", "c/cart.py"]
    by_stem = learned([(features_for(rel), pascal(Path(rel).stem) + "Model") for rel in rels])
    assert by_stem(features_for("d/token.py")) == "TokenModel"
    assert by_stem(features_for("d/token.pyi")) is None
    in_class = [
        (features_for(rel, enclosing_class=cls), cls + "Test")
        for rel, cls in zip(rels, ["Order", "User", "Cart"], strict=True)
    ]
    by_class = learned(in_class)
    assert by_class(features_for("d/token.py", enclosing_class="Token")) == "TokenTest"
    assert by_class(features_for("d/token.py", enclosing_class="")) is None


def test_positional_programs_abstain_on_another_depth():
    rels = ["src/shop/models/order.py", "src/net/models/user.py", "src/jobs/models/cart.py"]
    second = learned([(features_for(rel), rel.split("/")[1]) for rel in rels])
    assert second(features_for("src/billing/models/token.py")) == "billing"
    assert second(features_for("src/billing/token.py")) is None


def test_a_branch_abstains_on_a_folder_it_never_saw():
    rels = ["app/repos/order.py", "app/services/user.py", "app/repos/cart.py", "app/services/token.py"]
    answer = learned(
        [(features_for(rel), pascal(Path(rel).stem) + ("Repo" if "repos" in rel else "Service")) for rel in rels]
    )
    assert answer(features_for("web/repos/price.py")) == "PriceRepo"
    assert answer(features_for("web/services/price.py")) == "PriceService"
    assert answer(features_for("web/models/price.py")) is None


def test_near_smallest_programs_that_disagree_abstain():
    # stem == folder in every example: `pascal(stem)` and `pascal(folder)` both fit, equally small.
    examples = [(features_for(f"{word}/{word}.py"), pascal(word)) for word in WORDS[:4]]
    programs = synthesize(examples)
    assert confidence(programs, features_for("order/order.py"))[0] == "Order"
    assert confidence(programs, features_for("shop/basket.py"))[0] is None


def test_the_engine_abstains_where_the_evidence_cannot_tell(tmp_path):
    with Store(":memory:") as store:
        for word in WORDS[:6]:
            rel = f"shop/{word}.py"
            store.record_execution(TASK, features_for(rel), answer_for(rel), "user", kept=True)
        engine = LearnedTasks(store, tmp_path, StageThresholds(min_executions=4, min_kept_rate=0.75))
        engine.run()
        assert engine.code_answer(TASK, features_for("shop/basket.py")).value == "ShopBasket"
        assert engine.code_answer(TASK, features_for("billing/basket.py")) is None


# -- learned defaults against per-file sources ---------------------------------


@pytest.fixture
def dataclass_template(tmp_path):
    return Catalog(default_roots(tmp_path)).get("python/dataclass")


def accept(store: Store, answers: dict) -> None:
    generation_id = store.record_generation("python/dataclass", "1.0.0", "x.py", "insert", answers, status="applied")
    store.decide(generation_id, "accepted")


def test_a_learned_default_that_varies_by_file_comes_after_the_context(dataclass_template):
    with Store(":memory:") as store:
        for name in ["ShopOrder", "ShopOrder", "NetUser", "JobsCart", "CoreToken"]:
            accept(store, {"class_name": name, "frozen": True})
        resolution = resolve_answers(
            dataclass_template, features_for("billing/invoice_line.py"), {}, providers_for(store, dataclass_template)
        )
        assert (resolution.answers["class_name"], resolution.sources["class_name"]) == ("InvoiceLine", "context")
        # A question kept with the same answer nearly every time keeps its learned default first.
        assert (resolution.answers["frozen"], resolution.sources["frozen"]) == (True, "learned_default")


def test_a_learned_default_of_a_per_file_question_still_beats_the_template_default(dataclass_template):
    with Store(":memory:") as store:
        for docstring in ["One thing.", "One thing.", "Another.", "A third."]:
            accept(store, {"class_name": "X", "docstring": docstring})
        resolution = resolve_answers(
            dataclass_template, features_for("a/b.py"), {}, providers_for(store, dataclass_template)
        )
        assert resolution.sources.get("docstring") in ("learned_default", "context")
