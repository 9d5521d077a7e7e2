"""Synthesis finds common naming conventions from a few examples, and knows when it is unsure."""

from __future__ import annotations

import pytest

from server.evolution.dsl import Feature, Item, Program
from server.evolution.synthesis import confidence, held_out_accuracy, learned_program_source, synthesize

from .contexts import examples_for, features_for
from .conventions import CONVENTIONS


def run_source(source: str, features: dict) -> str:
    namespace: dict = {}
    exec(compile(source, "<learned>", "exec"), namespace)
    return namespace["infer"](features)


@pytest.mark.parametrize(
    ("language", "training", "unseen"),
    [convention[1:] for convention in CONVENTIONS],
    ids=[convention[0] for convention in CONVENTIONS],
)
def test_convention_is_learned_and_generalises(language, training, unseen):
    examples = examples_for(training, language)
    programs = synthesize(examples)
    assert programs, "no program fits the examples"
    best = programs[0]
    for features, answer in examples:
        assert best.evaluate(features) == answer
    for rel_path, answer in unseen:
        features = features_for(rel_path, language)
        assert best.evaluate(features) == answer, str(best)
        assert run_source(best.to_python(), features) == answer
        predicted, certainty = confidence(programs, features, n_examples=len(examples))
        assert predicted == answer
        assert 0.5 < certainty <= 1.0


def test_programs_come_simplest_first_and_all_fit():
    examples = examples_for([("http/parse_header_test.go", "TestParseHeader"), ("x/read_body_test.go", "TestReadBody")])
    programs = synthesize(examples)
    assert [program.size for program in programs] == sorted(program.size for program in programs)
    for program in programs:
        assert all(program.evaluate(features) == answer for features, answer in examples)


def test_no_program_when_answers_follow_no_convention():
    examples = examples_for([("a/order.py", "Zebra"), ("b/user.py", "Quartz"), ("c/item.py", "Mango")])
    assert synthesize(examples, max_size=4) == []


def test_confidence_abstains_when_stem_and_folder_both_fit():
    examples = examples_for([("handlers/handlers.go", "handlers"), ("auth/auth.go", "auth")], "go")
    programs = synthesize(examples)
    rendered = {str(program) for program in programs}
    assert {"stem", "folder"} <= rendered
    answer, certainty = confidence(programs, features_for("billing/invoice.go", "go"), n_examples=2)
    assert answer is None
    assert certainty < 0.75
    # Where stem and folder agree, so do the programs.
    answer, _ = confidence(programs, features_for("billing/billing.go", "go"), n_examples=2)
    assert answer == "billing"


def test_confidence_grows_with_the_number_of_examples():
    pairs = [(f"pkg/{name}.py", name.title().replace("_", "")) for name in ("order", "user_card", "line_item", "cart")]
    few = synthesize(examples_for(pairs[:2]))
    many = synthesize(examples_for(pairs))
    new = features_for("pkg/payment_method.py")
    _, few_certainty = confidence(few, new, n_examples=2)
    _, many_certainty = confidence(many, new, n_examples=4)
    assert few_certainty < many_certainty
    assert confidence([], new) == (None, 0.0)


def test_a_single_example_is_ambiguous():
    programs = synthesize(examples_for([("shop/order_item.py", "OrderItem")]))
    answer, _ = confidence(programs, features_for("shop/user.py"), n_examples=1)
    assert answer is None  # the constant "OrderItem" fits as well as pascal(stem)


def test_held_out_accuracy():
    pairs = [
        (f"lib/app/{name}.ex", f"App.{name.title().replace('_', '')}")
        for name in ("user", "order_item", "cart", "line", "price_rule", "tax")
    ]
    assert held_out_accuracy(examples_for(pairs, "elixir")) == 1.0
    assert held_out_accuracy(examples_for(pairs[:1], "elixir")) is None
    mixed = examples_for([("a/x.py", "Zebra"), ("b/y.py", "Quartz"), ("c/z.py", "Mango")])
    assert held_out_accuracy(mixed, max_size=4) == 0.0


def test_learned_program_source_has_provenance_and_runs():
    programs = synthesize(examples_for([("src/user-card.tsx", "useUserCard"), ("src/order-list.tsx", "useOrderList")]))
    source = learned_program_source(programs[0], "react/hook:name", n_examples=2, held_out_accuracy=1.0)
    header = source.split('"""')[1]
    assert "task: react/hook:name" in header
    assert "Examples: 2" in header
    assert "Held-out accuracy: 100%" in header
    assert "Created at: " in header
    assert run_source(source, features_for("src/nav-bar.tsx")) == "useNavBar"


def test_learned_program_source_keeps_llm_code():
    code = "def infer(ctx: dict) -> str:\n    return ctx['stem'].upper()\n"
    source = learned_program_source(code, "t", n_examples=3, held_out_accuracy=None)
    assert "not measured" in source and "written by the LLM" in source
    assert run_source(source, {"stem": "abc"}) == "ABC"


def test_program_without_an_answer_returns_none():
    assert Program(Feature("enclosing_class")).evaluate(features_for("a/b.py")) is None
    assert Program(Item("folders", 5)).evaluate(features_for("a/b.py")) is None
