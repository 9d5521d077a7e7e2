"""`make demo`: a scripted editor session against the real server over stdio.

It creates a sample workspace, starts `python -P -m server`, asks for code actions
in an empty Python file, generates a dataclass-style module, answers the
server's questions like a user pressing Enter (taking the pre-filled answers),
applies the edit to disk, and prints what was offered, written and recorded.
Embedded defaults only: SQLite in the workspace, the builtin templates, no LLM.
It is a client, outside the server package: its stdout is the user's terminal,
while the server it starts keeps stdout for LSP.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

# The editor side of the demo is test-support code beside the tests, not part of the server.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.cli.stats import print_tables
from server.common.jsonish import plain
from tests.support.client_compat import editor_initialize_params, fix_code_action_union
from tests.support.edits import apply_workspace_edit

WORKSPACE = Path("demo-workspace")
CHECKPOINTS = (1.0, 2.0)


def prepare_workspace(root: Path) -> Path:
    if root.exists():
        shutil.rmtree(root)
    (root / ".scion").mkdir(parents=True)
    (root / "src" / "shop").mkdir(parents=True)
    (root / "src" / "shop" / "__init__.py").write_text("")
    (root / "src" / "shop" / "order_item.py").write_text("")
    (root / "tests").mkdir()
    (root / "tests" / "test_cart.py").write_text("")
    return root.resolve()


def heading(text: str) -> None:
    print(f"\n== {text}")


async def session(root: Path) -> int:
    client = LanguageClient("scion-demo", "1")
    fix_code_action_union(client.protocol._converter)
    asked: list[dict] = []
    open_texts: dict[str, str] = {}

    @client.feature("scion/ask")
    def ask(params):
        questions = list(plain(params)["questions"])
        asked.extend(questions)
        print("  the server asks (the demo user presses Enter on each):")
        for q in questions:
            print(f"    {q['name']}: {q['help']}  [{q.get('default')!r}]")
        return {q["name"]: q.get("default") for q in questions}

    versions: dict[str, int] = {}

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams):
        apply_workspace_edit(params.edit, open_texts)
        # Like an editor, tell the server what changed in the documents it has open.
        for change in params.edit.document_changes or []:
            uri = getattr(getattr(change, "text_document", None), "uri", None)
            if uri not in versions:
                continue
            edits = sorted(change.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
            versions[uri] += 1
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=versions[uri]),
                    content_changes=[
                        types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in edits
                    ],
                )
            )
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def show_message(params: types.ShowMessageParams):
        print(f"  [server message] {params.message}")

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def log_message(params):
        pass

    @client.feature("scion/status")
    def status(params):
        pass

    started = time.perf_counter()
    await client.start_io(sys.executable, "-P", "-m", "server")
    # Short tracking windows so the demo shows a verdict; the defaults are 30 s to 10 min.
    options = {"ask": True, "scion": {"tracking": {"checkpoints": list(CHECKPOINTS)}}}
    await client.initialize_async(editor_initialize_params(root, options, "demo"))
    client.initialized(types.InitializedParams())
    print(f"server initialised in {time.perf_counter() - started:.2f} s")

    for rel, language, pick in (
        ("src/shop/order_item.py", "python", "Python dataclass"),
        ("tests/test_cart.py", "python", "pytest"),
    ):
        path = root / rel
        uri = from_fs_path(str(path))
        open_texts[uri] = ""
        versions[uri] = 1
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text="")
            )
        )
        heading(f"code actions in {rel} (empty file)")
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        for action in actions or []:
            print(f"  {action.title}  [{action.kind}]")
        chosen = next((a for a in actions or [] if pick.lower() in a.title.lower()), None)
        if chosen is None:
            print(f"error: no '{pick}' action offered", file=sys.stderr)
            return 1
        heading(f"choosing '{chosen.title}'")
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=chosen.command.command, arguments=chosen.command.arguments)
        )
        result = plain(result)
        if not result:
            print("error: generation did not happen", file=sys.stderr)
            return 1
        heading(f"written: {rel}")
        print(path.read_text())
        answer_file = Path(str(path) + ".template-answers.yml")
        heading(f"written: {answer_file.relative_to(root)}")
        print(answer_file.read_text())

    heading(f"waiting {CHECKPOINTS[-1]:.0f} s for the tracking checkpoints (the code is kept as generated)")
    await asyncio.sleep(CHECKPOINTS[-1] + 1.0)
    stats = plain(
        await client.workspace_execute_command_async(types.ExecuteCommandParams(command="scion.stats", arguments=[{}]))
    )
    await client.shutdown_async(None)
    client.exit(None)
    await asyncio.sleep(0.2)

    heading("recorded in .scion/scion.db")
    from server.store import Store

    store = Store(root / ".scion" / "scion.db")
    for row in store.generations_for_file(str(root / "src/shop/order_item.py")) + store.generations_for_file(
        str(root / "tests/test_cart.py")
    ):
        print(
            f"  generation {row['id'][:8]} {row['template_id']} {row['template_version']} "
            f"status={row['status']} quality={row['quality_score']}"
        )
        print(f"    sources: {row['answer_sources']}")
    store.close()
    heading("template stats (scion.stats; `scion stats` prints the same)")
    print_tables(stats["json"])
    print(f"\ndemo finished: {len(asked)} questions answered, workspace at {root}")
    return 0


def main() -> int:
    root = prepare_workspace(WORKSPACE)
    return asyncio.run(session(root))


if __name__ == "__main__":
    sys.exit(main())
