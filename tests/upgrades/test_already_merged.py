"""No upgrade is offered to a file whose user already made the template's change: merging would change nothing."""

from __future__ import annotations

import json

from tests.conftest import generate_outdated, scion_process


def test_a_file_that_already_has_the_new_versions_change_is_not_offered_an_upgrade(workspace):
    for name in ("order", "invoice"):
        generate_outdated(workspace, f"src/{name}.py")
    invoice = workspace / "src" / "invoice.py"
    assert "@dataclass\n" in invoice.read_text()
    invoice.write_text(invoice.read_text().replace("@dataclass\n", "@dataclass(slots=True)\n"))  # 1.1.0's change

    check = scion_process("check", "--json", cwd=workspace)

    assert check.returncode == 1
    assert [offer["file"] for offer in json.loads(check.stdout)] == ["src/order.py"]
