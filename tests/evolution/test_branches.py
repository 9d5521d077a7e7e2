"""Conventions with a branch: synthesis finds a conditional program from a few examples per branch."""

from __future__ import annotations

import pytest

from server.evolution.dsl import If
from server.evolution.sandbox import check_source, run_in_sandbox
from server.evolution.synthesis import synthesize
from server.templates.filters import pascal

from .contexts import features_for

WORDS = ["order", "user", "invoice", "cart", "token", "price", "report", "email"]


def layer_suffix(rel: str) -> str:
    stem = rel.rsplit("/", 1)[-1].removesuffix(".py")
    return pascal(stem) + ("Repository" if "/repos/" in f"/{rel}" else "Service")


def named_after_the_tested_module(rel: str) -> str:
    stem = rel.rsplit("/", 1)[-1].removesuffix(".py")
    return pascal(stem.removeprefix("test_")) + "Tests" if stem.startswith("test_") else pascal(stem)


def three_layers(rel: str) -> str:
    stem = rel.rsplit("/", 1)[-1].removesuffix(".py")
    for folder, suffix in (("domain", "Entity"), ("api", "View"), ("infra", "Adapter")):
        if f"/{folder}/" in f"/{rel}":
            return pascal(stem) + suffix
    raise ValueError(rel)


BRANCHING = [
    (
        "suffix by layer folder, at any depth",
        layer_suffix,
        ["app/repos/order.py", "app/services/user.py", "app/repos/invoice.py", "app/services/cart.py"],
        ["billing/repos/token.py", "billing/services/price.py", "app/services/v2/report.py"],
    ),
    (
        "test files are named after what they test",
        named_after_the_tested_module,
        ["shop/test_order.py", "shop/user.py", "net/test_invoice.py", "net/cart.py"],
        ["web/test_token.py", "web/price.py"],
    ),
    (
        "three layers",
        three_layers,
        [
            "src/domain/order.py",
            "src/api/user.py",
            "src/infra/invoice.py",
            "src/domain/cart.py",
            "src/api/token.py",
            "src/infra/price.py",
        ],
        ["lib/domain/report.py", "lib/api/email.py", "lib/infra/order.py"],
    ),
]


@pytest.mark.parametrize(("name", "convention", "training", "unseen"), BRANCHING, ids=[b[0] for b in BRANCHING])
def test_branching_convention_is_learned_from_two_examples_per_branch(name, convention, training, unseen):
    examples = [(features_for(rel), convention(rel)) for rel in training]
    programs = synthesize(examples)
    assert programs, f"no program for {name}"
    best = programs[0]
    assert isinstance(best.root, If)
    assert all(program.evaluate(ctx) == answer for program in programs for ctx, answer in examples)
    for rel in unseen:
        assert best.evaluate(features_for(rel)) == convention(rel), rel
    source = best.to_python()
    assert check_source(source) == []
    results = run_in_sandbox(source, "infer", [features_for(rel) for rel in unseen])
    assert [r.value for r in results] == [convention(rel) for rel in unseen]


def test_condition_on_the_enclosing_scope():
    def name(rel: str, in_class: str) -> str:
        stem = rel.rsplit("/", 1)[-1].removesuffix(".py")
        return "self_" + stem if in_class else stem

    rows = [("a/order.py", "Shop"), ("a/user.py", ""), ("b/cart.py", "Cart"), ("b/token.py", "")]
    examples = [(features_for(rel, enclosing_class=cls), name(rel, cls)) for rel, cls in rows]
    best = synthesize(examples)[0]
    assert best.evaluate(features_for("c/price.py", enclosing_class="Pricing")) == "self_price"
    assert best.evaluate(features_for("c/price.py", enclosing_class="")) == "price"


def test_straight_conventions_never_become_conditional():
    examples = [
        (features_for(f"{folder}/{word}.py"), pascal(word) + "Model")
        for folder, word in zip("abcd", WORDS[:4], strict=True)
    ]
    assert not any(isinstance(program.root, If) for program in synthesize(examples))


def test_tests_that_split_the_examples_alike_are_kept_as_alternatives():
    examples = [(features_for(rel), layer_suffix(rel)) for rel in BRANCHING[0][2]]
    conditions = {program.root.condition_text() for program in synthesize(examples) if isinstance(program.root, If)}
    # `folder == 'repos'` and `'repos' in folders` agree on these files and not on `repos/v2/x.py`.
    assert len(conditions) >= 2


def test_one_example_per_branch_is_not_enough():
    examples = [(features_for(rel), layer_suffix(rel)) for rel in ["app/repos/order.py", "app/services/user.py"]]
    assert synthesize(examples) == []
