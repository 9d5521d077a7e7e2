"""The shortcuts that make a batch upgrade fast give the results of the slow paths they skip."""

from __future__ import annotations

import os
import random
from dataclasses import replace

import pytest
import yaml

from server.store import Store
from server.templates import answerfile
from server.templates.answerfile import AnswerRecord, read_answer_file, read_records, write_answer_record
from server.templates.answerfile.emit import _text_scalar
from server.templates.answerfile.fast import read_own_layout
from server.upgrades import service as service_module
from server.upgrades import writes as writes_module
from server.upgrades.batch import generated_files, resolved_paths, upgrade_many
from tests.upgrades.test_service import MANIFEST, V1_MAIN
from tests.upgrades.trees import template_files

# -- reading answer files --------------------------------------------------------------


# Values YAML could read otherwise: a key like a number, blank and quoted strings, a number as text.
ODD_VALUES = AnswerRecord(
    template="demo/module",
    version="1.0.0",
    generation_id="0a1b",
    generated_at="2026-01-02T03:04:05+00:00",
    sha256="90184d4c",
    files={"app.py": "90184d4c", "1.0": "ab"},
    answers={"name": "app", "count": 3, "flag": True, "blank": "", "quote": "it's", "num": "12"},
    sources={"name": "explicit"},
)


def _record(**changes) -> AnswerRecord:
    return replace(ODD_VALUES, **changes)


@pytest.mark.parametrize(
    "record",
    [
        _record(),
        _record(region={"start": [3, 0], "end": [7, 4]}, files={}),
        _record(answers={}, sources={}, upgraded_from="0.9.0", upgraded_at="2026-02-02T00:00:00+00:00"),
        _record(answers={"text": "a: b # c", "null": "~", "neg": -4, "octal": "007"}),
    ],
)
def test_the_own_layout_reader_reads_what_scion_writes_as_yaml_would(tmp_path, record):
    path = tmp_path / "a.py.template-answers.yml"
    write_answer_record(path, record)
    text = path.read_text()
    fast = read_own_layout(path, text)

    assert fast is not None, text
    assert fast == read_answer_file(path)
    assert [r.line for r in fast] == [r.line for r in read_answer_file(path)]


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: text.replace("generations:\n", "generations:\n  # a comment\n"),
        lambda text: text.replace("version: 1.0.0", "version: 1.0.0  # pinned"),
        lambda text: text.replace("name: app", "name: 'app'"),
        lambda text: text.replace("count: 3", "count: 0x3"),
        lambda text: text.replace("count: 3", "count: 3.0"),
        lambda text: text.replace("flag: true", "flag: True"),
        lambda text: text.replace("    answers:", "    answers:   "),
        lambda text: text + "\n",
        lambda text: text.replace("\n", "\r\n"),
    ],
)
def test_any_other_text_is_left_to_yaml(tmp_path, edit):
    path = tmp_path / "a.py.template-answers.yml"
    write_answer_record(path, _record())
    text = edit(path.read_text())
    path.write_bytes(text.encode())

    assert read_own_layout(path, text) is None
    assert read_records(path, text) == read_answer_file(path)


def test_scalars_are_written_as_libyaml_writes_them():
    def libyaml(value: str) -> str | None:
        dumped = yaml.dump(value, Dumper=yaml.CSafeDumper, width=4096, allow_unicode=True)
        dumped = dumped.removesuffix("\n...\n").removesuffix("\n")
        return None if "\n" in dumped else dumped

    rng = random.Random(7)
    alphabet = "0123456789abcdefxyzEeTtZNnYyOo_.:+-/ '\"#"
    samples = [
        "1.0.0",
        "2026-11-22T03:44:21+00:00",
        "2026-11-22",
        "12:30",
        "1e5",
        "0x1F",
        "007",
        ".inf",
        "1_000",
        "-5",
        "y",
        "Null",
        "~",
    ]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(20000)]
    assert [value for value in samples if _text_scalar.__wrapped__(value) != libyaml(value)] == []


def test_upgrading_reads_each_answer_file_once(ws, monkeypatch):
    ws.generate("demo/module", "1.0.0", "lib/tool.py", {"name": "tool"})
    calls = []
    real = answerfile.read_source
    monkeypatch.setattr(service_module, "read_source", lambda path: calls.append(path) or real(path))
    monkeypatch.setattr(answerfile, "read_records", lambda *args: pytest.fail("read again"))
    result = upgrade_many(ws.upgrader(), generated_files(ws.root))

    assert result.counts["upgraded"] == 2
    assert sorted(path.name for path in calls) == ["app.py.template-answers.yml", "tool.py.template-answers.yml"]


def test_a_commented_answer_file_keeps_its_comments_in_a_batch(ws):
    answers = ws.root / "src/app.py.template-answers.yml"
    answers.write_text(answers.read_text().replace("generations:\n", "generations:\n  # keep me\n"))
    result = upgrade_many(ws.upgrader(), generated_files(ws.root))

    assert result.counts["upgraded"] == 1
    assert "  # keep me\n" in answers.read_text()
    assert read_answer_file(answers)[0].version == "2.0.0"


# -- untouched files: no render of the old version --------------------------------------


def test_an_untouched_file_is_not_rendered_at_its_old_version(ws, monkeypatch):
    upgrader = ws.upgrader()
    rendered = []
    real = upgrader.renderer.render
    monkeypatch.setattr(
        upgrader.renderer, "render", lambda template, *args: rendered.append(template.version) or real(template, *args)
    )
    upgrade = upgrader.upgrade(ws.root / "src/app.py")

    assert upgrade.status == "upgraded" and rendered == ["2.0.0"]
    assert ws.read("src/app.py").startswith('"""app"""')
    assert not (ws.root / "src/app_notes.md").exists()  # dropped by 2.0.0, never edited: deleted
    assert ws.read("src/app_test.py") == "def test_app():\n    pass\n"


def test_an_untouched_file_upgrades_even_when_its_old_version_is_gone(ws):
    import shutil

    shutil.rmtree(ws.root / ".scion/templates/demo/module/1.0.0")
    ws.add(template_files("demo/module", "3.0.0", MANIFEST, {"{{ name }}.py.jinja": "# three\n" + V1_MAIN}))
    ws._catalog = None
    upgrade = ws.upgrader().upgrade(ws.root / "src/app.py")

    assert upgrade.status == "upgraded" and upgrade.conflicts == 0
    assert ws.read("src/app.py").startswith("# three\n")


def test_an_edited_file_still_merges_against_the_old_render(ws):
    ws.write("src/app.py", ws.read("src/app.py").replace("def main():\n", "def main():\n    setup()\n"))
    upgrader = ws.upgrader()
    upgrade = upgrader.upgrade(ws.root / "src/app.py")

    assert (
        upgrade.status == "upgraded"
        and "    setup()\n" in ws.read("src/app.py")
        and "return 2" in ws.read("src/app.py")
    )


# -- paths ----------------------------------------------------------------------------------


def test_resolved_paths_are_what_resolve_gives(tmp_path):
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    (real / "sub" / "a.py").write_text("")
    os.symlink(real, tmp_path / "linkdir")
    os.symlink(real / "sub" / "a.py", real / "b.py")
    paths = [
        tmp_path / "linkdir/sub/a.py",
        real / "b.py",
        real / "sub/missing.py",
        tmp_path / "linkdir/sub/..",
        real / "sub/../sub/a.py",
    ]
    assert resolved_paths(paths) == [path.resolve() for path in paths]


# -- writes -----------------------------------------------------------------------------------


def test_a_file_that_cannot_be_written_fails_alone_in_a_batch(ws, monkeypatch):
    ws.generate("demo/module", "1.0.0", "lib/tool.py", {"name": "tool"})
    before = ws.read("lib/tool.py"), ws.read("lib/tool.py.template-answers.yml"), ws.read("lib/tool_notes.md")
    real = writes_module._write_in_place

    def write_in_place(path, data, *, new=False):
        if path.name == "tool_test.py":  # 2.0.0 adds it; it cannot be created
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, data, new=new)

    monkeypatch.setattr(writes_module, "_write_in_place", write_in_place)
    result = upgrade_many(ws.upgrader(), generated_files(ws.root))

    assert result.counts["upgraded"] == 1 and result.counts["failed"] == 1
    [failed] = [upgrade for upgrade in result.files if upgrade.status == "failed"]
    assert failed.primary.name == "tool.py" and "Permission denied" in failed.message
    assert (ws.read("lib/tool.py"), ws.read("lib/tool.py.template-answers.yml"), ws.read("lib/tool_notes.md")) == before
    assert sorted(p.name for p in (ws.root / "lib").iterdir()) == [
        "tool.py",
        "tool.py.template-answers.yml",
        "tool_notes.md",
    ]
    assert ws.read("src/app.py").startswith('"""app"""')


# -- the store --------------------------------------------------------------------------------


def test_a_batch_records_every_upgrade_and_event_in_the_store(ws):
    store = Store(":memory:")
    ws.generate("demo/module", "1.0.0", "lib/tool.py", {"name": "tool"})
    ids = [
        read_answer_file(ws.root / rel)[0].generation_id
        for rel in ("src/app.py.template-answers.yml", "lib/tool.py.template-answers.yml")
    ]
    result = upgrade_many(ws.upgrader(store), generated_files(ws.root))

    assert result.counts["upgraded"] == 2
    assert sorted((row["file_path"], row["to_version"]) for row in store.upgrades()) == [
        (str(ws.root / "lib/tool.py"), "2.0.0"),
        (str(ws.root / "src/app.py"), "2.0.0"),
    ]
    for generation_id in ids:
        [event] = store.events_for(generation_id)
        assert event["kind"] == "upgraded" and event["data"]["to"] == "2.0.0" and event["data"]["rendered_text"]


def test_record_upgrades_writes_all_rows_at_once():
    store = Store(":memory:")
    store.record_upgrades(
        [("a.py", "t", "1", "2", 0), ("b.py", "t", "1", "2", 3)],
        [("g1", "upgraded", {"to": "2"})],
        at="2026-01-01T00:00:00+00:00",
    )
    store.record_upgrades([])

    assert [(row["file_path"], row["conflicts"]) for row in store.upgrades()] == [("a.py", 0), ("b.py", 3)]
    assert [event["data"] for event in store.events_for("g1")] == [{"to": "2"}]


def test_a_progress_callback_that_raises_stops_the_batch_before_any_write(ws):
    from server.upgrades.batch import BatchCancelled

    ws.generate("demo/module", "1.0.0", "lib/tool.py", {"name": "tool"})
    before = ws.read("src/app.py"), ws.read("lib/tool.py")

    def cancel(done, total, upgrade):
        if done == 2:
            raise BatchCancelled("cancelled")

    with pytest.raises(BatchCancelled):
        upgrade_many(ws.upgrader(), generated_files(ws.root), progress=cancel)
    assert (ws.read("src/app.py"), ws.read("lib/tool.py")) == before
