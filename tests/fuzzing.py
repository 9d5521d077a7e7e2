"""The LSP fuzzer's vocabulary: hypothesis strategies for messages, and the checks.

Used by tests/robustness/test_fuzz.py (bounded, in the suite) and by
bench/fuzz_soak.py (as long as you like). A scenario is a list of steps, each
a valid or invalid message: didOpen, didChange, didClose, codeAction, hover,
executeCommand with random arguments, params replaced by random JSON, or bytes
that are not JSON. After each scenario the server must have answered every
request with a result or a one-line error, still be alive and answer a valid
request, and have written nothing but LSP on its stdout.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.wire import WireClient

COMMANDS = [
    "scion.generate",
    "scion.listTemplates",
    "scion.accept",
    "scion.reject",
    "scion.upgrade",
    "scion.skipVersion",
    "scion.resolveConflict",
    "scion.upgradeAll",
    "scion.stats",
    "scion.evolveStatus",
    "scion.noSuchCommand",
]
TEMPLATES = ["python/dataclass", "python/pytest-module", "python/pydantic-model", "go/table-test", "no/such-template"]
LANGUAGES = ["python", "typescript", "go", "rust", "yaml", "plaintext", "", "no-such-language"]
PIECES = [
    "class A:\n",
    "    def f(self):\n",
    "        return 1\n",
    "\n",
    "x = 1\n",
    "import os\n",
    "\t",
    " ",
    "é",
    "😋",
    "\r\n",
    "\r",
    "\x00",
    "\ud800",
    "\udfff",
    "<<<<<<< yours\n",
    "=======\n",
    ">>>>>>> template\n",
    "{{ x }}",
    "def g(",
    ")",
    "'",
    '"',
    "\\",
    "ä" * 3,
    "func main() {\n",
    "}\n",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
small_ints = st.integers(0, 60)


def uris(workspace_uri: str):
    return st.sampled_from(
        [
            f"{workspace_uri}/a.py",
            f"{workspace_uri}/src/b.py",
            f"{workspace_uri}/c.ts",
            f"{workspace_uri}/d.go",
            f"{workspace_uri}/a.py.template-answers.yml",
            "untitled:Untitled-1",
            "untitled:Untitled-2",
            f"{workspace_uri}/{'n' * 300}.py",
            f"{workspace_uri}/nul%00.py",
            "file:///outside/x.py",
            "vscode-notebook-cell:/nb.ipynb#cell1",
            "not-a-uri",
            "",
            f"{workspace_uri}/sp%20ace.py",
        ]
    ) | st.text(max_size=20)


positions = st.fixed_dictionaries({"line": small_ints, "character": st.integers(0, 90)})
odd_positions = (
    positions
    | json_values
    | st.fixed_dictionaries({"line": st.integers(-5, 2**33), "character": st.integers(-5, 2**33)})
)


def ranges(position_strategy):
    return st.fixed_dictionaries({"start": position_strategy, "end": position_strategy})


def command_arguments(uri_strategy):
    plausible = st.fixed_dictionaries(
        {"templateId": st.sampled_from(TEMPLATES), "uri": uri_strategy},
        optional={
            "position": odd_positions,
            "answers": st.dictionaries(
                st.sampled_from(["class_name", "fields", "subject", "n", "frozen"]), json_values | texts, max_size=3
            ),
            "version": st.sampled_from(["1.0.0", "1.1.0", "9.9.9"]) | json_values,
            "generationId": st.text(max_size=8) | json_values,
            "index": json_values | small_ints,
            "choice": st.sampled_from(["mine", "template", "both"]) | json_values,
            "preview": json_values,
        },
    )
    return st.lists(plausible | json_values, max_size=2)


@st.composite
def steps(draw, workspace_uri: str):
    """One message, as ("request" | "notify" | "raw", method or bytes, params)."""
    uri_strategy = uris(workspace_uri)
    uri = draw(uri_strategy)
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return (
            "notify",
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": draw(st.sampled_from(LANGUAGES)),
                    "version": draw(st.integers(0, 100)),
                    "text": draw(texts),
                }
            },
        )
    if kind == 1:
        change = draw(
            st.fixed_dictionaries({"range": ranges(positions), "text": texts})
            | st.fixed_dictionaries({"text": texts})
            | st.fixed_dictionaries({"range": ranges(odd_positions), "text": texts})
        )
        return (
            "notify",
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": draw(st.integers(0, 100))},
                "contentChanges": draw(st.lists(st.just(change), min_size=1, max_size=2)),
            },
        )
    if kind == 2:
        return ("notify", "textDocument/didClose", {"textDocument": {"uri": uri}})
    if kind == 3:
        only = draw(
            st.none() | st.lists(st.sampled_from(["refactor", "source", "quickfix", "refactor.rewrite"]), max_size=2)
        )
        context: dict[str, Any] = {"diagnostics": []}
        if only is not None:
            context["only"] = only
        return (
            "request",
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": draw(ranges(positions)), "context": context},
        )
    if kind == 4:
        return ("request", "textDocument/hover", {"textDocument": {"uri": uri}, "position": draw(odd_positions)})
    if kind in (5, 6):
        return (
            "request",
            "workspace/executeCommand",
            {"command": draw(st.sampled_from(COMMANDS)), "arguments": draw(command_arguments(uri_strategy))},
        )
    if kind == 7:
        method = draw(
            st.sampled_from(
                [
                    "textDocument/hover",
                    "textDocument/codeAction",
                    "workspace/executeCommand",
                    "textDocument/didOpen",
                    "textDocument/didChange",
                    "workspace/didChangeConfiguration",
                    "scion/unknown",
                    "$/cancelRequest",
                ]
            )
        )
        return (draw(st.sampled_from(["request", "notify"])), method, draw(json_values))
    if kind == 8:
        return ("notify", "workspace/didChangeConfiguration", {"settings": {"scion": draw(json_values)}})
    return (
        "raw",
        draw(
            st.sampled_from(
                [
                    b"{",
                    b"[]",
                    b"null",
                    b"42",
                    b"\xff\xfe",
                    b'{"jsonrpc": "2.0"}',
                    b'{"id": 3}',
                    b'{"jsonrpc": "2.0", "id": "s", "method": "textDocument/hover", "params": {"textDocument": 1}}',
                ]
            )
        ),
        None,
    )


def scenarios(workspace_uri: str):
    return st.lists(steps(workspace_uri), min_size=1, max_size=8)


def one_line_problem(message: Any) -> str | None:
    if not isinstance(message, str) or not message:
        return f"empty or non-text message {message!r}"
    if "\n" in message or "Traceback" in message or len(message) > 600:
        return f"message is not one short line: {message[:300]!r}"
    return None


def play(wire: WireClient, scenario: list, *, timeout: float = 60.0) -> list[str]:
    """Send the scenario; return the problems found (empty when the server behaved)."""
    problems: list[str] = []
    seen = len(wire.messages())
    for kind, method, params in scenario:
        if kind == "raw":
            wire.send_bytes(method)
            continue
        if kind == "notify":
            wire.notify(method, params)
            continue
        response = wire.request(method, params, timeout=timeout)
        if "result" not in response and "error" not in response:
            problems.append(f"{method}: a response with neither result nor error: {response}")
        error = response.get("error")
        if error is not None:
            if (problem := one_line_problem(error.get("message"))) is not None:
                problems.append(f"{method}: {problem}")
            if "traceback" in json.dumps(error.get("data")).lower():
                problems.append(f"{method}: a traceback in the error data")
            if "details in the Scion log" in error.get("message", ""):
                problems.append(f"{method}: an unexpected failure: {error['message']}")
    problems += check(wire, timeout=timeout, since=seen)
    return problems


def check(wire: WireClient, *, timeout: float = 60.0, since: int = 0) -> list[str]:
    problems = []
    try:
        pong = wire.ping(timeout=timeout)
        if "result" not in pong:
            problems.append(f"a valid hover was not answered with a result: {pong}")
    except AssertionError as error:
        problems.append(f"the server stopped answering: {error}")
    if not wire.alive():
        problems.append(f"the server exited with {wire.process.returncode}")
    if wire.garbage:
        problems.append(f"bytes on stdout that are not LSP: {wire.garbage[:2]}")
    shown_now = [m["params"].get("message") for m in wire.messages()[since:] if m["method"] == "window/showMessage"]
    for shown in shown_now:
        if (problem := one_line_problem(shown)) is not None:
            problems.append(f"showMessage: {problem}")
        if "details in the Scion log" in shown:
            problems.append(f"showMessage of an unexpected failure: {shown}")
    return problems
