"""The sandbox runs good programs and stops every escape attempt, before or while running."""

from __future__ import annotations

import json
import tempfile

import pytest

from server.evolution import sandbox
from server.evolution.dsl import Program
from server.evolution.sandbox import check_source, run_in_sandbox
from server.evolution.synthesis import synthesize

from .contexts import examples_for, features_for

GOOD = """
import re

def infer(ctx: dict) -> str:
    words = [w for w in re.split(r"[_-]", ctx["stem"]) if w]
    return "".join(w.capitalize() for w in words)
"""


def body(code: str) -> str:
    indented = "\n".join("    " + line for line in code.strip().splitlines())
    return f"def infer(ctx):\n{indented}\n"


def test_good_program_runs_on_a_batch():
    results = run_in_sandbox(GOOD, "infer", [{"stem": "order_item"}, {"stem": "user-card"}, {}])
    assert [result.value for result in results[:2]] == ["OrderItem", "UserCard"]
    assert all(result.ok for result in results[:2])
    assert not results[2].ok and "KeyError" in results[2].error


def test_synthesised_program_passes_the_allow_list_and_agrees_with_the_dsl():
    programs = synthesize(
        examples_for([("lib/my_app/user.ex", "MyApp.User"), ("lib/shop/cart.ex", "Shop.Cart")], "elixir")
    )
    source = programs[0].to_python()
    assert check_source(source) == []
    inputs = [features_for(path, "elixir") for path in ("lib/billing/line_item.ex", "lib/a/b/c_d.ex")]
    results = run_in_sandbox(source, "infer", inputs)
    assert [result.value for result in results] == [programs[0].evaluate(features) for features in inputs]
    assert results[0].value == "Billing.LineItem"


REJECTED = {
    "import os": "import os\ndef infer(ctx):\n    return os.getcwd()\n",
    "import subprocess": body("import subprocess\nreturn subprocess.check_output(['id'])"),
    "import socket": body("import socket\nreturn str(socket.socket())"),
    "from os import system": "from os import system\ndef infer(ctx):\n    return system('true')\n",
    "open": body("return open('/etc/passwd').read()"),
    "write a file": body("open('x.txt', 'w').write('x')\nreturn 'written'"),
    "__import__": body("return __import__('os').getcwd()"),
    "subclasses walk": body("return ().__class__.__bases__[0].__subclasses__()"),
    "getattr with built strings": body("name = '_' + '_class_' + '_'\nreturn getattr((), name)"),
    "eval": body("return eval('1 + 1')"),
    "exec": body("exec('x = 1')\nreturn 'x'"),
    "compile": body("return compile('1', 'f', 'eval')"),
    "globals": body("return str(globals())"),
    "vars": body("return str(vars())"),
    "builtins dict": body("return __builtins__['open']"),
    "frame walk from a generator": body("g = (x for x in [1])\nreturn g.gi_frame.f_back.f_globals"),
    "global statement": "x = 1\ndef infer(ctx):\n    global x\n    return x\n",
    "class definition": "class A:\n    pass\ndef infer(ctx):\n    return 'a'\n",
    "async": "async def infer(ctx):\n    return 'a'\n",
    "with statement": body("with open('f') as f:\n    return f.read()"),
    "bare except": body("try:\n    return 'a'\nexcept:\n    return 'b'"),
    "type()": body("return type('A', (), {})"),
    "decorator": "@staticmethod\ndef infer(ctx):\n    return 'a'\n",
    "relative import": "from . import re\ndef infer(ctx):\n    return 'a'\n",
    "syntax error": "def infer(ctx:\n",
}


@pytest.mark.parametrize("source", REJECTED.values(), ids=REJECTED.keys())
def test_escapes_are_rejected_without_running(source, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a rejected candidate must not start a process")

    monkeypatch.setattr(sandbox.subprocess, "Popen", never)
    assert check_source(source)
    results = run_in_sandbox(source, "infer", [{}, {}])
    assert len(results) == 2
    assert all(not result.ok and result.error.startswith("rejected:") for result in results)


RUNTIME_STOPS = {
    "endless loop": (body("while True:\n    pass"), "timed out"),
    "endless loop that catches exceptions": (
        body("while True:\n    try:\n        pass\n    except Exception:\n        pass"),
        "timed out",
    ),
    "string memory bomb": (body("return 'x' * 10**10"), "memory"),
    "list growth": (body("items = []\nwhile True:\n    items.append('x' * 100000)"), "memory"),
    "deep recursion": ("def infer(ctx):\n    return infer(ctx)\n", "RecursionError"),
    "huge integer": (body("return str(10**10**9)"), "time"),  # "timed out" or "CPU time limit exceeded"
}


@pytest.mark.parametrize(("source", "expected"), RUNTIME_STOPS.values(), ids=RUNTIME_STOPS.keys())
def test_runaway_programs_are_stopped(source, expected):
    assert check_source(source) == []
    # What must stop a program by memory or recursion gets time to spare on a busy machine.
    timeout_s = 1.0 if "time" in expected else 20.0
    results = run_in_sandbox(source, "infer", [{}], timeout_s=timeout_s, memory_mb=128)
    assert not results[0].ok
    assert expected in results[0].error


def test_a_timeout_does_not_lose_the_earlier_answers():
    source = body("if ctx['slow']:\n    while True:\n        pass\nreturn 'fast'")
    results = run_in_sandbox(source, "infer", [{"slow": False}, {"slow": True}, {"slow": False}], timeout_s=0.5)
    assert results[0] == sandbox.SandboxResult(True, "fast", None)
    assert [result.error for result in results[1:]] == ["timed out", "timed out"]


BYPASSED = {
    "import os": "import os\ndef infer(ctx):\n    return os.getcwd()\n",
    "import socket": "import socket\ndef infer(ctx):\n    return 'net'\n",
    "__import__": body("return __import__('os').getcwd()"),
    "open": body("return open('/etc/hostname').read()"),
    "write a file": body("open('x.txt', 'w').write('x')\nreturn 'written'"),
    "eval": body("return eval('1')"),
    "getattr": body("return getattr((), 'count')"),
    "module attributes beyond the allowed ones": "import re\ndef infer(ctx):\n    return str(re.enum)\n",
}


@pytest.mark.parametrize("source", BYPASSED.values(), ids=BYPASSED.keys())
def test_the_child_process_holds_even_without_the_ast_check(source, monkeypatch):
    monkeypatch.setattr(sandbox, "check_source", lambda source: [])
    results = run_in_sandbox(source, "infer", [{}])
    assert not results[0].ok, results[0]


def test_allowed_modules_and_builtins_work():
    source = "import math\nfrom string import ascii_lowercase\ndef infer(ctx):\n    return str(math.floor(2.5)) + ascii_lowercase[:2]\n"
    assert run_in_sandbox(source, "infer", [{}])[0].value == "2ab"


def test_missing_function_and_bad_names():
    assert run_in_sandbox(body("return 'a'"), "other", [{}])[0].error == "no function 'other'"
    assert run_in_sandbox(body("return 'a'"), "_private", [{}])[0].error.startswith("rejected:")
    assert run_in_sandbox(body("return 'a'"), "infer", []) == []


def test_scratch_folder_is_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    run_in_sandbox(body("return 'a'"), "infer", [{}])
    assert list(tmp_path.iterdir()) == []


def test_program_to_python_is_sandbox_safe_for_every_node_kind():
    examples = examples_for(
        [("src/a.tsx", "component"), ("src/b.ts", "module"), ("x/c.tsx", "component"), ("x/d.ts", "module")]
    )
    program: Program = synthesize(examples)[0]
    assert check_source(program.to_python()) == []
    results = run_in_sandbox(program.to_python(), "infer", [features_for("w/e.tsx"), features_for("w/f.ts")])
    assert [result.value for result in results] == ["component", "module"]


# -- the second wall: the child process itself, for code that got past the source checks

_ESCAPED = """
def run(ctx):
    for cls in ().__class__.__base__.__subclasses__():
        if cls.__name__ == "_wrap_close":
            real = cls.__init__.__globals__
    seen = {"ppid": real["getppid"]()}
    for name, call in (("unlink", lambda: real["unlink"](ctx["victim"])), ("truncate", lambda: real["truncate"](ctx["victim"], 0))):
        try:
            call()
            seen[name] = "done"
        except Exception as error:
            seen[name] = error.__class__.__name__
    return seen
"""


def test_code_past_the_source_checks_cannot_touch_files_or_its_parent(tmp_path):
    if "--pid" not in sandbox.network_isolation_prefix():
        pytest.skip("this machine allows no user namespaces")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    assert check_source(_ESCAPED)  # the source checks refuse it: this runs it as if they had not
    request = json.dumps(
        {"source": _ESCAPED, "func_name": "run", "inputs": [{"victim": str(victim)}], "timeout_s": 5, "memory_mb": 256}
    )

    child = sandbox.run_limited_child(sandbox.CHILD_SCRIPT, request, 20, flags=("-I", "-S"))

    [[ok, seen, error]] = json.loads(child.output)
    assert ok, error
    assert seen == {"ppid": 0, "unlink": "FileNotFoundError", "truncate": "FileNotFoundError"}
    assert victim.read_text() == "keep me\n"


@pytest.mark.parametrize(
    "source",
    [
        "def f(x):\n    return '{0.__class__}'.format(x)\n",
        "def f(x):\n    return '{0[__builtins__]}'.format(x)\n",
        "def f(x):\n    return '{0:{1.__doc__}}'.format(x, x)\n",
        "def f(x):\n    fmt = '{0.__class__}'\n    return fmt.format(x)\n",
        "def f(x):\n    return str.format('{0.real}', x)\n",
    ],
)
def test_format_strings_cannot_read_attributes(source):
    assert any("format" in problem for problem in check_source(source))


def test_plain_format_strings_are_fine():
    assert check_source("def f(x):\n    return '{0}-{name:>{width}}'.format(x, name='a', width=3)\n") == []
