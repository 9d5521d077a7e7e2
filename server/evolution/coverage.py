"""Per-input confidence: is a new input like the examples a program was learned from?

A program consistent with every kept answer can still be a guess on an input
unlike them. `Envelope` summarises the examples; `unlike(program, features)`
says why the program should abstain on this input (None: it may answer):

- an extension no example had (conventions differ by language);
- a feature the program reads that every example had and this input lacks
  (an empty enclosing class where the answer was built from it);
- a depth outside the examples' range, for a program that reads path parts
  by position (`folders[1]`, `module_parts[2:]`);
- a condition whose branch this input would take on a value no example of
  that branch had (`folder == 'repos'` seen only beside `services/`, and now
  a file in `models/`);
- a literal that may be a feature: every example shared a value (all in
  `shop/`) and every answer carries it (`ShopOrder`), or the program holds it
  as text (`'Shop' + pascal(stem)`). On an input where that feature differs,
  `'Shop' + pascal(stem)` and `pascal(folder) + pascal(stem)` would answer
  differently, both fit the examples, and the examples cannot say which was
  meant (whichever of the two synthesis happened to rank first).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from server.evolution import dsl, runtime
from server.evolution.dsl import CASES, TEXT_FEATURES, Program

MIN_LITERAL = 2  # shorter shared values ("a", "") say nothing about a literal


@dataclass(frozen=True)
class Envelope:
    """What the examples looked like: the evidence behind "this input is like them"."""

    examples: tuple[dict[str, Any], ...]
    extensions: frozenset[str]
    depths: tuple[int, int]
    present: frozenset[str]  # text features non-empty in every example
    shared: dict[str, str]  # feature -> the one value every example had ("folders:<x>" -> a shared segment)
    carried: frozenset[str] = frozenset()  # the shared features every answer spells out

    @classmethod
    def of(cls, examples: Iterable[tuple[dict[str, Any], str]]) -> Envelope:
        pairs = tuple(examples)
        inputs = tuple(features for features, _ in pairs)
        if not inputs:
            return cls((), frozenset(), (0, 0), frozenset(), {})
        depths = [len(runtime.folders(ctx)) for ctx in inputs]
        values = {name: {runtime.feature(ctx, name) for ctx in inputs} for name in TEXT_FEATURES}
        shared = {name: next(iter(seen)) for name, seen in values.items() if len(seen) == 1}
        common_folders = set.intersection(*(set(runtime.folders(ctx)) for ctx in inputs))
        for segment in sorted(common_folders):
            shared[f"folders:{segment}"] = segment
        shared = {name: value for name, value in shared.items() if len(value) >= MIN_LITERAL}
        answers = [answer.lower() for _, answer in pairs]
        carried = frozenset(
            name for name, value in shared.items() if all(_spelled_in(value, answer) for answer in answers)
        )
        return cls(
            examples=inputs,
            extensions=frozenset(values["extension"]),
            depths=(min(depths), max(depths)),
            present=frozenset(name for name, seen in values.items() if "" not in seen),
            shared=shared,
            carried=carried,
        )

    def unlike(self, program: Any, features: dict[str, Any]) -> str | None:
        """Why this input is unlike the examples for this program, or None."""
        if not self.examples:
            return None
        extension = runtime.feature(features, "extension")
        if self.extensions and extension not in self.extensions:
            return f"extension {extension!r} is not among the examples' ({', '.join(sorted(self.extensions))})"
        if not isinstance(program, Program):
            # An LLM-written program: only what the examples themselves show can be checked.
            return self._literal_unlike([], features)
        nodes = list(_nodes(program.root))
        for node in nodes:
            if isinstance(node, dsl.Feature) and node.name in self.present and not runtime.feature(features, node.name):
                return f"it has no {node.name}, which every example had"
        if any(_positional(node) for node in nodes):
            depth = len(runtime.folders(features))
            low, high = self.depths
            if not low <= depth <= high:
                return f"its path is {depth} folders deep; the examples were {low} to {high}"
        for node in nodes:
            if isinstance(node, dsl.If):
                reason = self._branch_unlike(node, features)
                if reason:
                    return reason
        return self._literal_unlike(nodes, features)

    def _branch_unlike(self, node: dsl.If, features: dict[str, Any]) -> str | None:
        taken = node.condition(features)
        same_side = [ctx for ctx in self.examples if node.condition(ctx) == taken]
        if not same_side:
            return None
        if node.test == "equals":
            value = runtime.feature(features, node.feature)
            if value not in {runtime.feature(ctx, node.feature) for ctx in self.examples}:
                return f"no example had {node.feature} {value!r}, so `{node.condition_text()}` cannot tell"
        elif node.test == "has_folder" and not taken:
            other_side = [ctx for ctx in self.examples if node.condition(ctx) != taken]
            marks = set().union(*(runtime.folders(ctx) for ctx in same_side)) - set().union(
                *(runtime.folders(ctx) for ctx in other_side)
            )
            if marks and not marks & set(runtime.folders(features)):
                return f"it is in none of the folders ({', '.join(sorted(marks))}) of the examples of that branch"
        return None

    def _literal_unlike(self, nodes: list[Any], features: dict[str, Any]) -> str | None:
        literals = [_literal(node).lower() for node in nodes if _literal(node)]
        now_folders = set(runtime.folders(features))
        for name, value in self.shared.items():
            differs = (
                value not in now_folders if name.startswith("folders:") else runtime.feature(features, name) != value
            )
            if not differs:
                continue
            feature = "folder" if name.startswith("folders:") else name
            if name in self.carried:
                return f"every example had {feature} {value!r} and every answer spells it: a literal or the {feature}?"
            if any(_spelled_in(value, literal) for literal in literals):
                return f"every example had {feature} {value!r} and the program holds it as text"
        return None


def _spelled_in(value: str, text: str) -> bool:
    """Whether `text` (lower case) contains `value` in any of the case conversions."""
    return any(spelling in text for spelling in {CASES[case](value).lower() for case in CASES} | {value.lower()})


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    if is_dataclass(node):
        for slot in fields(node):
            child = getattr(node, slot.name)
            if is_dataclass(child):
                yield from _nodes(child)


def _positional(node: Any) -> bool:
    return isinstance(node, dsl.Item) or (isinstance(node, dsl.Parts) and node.start > 0)


def _literal(node: Any) -> str:
    if isinstance(node, dsl.Const):
        return node.text
    if isinstance(node, (dsl.AddPrefix, dsl.AddSuffix)):
        return node.text
    return ""
