"""Through the real server: concurrent generations keep every record, a failed generation leaves nothing
half done, and a secret answer is never persisted or logged (issue 13, items 8, 9, 11)."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from server.store import Store
from server.templates.answerfile import read_answer_file
from tests.e2e.conftest import CLIENTS, FAST_TRACKING, start_session
from tests.e2e.editor import Editor
from tests.safety.helpers import SECRET, add_settings_template, count, damage_table, files_holding, tables_holding

LOG_FILE = Path(tempfile.mkdtemp(prefix="scion-e2e-log-")) / "scion.log"
OPTIONS = {"ask": True, "scion": {"tracking": FAST_TRACKING, "log": {"level": "debug"}}}


@pytest_lsp.fixture(
    params=CLIENTS,
    config=ClientServerConfig(
        server_command=[sys.executable, "-P", "-m", "server", "serve", "--log-file", str(LOG_FILE)]
    ),
)
async def client(request, lsp_client: LanguageClient, workspace: Path):
    await start_session(request, lsp_client, workspace, OPTIONS)
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(client) -> Editor:
    return client.scripted


def _damaged_database(workspace: Path) -> None:
    db = workspace / ".scion" / "scion.db"
    Store(db).close()
    damage_table(db, "generations")


async def _cli_generation(workspace: Path, name: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-P",
        "-m",
        "server",
        "generate",
        "python/dataclass",
        "--path",
        "src/models.py",
        "-a",
        f"class_name={name}",
        "--defaults",
        "--json",
        "--workspace",
        str(workspace),
        cwd=workspace,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return json.loads(out)["generationId"]


async def test_concurrent_generations_into_one_document_keep_every_record(editor):
    """The server and the CLI generating into one file at once: the answer file keeps every record."""
    uri = editor.open("src/models.py", "\n" * 400)
    cli = asyncio.gather(*(_cli_generation(editor.workspace, f"Cli{index}") for index in range(4)))
    ids: set[str] = set()
    wave = 0
    while not cli.done() or wave < 3:  # the server keeps generating for as long as the CLI runs
        results = await asyncio.gather(
            *(
                editor.generate(uri, "python/dataclass", line=wave * 8 + i, answers={"class_name": f"P{wave}x{i}"})
                for i in range(4)
            )
        )
        ids |= {result["generationId"] for result in results}
        wave += 1
    ids |= set(await cli)
    records = read_answer_file(editor.path("src/models.py.template-answers.yml"))
    assert sorted(record.generation_id for record in records) == sorted(ids)
    assert count(editor.workspace / ".scion" / "scion.db", "generations") == len(ids) >= 16


@pytest.mark.setup.with_args(_damaged_database)
async def test_a_damaged_database_changes_nothing_and_says_so(editor):
    uri = editor.open("src/models.py", "import os\n\n")
    with pytest.raises(JsonRpcException, match="not generated"):
        await editor.generate(uri, "python/dataclass", line=1, answers={"class_name": "Point"})
    message = await editor.wait_for(lambda: [m for m in editor.messages if "not generated" in m.message])
    assert message[0].type == types.MessageType.Error and "\n" not in message[0].message
    assert editor.text(uri) == "import os\n\n" and not editor.applied
    assert not editor.path("src/models.py.template-answers.yml").exists()
    assert await editor.code_actions(uri, 1, 0)  # the server keeps running


async def test_an_unwritable_answer_file_takes_the_code_back_out_of_the_editor(editor):
    editor.path("src/models.py.template-answers.yml").mkdir(parents=True)
    uri = editor.open("src/models.py", "import os\n\n")
    with pytest.raises(JsonRpcException, match="not generated"):
        await editor.generate(uri, "python/dataclass", line=1, answers={"class_name": "Point"})
    assert len(editor.applied) == 2  # the generation's edit, then the one taking it back
    await editor.wait_for(lambda: editor.text(uri) == "import os\n\n")
    assert count(editor.workspace / ".scion" / "scion.db", "generations") == 0
    assert await editor.code_actions(uri, 1, 0)


@pytest.mark.setup.with_args(add_settings_template)
async def test_a_secret_answer_reaches_the_code_only(editor):
    uri = editor.open("src/settings.py", "")
    editor.answer = lambda params: {q["name"]: SECRET if q["secret"] else q.get("default") for q in params["questions"]}
    result = await editor.generate(uri, "acme/settings")
    assert result["generationId"] and SECRET in editor.text(uri)
    editor.save(uri)
    db = editor.workspace / ".scion" / "scion.db"
    # Wait for the verdict: the retained text is stored with it.
    await editor.wait_for(
        lambda: Store(db).get_generation(result["generationId"])["status"] in ("accepted", "rejected")
    )
    row = Store(db).get_generation(result["generationId"])
    assert row["retained_text"] and SECRET not in row["retained_text"]
    assert not tables_holding(db, SECRET)
    assert not files_holding(editor.workspace, SECRET, besides=(editor.path("src/settings.py"),))
    assert SECRET not in LOG_FILE.read_text(encoding="utf-8", errors="replace")
    assert not [m for m in editor.client.log_messages if SECRET in m.message]
