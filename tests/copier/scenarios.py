"""The data-driven copier scenarios: each YAML file in scenarios/ is one template and what to do with it.

```yaml
ported_from: tests/test_copy.py::test_name     # copier's test it comes from, or `scion` for our own
versions:                                      # one git commit (and tag) each, in order
  - tag: v1.0.0
    files: {copier.yml: "...", "{{ name }}.txt.jinja": "..."}
    executable: [run.sh]
copy: {data: {name: x}, vcs_ref: v1.0.0, args: []}   # all optional
update: {edits: {path: text or null}, to: v2.0.0, data: {}}   # optional: edit, then update
difference: why Scion deliberately differs here      # optional: the outcome is checked, not equality
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SCENARIOS = Path(__file__).parent / "scenarios"


@dataclass(frozen=True)
class Scenario:
    name: str
    ported_from: str
    versions: list[dict[str, Any]]
    copy: dict[str, Any] = field(default_factory=dict)
    update: dict[str, Any] | None = None
    difference: str | None = None

    def copy_args(self) -> list[str]:
        args = ["--defaults"]
        for key, value in (self.copy.get("data") or {}).items():
            args += [f"--data={key}={value}"]
        if self.copy.get("vcs_ref"):
            args += ["--vcs-ref", str(self.copy["vcs_ref"])]
        return args + list(self.copy.get("args") or [])

    def scion_args(self) -> list[str]:
        args = ["--defaults"]
        for key, value in (self.copy.get("data") or {}).items():
            args += ["--answer", f"{key}={value}"]
        if self.copy.get("vcs_ref"):
            args += ["--vcs-ref", str(self.copy["vcs_ref"])]
        return args + [arg.replace("--UNSAFE", "--trust") for arg in self.copy.get("args") or []]


def load_scenarios() -> list[Scenario]:
    found = []
    for path in sorted(SCENARIOS.glob("*.yml")):
        for index, raw in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))):
            name = raw.pop("name", f"{path.stem}-{index}")
            found.append(Scenario(name=name, **raw))
    return found
