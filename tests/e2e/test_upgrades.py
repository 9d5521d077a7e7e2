"""Template upgrades through the real server: offers, quick-fixes, preview, skip, conflicts."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types

from server.cli import main as scion
from server.upgrades import writes

# A workspace template whose 1.1.0 changes nothing for the default answers,
# and whose 2.0.0 asks a new question that has no default.
NOTE_V1 = {
    "template.yml": "title: Note\nmode: file\nwhere: [empty_file, module]\nlanguages: [python]\n"
    "questions:\n  topic:\n    type: str\n    default: notes\n",
    "files/{{ topic }}.py.jinja": '"""{{ topic }}"""\n',
}
NOTE_V11 = {
    "template.yml": NOTE_V1["template.yml"] + "  footer:\n    type: str\n    default: ''\n"
    "changelog:\n  1.1.0: An optional footer\nmigrations:\n  - version: 1.1.0\n    defaults: {footer: ''}\n",
    "files/{{ topic }}.py.jinja": '"""{{ topic }}"""\n{% if footer %}# {{ footer }}\n{% endif %}',
}
NOTE_V2 = {
    "template.yml": NOTE_V11["template.yml"].replace(
        "changelog:", "  owner:\n    type: str\n    help: Who owns it\nchangelog:"
    )
    + "  - version: 2.0.0\n    defaults: {}\n",
    "files/{{ topic }}.py.jinja": '"""{{ topic }}"""\n# owner: {{ owner }}\n',
}


def generate(workspace: Path, template: str, path: str, version: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        code = scion(
            [
                "generate",
                template,
                "--path",
                str(workspace / path),
                "--version",
                version,
                "--defaults",
                "--workspace",
                str(workspace),
            ]
        )
    assert code == 0


def write_template(workspace: Path, template: str, version: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = workspace / ".scion" / "templates" / template / version / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def dataclass_and_note(workspace: Path) -> None:
    generate(workspace, "python/dataclass", "src/order.py", "1.0.0")
    write_template(workspace, "demo/note", "1.0.0", NOTE_V1)
    generate(workspace, "demo/note", "docs/notes.py", "1.0.0")
    write_template(workspace, "demo/note", "1.1.0", NOTE_V11)


def elixir_cache_edited(workspace: Path) -> None:
    generate(workspace, "elixir/genserver-ets-cache", "lib/cache.ex", "1.0.0")
    path = workspace / "lib/cache.ex"
    path.write_text(path.read_text().replace("  defp now, do:", "  # mine\n  defp now, do:"))


def note_with_new_question(workspace: Path) -> None:
    write_template(workspace, "demo/note", "1.0.0", NOTE_V1)
    generate(workspace, "demo/note", "docs/notes.py", "1.0.0")
    write_template(workspace, "demo/note", "2.0.0", NOTE_V2)


def upgrade_diagnostics(editor, uri: str) -> list[types.Diagnostic]:
    return [d for d in editor.diagnostics(uri) if d.code == "scion.upgrade"]


def conflict_diagnostics(editor, uri: str) -> list[types.Diagnostic]:
    return [d for d in editor.diagnostics(uri) if d.code == "scion.conflict"]


async def fixes(editor, uri: str, diagnostic: types.Diagnostic) -> dict[str, types.CodeAction]:
    line = diagnostic.range.start.line
    actions = await editor.code_actions(uri, line, 0, diagnostics=[diagnostic], only=[types.CodeActionKind.QuickFix])
    return {action.title: action for action in actions}


@pytest.mark.setup.with_args(dataclass_and_note)
async def test_offer_only_when_the_render_changes_then_upgrade_from_the_quick_fix(editor):
    order = editor.open("src/order.py")
    [diagnostic] = await editor.wait_for(lambda: upgrade_diagnostics(editor, order))
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    assert diagnostic.message.startswith("python/dataclass 1.0.0 → 1.1.0: Adds slots=True")
    assert diagnostic.data["to"] == "1.1.0"
    notes = editor.open("docs/notes.py")
    await editor.code_actions(notes)  # a round trip: the check of notes.py has had its chance
    assert upgrade_diagnostics(editor, notes) == []

    actions = await fixes(editor, order, diagnostic)
    assert set(actions) == {"Upgrade python/dataclass to 1.1.0", "Preview upgrade", "Skip 1.1.0 for this file"}
    result = await editor.run(actions["Upgrade python/dataclass to 1.1.0"])

    assert result["status"] == "upgraded" and result["applied"]
    assert "@dataclass(slots=True)" in editor.text(order)
    answers = editor.path("src/order.py.template-answers.yml").read_text()
    assert "version: 1.1.0" in answers and "_upgraded_from: 1.0.0" in answers and "slots: true" in answers
    await editor.wait_for(lambda: not upgrade_diagnostics(editor, order))


@pytest.mark.setup.with_args(dataclass_and_note)
async def test_preview_sends_an_edit_that_needs_confirmation(editor):
    order = editor.open("src/order.py")
    [diagnostic] = await editor.wait_for(lambda: upgrade_diagnostics(editor, order))
    apply = editor._apply

    def apply_confirmed(edit: types.WorkspaceEdit) -> None:
        # The scripted editor "confirms" the preview: annotated edits become plain ones.
        for change in edit.document_changes or []:
            if isinstance(change, types.TextDocumentEdit):
                change.edits = [types.TextEdit(range=e.range, new_text=e.new_text) for e in change.edits]
        apply(edit)

    editor._apply = apply_confirmed
    result = await editor.run((await fixes(editor, order, diagnostic))["Preview upgrade"])

    edit = editor.applied[-1]
    [annotation] = edit.change_annotations.values()
    assert annotation.needs_confirmation is True
    assert result["applied"] and "@dataclass(slots=True)" in editor.text(order)


@pytest.mark.setup.with_args(dataclass_and_note)
async def test_a_declined_preview_changes_nothing(editor):
    order = editor.open("src/order.py")
    [diagnostic] = await editor.wait_for(lambda: upgrade_diagnostics(editor, order))
    editor.apply_edits = False
    result = await editor.run((await fixes(editor, order, diagnostic))["Preview upgrade"])
    assert not result["applied"]
    assert "version: 1.0.0" in editor.path("src/order.py.template-answers.yml").read_text()


@pytest.mark.setup.with_args(dataclass_and_note)
async def test_skip_this_version(editor):
    order = editor.open("src/order.py")
    [diagnostic] = await editor.wait_for(lambda: upgrade_diagnostics(editor, order))
    await editor.run((await fixes(editor, order, diagnostic))["Skip 1.1.0 for this file"])
    await editor.wait_for(lambda: not upgrade_diagnostics(editor, order))
    editor.close(order)
    order = editor.open("src/order.py")
    await editor.code_actions(order)
    assert upgrade_diagnostics(editor, order) == []
    counts = await editor.command("scion.upgradeAll", {})
    assert counts["upgraded"] == 0 and counts["skipped"] == 1


@pytest.mark.setup.with_args(elixir_cache_edited)
async def test_conflicts_get_diagnostics_and_fixes(editor):
    uri = editor.open("lib/cache.ex")
    await editor.wait_for(lambda: upgrade_diagnostics(editor, uri))
    result = await editor.command("scion.upgrade", {"uri": uri})

    assert result["status"] == "conflicted" and result["conflicts"] == 1
    assert "<<<<<<< yours" in editor.text(uri) and ">>>>>>> template 1.1.0" in editor.text(uri)
    await editor.wait_for(lambda: any("1 conflict" in m.message for m in editor.messages))
    [conflict] = await editor.wait_for(lambda: conflict_diagnostics(editor, uri))
    assert conflict.severity == types.DiagnosticSeverity.Error
    actions = await fixes(editor, uri, conflict)
    # The file's generation may still be pending (resumed at start-up): its keep/reject actions
    # are offered at the cursor too, once its region is relocated. The conflict's fixes are these three.
    assert {title for title in actions if not title.startswith("Scion: ")} == {
        "Keep mine",
        "Take template",
        "Keep both",
    }

    await editor.run(actions["Keep both"])
    text = editor.text(uri)
    assert "<<<<<<<" not in text and "  # mine\n" in text and "def handle_info(:sweep, state) do" in text
    await editor.wait_for(lambda: not conflict_diagnostics(editor, uri))


@pytest.mark.setup.with_args(note_with_new_question)
async def test_only_the_new_question_is_asked(editor):
    uri = editor.open("docs/notes.py")
    await editor.wait_for(lambda: upgrade_diagnostics(editor, uri))
    editor.answer = lambda params: {"owner": "ada"}
    result = await editor.command("scion.upgrade", {"uri": uri})

    assert [q["name"] for q in editor.asked[-1]["questions"]] == ["owner"]
    assert result["status"] == "upgraded"
    assert editor.text(uri) == '"""notes"""\n# owner: ada\n'
    assert "owner: ada" in editor.path("docs/notes.py.template-answers.yml").read_text()


@pytest.mark.setup.with_args(dataclass_and_note)
async def test_upgrade_all_counts_every_file(editor):
    counts = await editor.command("scion.upgradeAll", {})
    assert counts == {"upgraded": 1, "unchanged": 1, "conflicted": 0, "skipped": 0, "failed": 0}
    assert "slots=True" in editor.path("src/order.py").read_text()
    # The note renders the same at 1.1.0: its code stays, its answer file moves on.
    assert editor.path("docs/notes.py").read_text() == '"""notes"""\n'
    assert "version: 1.1.0" in editor.path("docs/notes.py.template-answers.yml").read_text()


_KILLED_BATCH = """
import os, sys
from pathlib import Path
from server.upgrades import writes

root = Path(sys.argv[1])
real = writes._apply

def apply_then_die(group):
    real(group)
    os._exit(9)  # killed right after writing: the journal is left behind

writes._apply = apply_then_die
staged = writes.StagedWrites(root)
staged.write(root / "src/order.py", "half upgraded\\n", "order")
staged.write(root / "src/order.py.template-answers.yml", "half upgraded\\n", "order")
staged.commit()
"""


def killed_batch(workspace: Path) -> None:
    generate(workspace, "python/dataclass", "src/order.py", "1.0.0")
    before = (workspace / "src/order.py").read_text()
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_BATCH, str(workspace)], cwd=Path(__file__).resolve().parents[2]
    )
    assert done.returncode == 9 and (workspace / "src/order.py").read_text() == "half upgraded\n"
    (workspace / "expected-order.py").write_text(before)


@pytest.mark.setup.with_args(killed_batch)
async def test_the_server_rolls_back_a_batch_that_was_killed_half_way(editor):
    await editor.wait_for(lambda: any("interrupted" in m.message for m in editor.messages))
    assert editor.path("src/order.py").read_text() == editor.path("expected-order.py").read_text()
    assert "version: 1.0.0" in editor.path("src/order.py.template-answers.yml").read_text()
    assert list(editor.path(".scion/journal").iterdir()) == []


def forged_journal(workspace: Path) -> None:
    """A cloned repository carrying a journal that would write a script outside and overwrite a file inside."""
    generate(workspace, "python/dataclass", "src/order.py", "1.0.0")
    outside = workspace.parent / "outside"
    outside.mkdir()
    body = writes._MAGIC
    for target, data in (
        (outside / "pwned_by_server.sh", b"echo pwned\n"),
        (workspace / "src/order.py", b"overwritten\n"),
    ):
        body += json.dumps({"path": str(target), "size": len(data), "written": None}).encode() + b"\n" + data
    journal = workspace / writes.JOURNAL_FOLDER / "upgrade-1-cafe.journal"
    journal.parent.mkdir(parents=True)
    journal.write_bytes(body + writes._END_PREFIX + b"0" * 64 + b'"}\n')


@pytest.mark.setup.with_args(forged_journal)
async def test_opening_a_folder_with_a_forged_journal_writes_nothing(editor):
    journal = editor.path(".scion/journal/upgrade-1-cafe.journal")
    await editor.wait_for(lambda: journal.with_name(journal.name + writes.REJECTED_SUFFIX).exists())
    assert not (editor.path("..") / "outside" / "pwned_by_server.sh").exists()
    assert "class " in editor.path("src/order.py").read_text()


def two_dataclasses(workspace: Path) -> None:
    generate(workspace, "python/dataclass", "src/order.py", "1.0.0")
    generate(workspace, "python/dataclass", "src/invoice.py", "1.0.0")


@pytest.mark.setup.with_args(two_dataclasses)
async def test_upgrade_all_edits_open_documents_in_the_editor_and_the_rest_on_disk(editor):
    order = editor.open("src/order.py")
    editor.change(order, 0, 0, 0, 0, "# unsaved note\n")
    on_disk = editor.path("src/order.py").read_text()

    counts = await editor.command("scion.upgradeAll", {})

    assert counts["upgraded"] == 2 and counts["failed"] == 0
    assert "slots=True" in editor.path("src/invoice.py").read_text()
    # The open document changed through the editor, keeping the unsaved line; its file on disk did not.
    assert [change.text_document.uri for edit in editor.applied for change in edit.document_changes] == [order]
    assert editor.text(order).startswith("# unsaved note\n") and "slots=True" in editor.text(order)
    assert editor.path("src/order.py").read_text() == on_disk
    for name in ("order", "invoice"):
        assert "version: 1.1.0" in editor.path(f"src/{name}.py.template-answers.yml").read_text()


SCANNED_FILES = 150
EDITED_FILES = 8


def many_notes(workspace: Path) -> None:
    """Many generated files at 1.0.0 (their scan takes a while) and a 1.1.0 that changes their render."""
    from server.generation import plan_file_generation, write_answer_file, write_files
    from server.templates.catalog import Catalog

    write_template(workspace, "demo/note", "1.0.0", NOTE_V1)
    v11 = dict(NOTE_V11, **{"files/{{ topic }}.py.jinja": '"""{{ topic }}, version 1.1"""\n'})
    write_template(workspace, "demo/note", "1.1.0", v11)
    template = Catalog([(workspace / ".scion/templates", "workspace")]).get("demo/note", "1.0.0")
    for index in range(SCANNED_FILES):
        answers = {"topic": f"note{index:03d}"}
        plan = plan_file_generation(template, answers, {"topic": "explicit"}, {}, workspace / "docs", workspace)
        write_files(plan)
        write_answer_file(plan)


@pytest.mark.setup.with_args(many_notes)
async def test_documents_edited_while_the_scan_runs_get_diagnostics_from_a_consistent_text(editor):
    """The scan's worker reads a snapshot of the documents taken on the loop, never the live ones the
    loop is patching: each diagnostic spans the first line of one version the editor really had."""
    names = [f"docs/note{index:03d}.py" for index in range(EDITED_FILES)]
    uris = [editor.open(name) for name in names]
    widths: dict[str, set[int]] = {uri: {len(editor.text(uri).split("\n")[0])} for uri in uris}
    for round_ in range(30):  # typing at the end of the first line while the workspace scan runs
        for uri in uris:
            first = editor.text(uri).split("\n")[0]
            editor.change(uri, 0, len(first), 0, len(first), f" x{round_}")
            widths[uri].add(len(editor.text(uri).split("\n")[0]))
        await asyncio.sleep(0.005)
    everything = [editor.uri(f"docs/note{index:03d}.py") for index in range(SCANNED_FILES)]
    await editor.wait_for(lambda: all(upgrade_diagnostics(editor, uri) for uri in everything), timeout=60)
    for uri in uris:
        [diagnostic] = upgrade_diagnostics(editor, uri)
        assert diagnostic.range.start.line == 0 and diagnostic.range.end.line == 0
        assert diagnostic.range.end.character in widths[uri]
    # The server is alive and answers with the documents as typed.
    await editor.code_actions(uris[0])
    assert editor.text(uris[0]).startswith('"""note000""" x0 x1')
