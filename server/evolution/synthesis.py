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
CONDITION_FEATURES = ("extension", "folder")
MEMBERS_PER_CLASS = 4
VARIANTS_PER_PROGRAM = 8


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
    examples: list[Example], max_size: int = 6, time_budget_s: float = 2.0, max_programs: int = 32
) -> list[Program]:
    """Programs that give every example's answer, smallest first (empty when none fits)."""
    if not examples:
        return []
    deadline = time.perf_counter() + time_budget_s
    inputs = [features for features, _ in examples]
    target = tuple(answer for _, answer in examples)
    bank = _Bank()
    _enumerate(bank, inputs, target, max_size, deadline)
    # Only text expressions give text answers (a list's values are tuples).
    roots: list[TextExpr] = [node for node in bank.classes.get(target, []) if not isinstance(node, (Parts, MapCase))]
    if not roots:
        roots = _conditionals(bank, inputs, target)
    programs: dict[str, Program] = {}
    for root in roots:
        for variant in _variants(bank, root, VARIANTS_PER_PROGRAM):
            program = Program(variant)
            programs.setdefault(str(program), program)
    ranked = sorted(programs.values(), key=lambda program: program.size)
    return ranked[:max_programs]


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


def _conditionals(bank: _Bank, inputs: list[dict[str, Any]], target: tuple[Any, ...]) -> list[TextExpr]:
    """`if <extension|folder> == X then A else B` where A fits the matching examples and B the rest."""
    found: list[TextExpr] = []
    for name in CONDITION_FEATURES:
        values = [Feature(name).evaluate(ctx) for ctx in inputs]
        for value in dict.fromkeys(values):
            matching = [i for i, seen in enumerate(values) if seen == value]
            others = [i for i in range(len(values)) if values[i] != value]
            if not matching or not others:
                continue
            then = _smallest_fitting(bank, target, matching)
            otherwise = _smallest_fitting(bank, target, others)
            if then is not None and otherwise is not None:
                found.append(If(name, value, then, otherwise))
    return sorted(found, key=lambda node: node.size)


def _smallest_fitting(bank: _Bank, target: tuple[Any, ...], indexes: list[int]) -> TextExpr | None:
    for size in sorted(bank.text_by_size):
        for node in bank.text_by_size[size]:
            signature = bank.signature_of[node]
            if all(signature[i] == target[i] for i in indexes):
                return node
    return None


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
    programs: list[Program],
    features: dict[str, Any],
    top_k: int = 5,
    n_examples: int | None = None,
    min_agreement: float = 0.75,
) -> tuple[str | None, float]:
    """The answer the simplest consistent programs agree on for a new input, and how sure that is.

    Each of the `top_k` smallest programs votes with weight 2^-(extra size), so a
    much larger program counts less than a rival of the same size. Confidence is the
    winning answer's share of the vote, times n/(n+1) for n examples (two examples
    never give more than 0.67). Below `min_agreement` the programs disagree and the
    answer is None (abstain); a program with no answer votes for abstaining.
    """
    top = sorted(programs, key=lambda program: program.size)[:top_k]
    if not top:
        return None, 0.0
    smallest = top[0].size
    votes: dict[str | None, float] = {}
    for program in top:
        answer = program.evaluate(features)
        votes[answer] = votes.get(answer, 0.0) + 0.5 ** (program.size - smallest)
    total = sum(votes.values())
    answer, weight = max(votes.items(), key=lambda vote: vote[1])
    share = weight / total
    evidence = n_examples / (n_examples + 1) if n_examples is not None else 1.0
    if answer is None or share < min_agreement:
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
