"""The VS Code suites: unit tests of the extension and the end-to-end test.

    .venv/bin/python tests/vscode/run.py [--unit-only | --e2e-only]

1. tests/vscode/setup.sh installs Node 24, code-server, playwright-core and
   Chromium, cached by version (SCION_CACHE, default ~/.cache/scion-e2e).
2. clients/vscode: `npm ci` when its lockfile changed, the unit tests
   (`node --test` with a fake vscode module), then the .vsix (esbuild + vsce).
3. tests/vscode/e2e.mjs installs the .vsix into an isolated code-server and
   drives it in Chromium, on one folder and then on a two-folder
   .code-workspace; screenshots go to test-output/vscode/.

Ends with "vscode: N passed, N failed" and exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXTENSION = REPO / "clients" / "vscode"
OUT_DIR = REPO / "test-output" / "vscode"


def log(message: str) -> None:
    print(f"[vscode] {message}", flush=True)


def run(command: list[str], cwd: Path, env: dict[str, str], capture: bool = False) -> subprocess.CompletedProcess:
    log(f"$ {' '.join(command)}")
    result = subprocess.run(command, cwd=cwd, env=env, text=True, capture_output=capture)
    if capture:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
    return result


def setup(env: dict[str, str]) -> dict[str, str]:
    result = subprocess.run(["bash", str(HERE / "setup.sh")], env=env, text=True, stdout=subprocess.PIPE)
    if result.returncode != 0:
        raise SystemExit(f"[vscode] setup.sh failed with {result.returncode}")
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def needs_npm_ci() -> bool:
    installed = EXTENSION / "node_modules" / ".package-lock.json"
    return not installed.exists() or installed.stat().st_mtime < (EXTENSION / "package-lock.json").stat().st_mtime


def counts(output: str, passed: str, failed: str) -> tuple[int, int]:
    found_passed = re.findall(passed, output, re.MULTILINE)
    found_failed = re.findall(failed, output, re.MULTILINE)
    return (int(found_passed[-1]) if found_passed else 0, int(found_failed[-1]) if found_failed else 0)


def interpreter() -> Path:
    venv = REPO / ".venv" / "bin" / "python"
    return venv if venv.exists() else Path(sys.executable)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit-only", action="store_true", help="only the extension's unit tests (no code-server)")
    parser.add_argument("--e2e-only", action="store_true", help="skip the unit tests")
    args = parser.parse_args()

    timings: list[tuple[str, float]] = []
    passed = failed = 0
    broken: list[str] = []
    env = dict(os.environ)

    started = time.monotonic()
    tools = setup(env) if not args.unit_only else {}
    timings.append(("setup", time.monotonic() - started))
    if tools:
        # Node 24 first on PATH for npm, esbuild, vsce and the e2e driver alike.
        env["PATH"] = f"{tools['NODE24_BIN']}{os.pathsep}{env['PATH']}"

    started = time.monotonic()
    if needs_npm_ci() and run(["npm", "ci", "--no-audit", "--no-fund"], EXTENSION, env).returncode != 0:
        broken.append("npm ci")
    timings.append(("npm ci", time.monotonic() - started))

    if not broken and not args.e2e_only:
        started = time.monotonic()
        result = run(["npm", "run", "-s", "test:unit"], EXTENSION, env, capture=True)
        unit_passed, unit_failed = counts(result.stdout, r"^(?:#|ℹ) pass (\d+)", r"^(?:#|ℹ) fail (\d+)")
        passed, failed = passed + unit_passed, failed + unit_failed
        if result.returncode != 0 or unit_passed == 0:
            broken.append("unit tests")
        timings.append(("unit tests", time.monotonic() - started))

    if not broken and not args.unit_only:
        started = time.monotonic()
        if run(["npm", "run", "-s", "package"], EXTENSION, env).returncode != 0:
            broken.append("vsix build")
        timings.append(("typecheck + bundle + vsix", time.monotonic() - started))

    if not broken and not args.unit_only:
        started = time.monotonic()
        python = interpreter()
        e2e_env = {
            **env,
            **tools,
            "VSIX": str(EXTENSION / "scion.vsix"),
            "SCION_PYTHON": str(python),
            "SCION_CLI": str(python.parent / "scion"),
            "OUT_DIR": str(OUT_DIR),
        }
        result = run(["node", str(HERE / "e2e.mjs")], REPO, e2e_env, capture=True)
        e2e_passed, e2e_failed = counts(result.stdout, r"^(\d+) passed", r"^\d+ passed, (\d+) failed")
        passed, failed = passed + e2e_passed, failed + e2e_failed
        if result.returncode != 0:
            broken.append("e2e")
        timings.append(("e2e in code-server", time.monotonic() - started))

    log("timings: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings))
    if broken:
        log(f"failed: {', '.join(broken)}")
    print(f"vscode: {passed} passed, {failed + (1 if broken and not failed else 0)} failed")
    return 1 if broken or failed else 0


if __name__ == "__main__":
    sys.exit(main())
