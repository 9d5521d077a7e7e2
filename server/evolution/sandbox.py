"""Run generated Python only after an AST allow-list check, and only in a limited child process.

Two walls. `check_source` rejects anything outside a small, string-processing
subset of Python (no imports beyond re/string/math, no names or attributes
starting with "_", no eval/exec/open/getattr..., no frame or traceback
attributes), so a candidate that tries to escape is never run. What passes runs
in `sandbox_child.py`: a fresh `python -I -S` in an empty scratch folder, a
minimal environment, restricted builtins, no network (its own network namespace
when the machine allows, and the socket modules removed in any case), and
memory, CPU, file-size, open-file and process limits; the parent kills the
whole process group at the wall-clock deadline. One process runs a whole batch
of inputs, so validating a candidate costs one interpreter start.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import shutil
import signal
import string
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHILD_SCRIPT = Path(__file__).with_name("sandbox_child.py")
ALLOWED_IMPORTS = frozenset({"re", "string", "math"})
MAX_SOURCE_CHARS = 50_000
# Interpreter start-up and JSON on top of the candidate's own time budget.
STARTUP_GRACE_S = 3.0

ALLOWED_NODES = frozenset(
    [
        "Module",
        "Expr",
        "FunctionDef",
        "arguments",
        "arg",
        "Return",
        "Assign",
        "AugAssign",
        "AnnAssign",
        "For",
        "While",
        "If",
        "Pass",
        "Break",
        "Continue",
        "Try",
        "ExceptHandler",
        "Raise",
        "Assert",
        "Delete",
        "Import",
        "ImportFrom",
        "alias",
        "BoolOp",
        "BinOp",
        "UnaryOp",
        "IfExp",
        "Dict",
        "Set",
        "List",
        "Tuple",
        "ListComp",
        "SetComp",
        "DictComp",
        "GeneratorExp",
        "comprehension",
        "Compare",
        "Call",
        "keyword",
        "Constant",
        "JoinedStr",
        "FormattedValue",
        "Attribute",
        "Subscript",
        "Slice",
        "Starred",
        "Name",
        "NamedExpr",
        "Lambda",
        "Load",
        "Store",
        "Del",
        "And",
        "Or",
        "Add",
        "Sub",
        "Mult",
        "Div",
        "FloorDiv",
        "Mod",
        "Pow",
        "LShift",
        "RShift",
        "BitOr",
        "BitXor",
        "BitAnd",
        "MatMult",
        "Invert",
        "Not",
        "UAdd",
        "USub",
        "Eq",
        "NotEq",
        "Lt",
        "LtE",
        "Gt",
        "GtE",
        "Is",
        "IsNot",
        "In",
        "NotIn",
    ]
)

FORBIDDEN_NAMES = frozenset(
    [
        "eval",
        "exec",
        "compile",
        "open",
        "input",
        "globals",
        "locals",
        "vars",
        "getattr",
        "setattr",
        "delattr",
        "hasattr",
        "breakpoint",
        "help",
        "memoryview",
        "type",
        "object",
        "super",
        "dir",
        "id",
        "print",
        "exit",
        "quit",
        "classmethod",
        "staticmethod",
        "property",
        "BaseException",
        "SystemExit",
        "KeyboardInterrupt",
        "GeneratorExit",
    ]
)

# Public attributes that lead to frames, code objects or tracebacks, and from there to real globals.
FORBIDDEN_ATTRIBUTES = frozenset(
    [
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "gi_running",
        "cr_frame",
        "cr_code",
        "cr_await",
        "ag_frame",
        "ag_code",
        "f_back",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_code",
        "f_trace",
        "tb_frame",
        "tb_next",
        "tb_lasti",
        "co_code",
        "co_consts",
        "co_names",
        "mro",
        "format_map",
    ]
)


@dataclass(frozen=True)
class SandboxResult:
    ok: bool
    value: Any = None
    error: str | None = None


def check_source(source: str) -> list[str]:
    """Every rule the source breaks; an empty list means it may run in the sandbox."""
    if len(source) > MAX_SOURCE_CHARS:
        return [f"source is longer than {MAX_SOURCE_CHARS} characters"]
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return [f"does not parse: {error}"]
    violations: list[str] = []
    for node in ast.walk(tree):
        violations.extend(_node_violations(node))
    return list(dict.fromkeys(violations))


def _node_violations(node: ast.AST) -> list[str]:
    where = f"line {getattr(node, 'lineno', '?')}"
    kind = type(node).__name__
    if kind not in ALLOWED_NODES:
        return [f"{where}: {kind} is not allowed"]
    found = []
    if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in FORBIDDEN_NAMES):
        found.append(f"{where}: name {node.id!r} is not allowed")
    elif isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr in FORBIDDEN_ATTRIBUTES):
        found.append(f"{where}: attribute {node.attr!r} is not allowed")
    elif isinstance(node, (ast.FunctionDef, ast.arg)):
        name = node.name if isinstance(node, ast.FunctionDef) else node.arg
        if name.startswith("_") or name in FORBIDDEN_NAMES:
            found.append(f"{where}: name {name!r} is not allowed")
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            found.append(f"{where}: decorators are not allowed")
    elif isinstance(node, ast.Import):
        found += [f"{where}: import {a.name!r} is not allowed" for a in node.names if a.name not in ALLOWED_IMPORTS]
    elif isinstance(node, ast.ImportFrom):
        if node.level or node.module not in ALLOWED_IMPORTS:
            found.append(f"{where}: import from {node.module!r} is not allowed")
    elif isinstance(node, ast.alias):
        if node.name.startswith("_") or (node.asname or "").startswith("_") or node.name == "*":
            found.append(f"{where}: import of {node.name!r} is not allowed")
    elif isinstance(node, ast.ExceptHandler) and node.type is None:
        found.append(f"{where}: a bare except is not allowed")
    elif isinstance(node, ast.keyword) and node.arg is not None and node.arg.startswith("_"):
        found.append(f"{where}: keyword {node.arg!r} is not allowed")
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        found += [f"{where}: {problem}" for problem in _format_call_violations(node.func.value)]
    return found


def _format_call_violations(receiver: ast.expr) -> list[str]:
    """`.format` reads attributes and items named in its string (`"{0.__class__}"`), out of the AST's sight.

    So it is allowed only on a literal string whose fields name plain positions
    or keywords, nested specs included.
    """
    if not (isinstance(receiver, ast.Constant) and isinstance(receiver.value, str)):
        return ["str.format is allowed only on a literal string (use an f-string)"]
    pending = [receiver.value]
    while pending:
        try:
            fields = list(string.Formatter().parse(pending.pop()))
        except ValueError as error:
            return [f"bad format string: {error}"]
        for _, field, spec, _ in fields:
            if field is not None and ("." in field or "[" in field):
                return [f"format field {field!r} reads an attribute or item; use an f-string"]
            if spec:
                pending.append(spec)
    return []


def run_in_sandbox(
    source: str, func_name: str, inputs: list[dict[str, Any]], timeout_s: float = 2.0, memory_mb: int = 256
) -> list[SandboxResult]:
    """`func_name(input)` for every input, in one limited child process; rule breakers never run.

    `timeout_s` is the budget for the whole batch; an input that runs past it, and
    every input after it, fails with "timed out".
    """
    violations = check_source(source)
    if not func_name.isidentifier() or func_name.startswith("_"):
        violations.append(f"function name {func_name!r} is not allowed")
    if violations:
        return _all_failed(len(inputs), "rejected: " + "; ".join(violations))
    if not inputs:
        return []
    request = json.dumps(
        {"source": source, "func_name": func_name, "inputs": inputs, "timeout_s": timeout_s, "memory_mb": memory_mb}
    )
    run = run_limited_child(CHILD_SCRIPT, request, timeout_s + STARTUP_GRACE_S, flags=("-I", "-S"))
    if run.timed_out:
        return _all_failed(len(inputs), f"timed out after {timeout_s:g} s (killed)")
    if run.returncode != 0:
        return _all_failed(len(inputs), _death_reason(run.returncode, run.errors))
    try:
        rows = json.loads(run.output)
    except ValueError:
        return _all_failed(len(inputs), "the sandbox returned no result")
    return [SandboxResult(bool(ok), value, error) for ok, value, error in rows]


@dataclass(frozen=True)
class ChildRun:
    timed_out: bool
    returncode: int | None
    output: bytes
    errors: bytes


def run_limited_child(script: Path, request: str, deadline_s: float, *, flags: tuple[str, ...] = ("-I",)) -> ChildRun:
    """Run `script` on `request` (stdin) in a scratch folder, its own session and no network.

    The child sets its own resource limits; the parent enforces the wall-clock
    deadline and kills the child's whole process group afterwards, whatever
    the child started.
    """
    scratch = tempfile.mkdtemp(prefix="scion-child-")
    try:
        process = subprocess.Popen(
            [*network_isolation_prefix(), sys.executable, *flags, str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=scratch,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": scratch, "TMPDIR": scratch},
            start_new_session=True,
        )
        try:
            output, errors = process.communicate(request.encode(), timeout=deadline_s)
        except subprocess.TimeoutExpired:
            return ChildRun(True, None, b"", b"")
        finally:
            _end_group(process)
        return ChildRun(False, process.returncode, output, errors)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _end_group(process: subprocess.Popen[bytes]) -> None:
    """Kill whatever is left in the child's process group, then reap the child."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.communicate()


def _death_reason(returncode: int | None, errors: bytes) -> str:
    if returncode == -signal.SIGXCPU:
        return "CPU time limit exceeded"
    if returncode == -signal.SIGKILL:
        return "killed (memory or time limit)"
    tail = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
    if "MemoryError" in tail[0]:
        return "memory limit exceeded"
    return f"sandbox process failed ({returncode}): {tail[0][:500]}"


def _all_failed(count: int, error: str) -> list[SandboxResult]:
    return [SandboxResult(False, None, error) for _ in range(count)]


@functools.cache
def network_isolation_prefix() -> tuple[str, ...]:
    """`unshare` into new user, network and PID namespaces when this machine allows it, else nothing.

    Without it the child still has no socket module; with it there is no network
    device to reach even through a hole in that, no other process it can name
    (its parent is pid 0 to it), and it may chroot into its scratch folder.
    """
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    for prefix in ((unshare, "--net", "--map-root-user", "--pid", "--fork"), (unshare, "--net", "--map-root-user")):
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return ()
        if probe.returncode == 0:
            return prefix
    return ()
