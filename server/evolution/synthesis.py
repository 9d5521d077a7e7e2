"""Find DSL programs consistent with kept examples, smallest first.

Bottom-up enumeration by size with observational-equivalence pruning: two
expressions that give the same values on every example are one class, and only
the class's first (smallest) member is combined further. A class keeps a few
more members so that programs equal on the examples but different elsewhere
(`stem` vs `folder` when every example has stem == folder) survive as
alternatives: `confidence` needs them to notice ambiguity on a new input.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from server.evolution.dsl import (
    CASES,
    LIST_SOURCES,
    TEXT_FEATURES,
    AddPrefix,
    AddSuffix,
    Case,
    Const,
    Feature,
    If,
    Item,
    Join,
    ListExpr,
    MapCase,
    Parts,
    Program,
    StripPrefix,
    StripSuffix,
    TextExpr,
    Value,
)

Example = tuple[dict[str, Any], str]
Node = TextExpr | ListExpr
_N = TypeVar("_N", bound="TextExpr | ListExpr")
Signature = tuple[Value, ...]  # a node's values on the examples, in order

SEPARATORS = (".", "::", "/", "", "_", "-")
ITEM_INDEXES = (0, 1, 2, -2, -3)  # -1 is `folder` itself
PARTS_STARTS = (0, 1, 2, 3)  # 3 drops src/main/java
COMMON_AFFIXES = ("_test", "test_", "_spec", ".test", ".spec", "_tests", "Test", "Spec")
MEMBERS_PER_CLASS = 4
VARIANTS_PER_PROGRAM = 8
# Conditional programs (docs/internals.md, "Branches").
MIN_PER_BRANCH = 2  # examples each branch is learned from, at least
BRANCH_DEPTH = 2  # nested conditions: up to three branches
MAX_SPLITS = 24  # splits searched, best scored first
MAX_SPLITS_FOUND = 4  # splits whose both sides fit: enough alternatives to notice disagreement
BRANCH_ALTERNATIVES = 2  # programs per branch combined into alternatives
TEST_ORDER = (
    ("equals", "extension"),
    ("has_folder", "folders"),
    ("equals", "folder"),
    ("starts_with", "stem"),
    ("ends_with", "stem"),
    ("equals", "enclosing_class"),
    ("equals", "enclosing_function"),
)


@dataclass
class _Bank:
    """Expressions found so far, grouped by their values on the examples."""

    classes: dict[Signature, list[Node]] = field(default_factory=dict)
    signature_of: dict[Node, Signature] = field(default_factory=dict)
    text_by_size: dict[int, list[TextExpr]] = field(default_factory=dict)
    list_by_size: dict[int, list[ListExpr]] = field(default_factory=dict)

    def add(self, node: Node, signature: Signature) -> None:
        if all(value in (None, "", ()) for value in signature):
            return
        members = self.classes.get(signature)
        if members is None:
            self.classes[signature] = [node]
            self.signature_of[node] = signature
            if isinstance(node, (Parts, MapCase)):
                self.list_by_size.setdefault(node.size, []).append(node)
            else:
                self.text_by_size.setdefault(node.size, []).append(node)
        elif len(members) < MEMBERS_PER_CLASS and node not in self.signature_of:
            members.append(node)
            self.signature_of[node] = signature

    def text_of_size(self, size: int) -> list[TextExpr]:
        return self.text_by_size.get(size, [])

    def lists_of_size(self, size: int) -> list[ListExpr]:
        return self.list_by_size.get(size, [])


def synthesize(
    examples: list[Example],
    max_size: int = 6,
    time_budget_s: float = 2.0,
    max_programs: int = 32,
    branch_depth: int = BRANCH_DEPTH,
) -> list[Program]:
    """Programs that give every example's answer, smallest first (empty when none fits).

    Straight programs first; only when none fits, conditional ones (`If`), each
    branch found by the same search on its share of the examples.
    """
    if not examples:
        return []
    deadline = time.perf_counter() + time_budget_s
    straight = _straight(examples, max_size, deadline, max_programs)
    if straight or branch_depth <= 0 or len(examples) < 2 * MIN_PER_BRANCH:
        return straight
    return _branching(examples, max_size, deadline, max_programs, branch_depth)


def _straight(examples: list[Example], max_size: int, deadline: float, max_programs: int) -> list[Program]:
    inputs = [features for features, _ in examples]
    target = tuple(answer for _, answer in examples)
    bank = _Bank()
    _enumerate(bank, inputs, target, max_size, deadline)
    # Only text expressions give text answers (a list's values are tuples).
    roots: list[TextExpr] = [node for node in bank.classes.get(target, []) if not isinstance(node, (Parts, MapCase))]
    programs: dict[str, Program] = {}
    for root in roots:
        for variant in _variants(bank, root, VARIANTS_PER_PROGRAM):
            program = Program(variant)
            programs.setdefault(str(program), program)
    ranked = sorted(programs.values(), key=lambda program: program.size)
    return ranked[:max_programs]


# -- conditional programs -------------------------------------------------------


@dataclass(frozen=True)
class _Test:
    """A condition of an `If`, before its branches are known."""

    test: str
    feature: str
    value: str

    def holds(self, ctx: dict[str, Any]) -> bool:
        return If(self.feature, self.value, Const(""), Const(""), self.test).condition(ctx)


def _branching(examples: list[Example], max_size: int, deadline: float, max_programs: int, depth: int) -> list[Program]:
    """`if <test> then A else B`: A found for the examples that pass the test, B for the rest.

    Splits are tried best first (`_splits`); each side is searched once
    however many tests give the same split. Several tests that split the
    examples alike are all kept: they disagree on new inputs where the tests
    differ, which is where the answer must be asked.
    """
    sides: dict[tuple[int, ...], list[Program]] = {}

    def side(indexes: tuple[int, ...]) -> list[Program]:
        if indexes not in sides:
            budget = deadline - time.perf_counter()
            chosen = [examples[i] for i in indexes]
            sides[indexes] = [] if budget <= 0 else synthesize(chosen, max_size, budget, BRANCH_ALTERNATIVES, depth - 1)
        return sides[indexes]

    found: dict[str, Program] = {}
    splits_found = 0
    for test, inside, outside in _splits(examples):
        if time.perf_counter() > deadline or splits_found >= MAX_SPLITS_FOUND:
            break
        then = side(inside)
        otherwise = side(outside) if then else []
        if not otherwise:
            continue
        splits_found += 1
        for a in then[:BRANCH_ALTERNATIVES]:
            for b in otherwise[:BRANCH_ALTERNATIVES]:
                program = Program(If(test.feature, test.value, a.root, b.root, test.test))
                found.setdefault(str(program), program)
    # Stable: among programs of one size, the better-scored split comes first.
    return sorted(found.values(), key=lambda program: program.size)[:max_programs]


def _splits(examples: list[Example]) -> list[tuple[_Test, tuple[int, ...], tuple[int, ...]]]:
    """Tests that split the examples into two sides of at least MIN_PER_BRANCH, best first.

    A split scores by how much the answers on each side share (common prefix
    plus common suffix): a suffix that depends on the folder shows as each
    side ending alike. Ties go to the simpler kind of test (TEST_ORDER).
    """
    inputs = [features for features, _ in examples]
    answers = [answer for _, answer in examples]
    scored = []
    seen: set[tuple[str, str, str]] = set()
    for test in _tests(inputs):
        key = (test.test, test.feature, test.value)
        if key in seen:
            continue
        seen.add(key)
        inside = tuple(i for i, ctx in enumerate(inputs) if test.holds(ctx))
        outside = tuple(i for i in range(len(inputs)) if i not in inside)
        if len(inside) < MIN_PER_BRANCH or len(outside) < MIN_PER_BRANCH:
            continue
        score = _shared([answers[i] for i in inside]) + _shared([answers[i] for i in outside])
        scored.append((-score, TEST_ORDER.index((test.test, test.feature)), test, inside, outside))
    scored.sort(key=lambda row: (row[0], row[1]))
    return [(test, inside, outside) for _, _, test, inside, outside in scored[:MAX_SPLITS]]


def _tests(inputs: list[dict[str, Any]]) -> Iterable[_Test]:
    for ctx in inputs:
        for name in ("extension", "folder", "enclosing_class", "enclosing_function"):
            yield _Test("equals", name, Feature(name).evaluate(ctx))
        for folder in LIST_SOURCES["folders"](ctx):
            yield _Test("has_folder", "folders", folder)
        stem = Feature("stem").evaluate(ctx)
        for affix in _stem_affixes(stem):
            if stem.startswith(affix):
                yield _Test("starts_with", "stem", affix)
            if stem.endswith(affix):
                yield _Test("ends_with", "stem", affix)


def _stem_affixes(stem: str) -> list[str]:
    """The common test/spec affixes, and the stem's first and last word with their separator."""
    found = [affix for affix in COMMON_AFFIXES if affix in stem]
    for separator in "_-.":
        if separator in stem.strip(separator):
            head, _, _ = stem.partition(separator)
            _, _, tail = stem.rpartition(separator)
            found += [head + separator, separator + tail]
    return found


def _shared(answers: list[str]) -> int:
    """Characters every answer shares at its start plus at its end."""
    return len(_common_prefix(answers)) + len(_common_prefix([answer[::-1] for answer in answers]))


def _enumerate(
    bank: _Bank, inputs: list[dict[str, Any]], target: tuple[Any, ...], max_size: int, deadline: float
) -> None:
    answers = list(target)
    prefixes, suffixes = _added_constants(answers)
    affixes = _strip_affixes(inputs, answers, prefixes, suffixes)

    def text_values(node: Node) -> Signature:
        return tuple(_safe(node.evaluate, ctx) for ctx in inputs)

    for name in TEXT_FEATURES:
        feature = Feature(name)
        bank.add(feature, text_values(feature))
    for answer in dict.fromkeys(answers):
        bank.add(Const(answer), (answer,) * len(inputs))
    for source in LIST_SOURCES:
        for start in PARTS_STARTS:
            parts = Parts(source, start)
            bank.add(parts, text_values(parts))
    for index in ITEM_INDEXES:
        item = Item("folders", index)
        bank.add(item, text_values(item))

    for size in range(2, max_size + 1):
        for node in _grow(bank, size, prefixes, suffixes, affixes):
            if time.perf_counter() > deadline:
                return
            child = node.parts if isinstance(node, (Join, MapCase)) else node.arg
            child_values = bank.signature_of[child]
            values = tuple(node.apply(value) for value in child_values)
            if values == child_values:
                continue  # a no-op on every example (lower() of lower-case text) only adds noise
            bank.add(node, values)


def _grow(bank: _Bank, size: int, prefixes: list[str], suffixes: list[str], affixes: list[str]) -> Iterable[Any]:
    """Every new expression of `size` whose child is a class representative of `size - 1`."""
    for parts in list(bank.lists_of_size(size - 1)):
        for separator in SEPARATORS:
            yield Join(separator, parts)
        if not isinstance(parts, MapCase):
            for case in CASES:
                yield MapCase(case, parts)
    for arg in list(bank.text_of_size(size - 1)):
        if isinstance(arg, Const):
            continue
        # Added constants already have the answers' case, so re-casing them is never needed.
        if not isinstance(arg, (Case, AddPrefix, AddSuffix)):
            for case in CASES:
                yield Case(case, arg)
        if isinstance(arg, (Feature, Item, Case, StripPrefix, StripSuffix)):
            for affix in affixes:
                if not isinstance(arg, StripPrefix):
                    yield StripPrefix(affix, arg)
                if not isinstance(arg, StripSuffix):
                    yield StripSuffix(affix, arg)
        if not isinstance(arg, AddPrefix):
            for text in prefixes:
                yield AddPrefix(text, arg)
        if not isinstance(arg, (AddPrefix, AddSuffix)):
            for text in suffixes:
                yield AddSuffix(text, arg)


def _added_constants(answers: list[str]) -> tuple[list[str], list[str]]:
    """Prefix and suffix constants worth trying: the parts every answer starts or ends with."""
    common_start = _common_prefix(answers)
    common_end = _common_prefix([answer[::-1] for answer in answers])[::-1]
    prefixes = [common_start[:n] for n in range(1, len(common_start) + 1) if n < len(answers[0])]
    suffixes = [common_end[-n:] for n in range(1, len(common_end) + 1) if n < len(answers[0])]
    return prefixes, suffixes


def _strip_affixes(
    inputs: list[dict[str, Any]], answers: list[str], prefixes: list[str], suffixes: list[str]
) -> list[str]:
    """Affixes to try removing: common ones plus what surrounds an answer inside a feature."""
    found = dict.fromkeys(COMMON_AFFIXES)
    longest_prefix = prefixes[-1] if prefixes else ""
    longest_suffix = suffixes[-1] if suffixes else ""
    for ctx, answer in zip(inputs, answers, strict=False):
        core = answer.removeprefix(longest_prefix).removesuffix(longest_suffix) or answer
        spellings = {answer, core} | {CASES[case](core) for case in ("snake", "kebab", "lower")}
        for name in TEXT_FEATURES:
            value = ctx.get(name)
            if not isinstance(value, str):
                continue
            for spelling in spellings:
                at = value.find(spelling) if spelling else -1
                if at < 0 or spelling == value:
                    continue
                for affix in (value[:at], value[at + len(spelling) :]):
                    if 0 < len(affix) <= 16:
                        found[affix] = None
    return list(found)


def _common_prefix(texts: list[str]) -> str:
    shortest = min(texts, key=len)
    for i, char in enumerate(shortest):
        if any(text[i] != char for text in texts):
            return shortest[:i]
    return shortest


def _variants(bank: _Bank, node: _N, limit: int) -> list[_N]:
    """The node plus versions with a child swapped for another member of the child's class."""
    found = [node]
    for slot in fields(node):
        child = getattr(node, slot.name)
        signature = bank.signature_of.get(child)
        if signature is None:
            continue
        # A smaller member only: a class can hold an expression built on its own
        # representative (lower(stem) beside stem), and swapping that in never ends.
        for member in bank.classes[signature][1:]:
            if member.size >= node.size:
                continue
            for swapped in _variants(bank, member, limit):
                if len(found) >= limit:
                    return found
                found.append(_with_child(node, slot.name, swapped))
    return found


def _with_child(node: _N, slot: str, child: Node) -> _N:
    swapped: _N = replace(cast(Any, node), **{slot: child})  # mypy checks replace() only on one dataclass, not a union
    return swapped


def _safe(evaluate: Callable[[dict[str, Any]], Value], ctx: dict[str, Any]) -> Value:
    try:
        return evaluate(ctx)
    except (TypeError, AttributeError, ValueError):
        return None


def confidence(
    programs: list[Any],
    features: dict[str, Any],
    top_k: int = 5,
    n_examples: int | None = None,
    min_agreement: float = 0.75,
    unlike: Callable[[Any, dict[str, Any]], str | None] | None = None,
) -> tuple[str | None, float]:
    """The answer the simplest consistent programs agree on for a new input, and how sure that is.

    Each of the `top_k` smallest programs votes with weight 2^-(extra size), so a
    much larger program counts less than a rival of the same size. A program
    for which `unlike` finds the input unlike its examples votes for abstaining.
    Any disagreement among the near-smallest programs (size at most one more than
    the smallest) abstains: the examples cannot tell those apart, so neither can
    the answer (the PROSE rule). Confidence is the winning answer's share of the
    vote, times n/(n+1) for n examples (two examples never give more than 0.67).
    Below `min_agreement` the programs disagree and the answer is None (abstain).
    """
    top = sorted(programs, key=lambda program: program.size)[:top_k]
    if not top:
        return None, 0.0
    smallest = top[0].size
    votes: dict[str | None, float] = {}
    near: set[str | None] = set()
    for program in top:
        answer = None if unlike is not None and unlike(program, features) else program.evaluate(features)
        votes[answer] = votes.get(answer, 0.0) + 0.5 ** (program.size - smallest)
        if program.size <= smallest + 1:
            near.add(answer)
    total = sum(votes.values())
    answer, weight = max(votes.items(), key=lambda vote: vote[1])
    share = weight / total
    evidence = n_examples / (n_examples + 1) if n_examples is not None else 1.0
    if answer is None or share < min_agreement or len(near) > 1:
        return None, round(share * evidence, 4)
    return answer, round(share * evidence, 4)


def held_out_accuracy(examples: list[Example], holdout_every: int = 3, **synthesis_options: Any) -> float | None:
    """Share of held-out examples (every `holdout_every`-th) the top program trained on the rest gets right.

    None when there are too few examples to hold any out.
    """
    held_out = [example for i, example in enumerate(examples) if i % holdout_every == holdout_every - 1]
    training = [example for i, example in enumerate(examples) if i % holdout_every != holdout_every - 1]
    if not held_out or not training:
        return None
    programs = synthesize(training, **synthesis_options)
    if not programs:
        return 0.0
    right = sum(programs[0].evaluate(features) == answer for features, answer in held_out)
    return right / len(held_out)


def learned_program_source(
    program: Program | str,
    task: str,
    n_examples: int,
    held_out_accuracy: float | None,
    created_at: datetime | None = None,
) -> str:
    """The text of `.scion/learned/<task>/v<N>.py`: a provenance docstring, then the program.

    `program` is a synthesised Program or the source of an LLM-written `infer`.
    """
    created = (created_at or datetime.now(UTC)).isoformat(timespec="seconds")
    accuracy = "not measured" if held_out_accuracy is None else f"{held_out_accuracy:.0%}"
    if isinstance(program, Program):
        origin, body = f"synthesis, DSL program: {program}", program.to_python()
    else:
        origin, body = "written by the LLM from the examples", program.strip() + "\n"
    header = "\n".join(
        [
            f"Learned program for task: {task}",
            "",
            f"Origin: {origin}",
            f"Examples: {n_examples}",
            f"Held-out accuracy: {accuracy}",
            f"Created at: {created}",
            "",
            "Generated by Scion. The database copy is what runs: export and import it with `scion learned`; editing this file changes nothing.",
        ]
    )
    header = header.replace("\\", "\\\\").replace('"""', "'''")
    return f'"""{header}\n"""\n\n{body}'
