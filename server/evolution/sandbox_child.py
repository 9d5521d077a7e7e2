"""The sandbox's child process: run one checked function on many inputs, under limits.

Started by `sandbox.run_in_sandbox` as `python -I -S sandbox_child.py` in an
empty scratch folder (inside a fresh network namespace when the machine allows
it). Reads one JSON request on stdin: {source, func_name, inputs, timeout_s,
memory_mb}; writes one JSON list of [ok, value, error] on stdout. It imports
nothing from Scion: the isolated interpreter cannot see the package, and the
less it loads, the less there is to reach (so the annotations are never
evaluated, and typing is imported only by the type checker).
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import signal
import string
import sys
import time
from types import FrameType, ModuleType, SimpleNamespace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypedDict

    class Request(TypedDict):
        source: str
        func_name: str
        inputs: list[Any]
        timeout_s: float
        memory_mb: int

    Result = list[Any]  # [ok, value, error]

SAFE_BUILTINS = [
    "abs",
    "all",
    "any",
    "ascii",
    "bin",
    "bool",
    "chr",
    "dict",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "format",
    "frozenset",
    "hex",
    "int",
    "isinstance",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "oct",
    "ord",
    "pow",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "slice",
    "sorted",
    "str",
    "sum",
    "tuple",
    "zip",
    "ArithmeticError",
    "AssertionError",
    "Exception",
    "IndexError",
    "KeyError",
    "LookupError",
    "NotImplementedError",
    "OverflowError",
    "RuntimeError",
    "TypeError",
    "UnicodeError",
    "ValueError",
    "ZeroDivisionError",
]

RE_EXPORTS = [
    "compile",
    "search",
    "match",
    "fullmatch",
    "split",
    "findall",
    "finditer",
    "sub",
    "subn",
    "escape",
    "error",
    "IGNORECASE",
    "I",
    "MULTILINE",
    "M",
    "DOTALL",
    "S",
    "VERBOSE",
    "X",
    "ASCII",
    "A",
]
STRING_EXPORTS = [
    "ascii_letters",
    "ascii_lowercase",
    "ascii_uppercase",
    "digits",
    "hexdigits",
    "octdigits",
    "punctuation",
    "printable",
    "whitespace",
    "capwords",
]

# Each result is capped so a candidate cannot flood the parent's pipe.
MAX_RESULT_CHARS = 100_000


class TimeLimit(BaseException):
    """Raised in the candidate when its time is up; BaseException so `except Exception` cannot swallow it."""


def set_limit(kind: int, value: int) -> None:
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        pass  # not allowed here (e.g. RLIMIT_NPROC in some containers): the other limits still hold


def apply_limits(timeout_s: float, memory_mb: int) -> None:
    set_limit(resource.RLIMIT_AS, memory_mb * 1024 * 1024)
    set_limit(resource.RLIMIT_CPU, math.ceil(timeout_s) + 1)
    set_limit(resource.RLIMIT_FSIZE, 0)
    set_limit(resource.RLIMIT_CORE, 0)
    set_limit(resource.RLIMIT_NPROC, 0)
    # stdin, stdout and stderr are all the candidate ever gets: no other file can be opened.
    set_limit(resource.RLIMIT_NOFILE, 3)
    # A write past RLIMIT_FSIZE should fail as an error, not kill the batch.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def confine_filesystem() -> None:
    """Make the scratch folder (the working folder) the whole file system, where the namespaces allow it.

    The second wall behind the source checks: code that got past them could
    still unlink, truncate or read files by path (RLIMIT_NOFILE only stops
    opening new ones). Everything the child needs is imported by now.
    """
    try:
        os.chroot(os.getcwd())
        os.chdir("/")
    except OSError:
        pass  # no user namespace here: the other walls still hold


def block_network() -> None:
    # None in sys.modules makes an import fail (the import system documents it; typeshed's type leaves it out).
    modules: Any = sys.modules
    for name in ("socket", "_socket", "ssl", "_ssl", "select", "selectors", "asyncio"):
        modules[name] = None


def module_view(module: ModuleType, names: list[str]) -> SimpleNamespace:
    """Only the listed attributes: a real module leaks others (`re.enum.sys.modules`)."""
    return SimpleNamespace(**{name: getattr(module, name) for name in names})


def restricted_builtins() -> dict[str, Any]:
    import builtins

    allowed = {name: getattr(builtins, name) for name in SAFE_BUILTINS}
    modules = {
        "re": module_view(re, RE_EXPORTS),
        "string": module_view(string, STRING_EXPORTS),
        "math": module_view(math, [name for name in dir(math) if not name.startswith("_")]),
    }

    def guarded_import(
        name: str,
        globals: dict[str, Any] | None = None,
        locals: dict[str, Any] | None = None,
        fromlist: tuple[str, ...] = (),
        level: int = 0,
    ) -> SimpleNamespace:
        if level or name not in modules:
            raise ImportError(f"import of {name!r} is not allowed")
        return modules[name]

    allowed["__import__"] = guarded_import
    return allowed


def on_alarm(signum: int, frame: FrameType | None) -> None:
    raise TimeLimit()


def run(request: Request) -> list[Result]:
    namespace: dict[str, Any] = {"__builtins__": restricted_builtins(), "__name__": "candidate"}
    deadline = time.monotonic() + request["timeout_s"]
    signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, request["timeout_s"])
        exec(compile(request["source"], "<candidate>", "exec"), namespace)
        function = namespace.get(request["func_name"])
        signal.setitimer(signal.ITIMER_REAL, 0)
    except TimeLimit:
        return [[False, None, "timed out while loading"]] * len(request["inputs"])
    except BaseException as error:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return [[False, None, f"failed to load: {type(error).__name__}: {error}"]] * len(request["inputs"])
    if not callable(function):
        return [[False, None, f"no function {request['func_name']!r}"]] * len(request["inputs"])
    results: list[Result] = []
    for value in request["inputs"]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            results.append([False, None, "timed out"])
            continue
        results.append(call(function, value, remaining))
    return results


def call(function: Callable[[Any], Any], value: Any, seconds: float) -> Result:
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        answer = function(value)
        signal.setitimer(signal.ITIMER_REAL, 0)
        encoded = json.dumps(answer)
    except TimeLimit:
        return [False, None, "timed out"]
    except MemoryError:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return [False, None, "memory limit exceeded"]
    except BaseException as error:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return [False, None, f"{type(error).__name__}: {error}"[:1000]]
    if len(encoded) > MAX_RESULT_CHARS:
        return [False, None, "result too large"]
    return [True, answer, None]


def main() -> None:
    request = json.loads(sys.stdin.read())
    protocol = sys.stdout
    sys.stdout = sys.stderr
    confine_filesystem()
    apply_limits(request["timeout_s"], request["memory_mb"])
    block_network()
    results = run(request)
    protocol.write(json.dumps(results))
    protocol.flush()
    os._exit(0)


main()
