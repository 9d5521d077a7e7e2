"""Upgrading generated files end to end in the domain: answer file -> renders -> merge -> disk.

The cases follow what users of `copier update` run into (its
tests/test_updatediff.py is the checklist): edits kept, conflicts, renamed and
new questions, rejected answers, deleted files, added and dropped files,
moved insert-mode blocks, and upgrading twice.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.common.errors import AnswerError, ScionError
from server.store import Store
from server.templates.answerfile import read_answer_file
from server.upgrades.batch import generated_files, upgrade_many
from server.upgrades.detect import Detector
from tests.upgrades.trees import Workspace, template_files

MANIFEST = "title: Module\nmode: file\nwhere: [empty_file]\nlanguages: [python]\nquestions:\n  name:\n    type: str\n    default: app\n  greeting:\n    type: str\n    default: hello\n"
V1_MAIN = 'def main():\n    print("{{ greeting }}")\n\n\ndef helper():\n    return 1\n'
V2_MAIN = '"""{{ name }}"""\n\n\ndef main():\n    print("{{ greeting }}")\n\n\ndef helper():\n    return 2\n'
V1 = template_files(
    "demo/module", "1.0.0", MANIFEST, {"{{ name }}.py.jinja": V1_MAIN, "{{ name }}_notes.md.jinja": "notes\n"}
)
V2 = template_files(
    "demo/module",
    "2.0.0",
    MANIFEST + "changelog:\n  2.0.0: Docstring, tests, no notes\n",
    {"{{ name }}.py.jinja": V2_MAIN, "{{ name }}_test.py.jinja": "def test_{{ name }}():\n    pass\n"},
)


def record(ws: Workspace, rel: str):
    [generation] = read_answer_file(ws.root / f"{rel}.template-answers.yml")
    return generation


def test_user_edits_are_kept_and_the_answer_file_moves_on(ws):
    ws.write("src/app.py", ws.read("src/app.py").replace("def main():\n", "def main():\n    setup()\n"))
    upgrade = ws.upgrader().upgrade(ws.root / "src/app.py")

    assert upgrade.status == "upgraded"
    assert (
        ws.read("src/app.py")
        == '"""app"""\n\n\ndef main():\n    setup()\n    print("hello")\n\n\ndef helper():\n    return 2\n'
    )
    generation = record(ws, "src/app.py")
    assert (generation.version, generation.upgraded_from) == ("2.0.0", "1.0.0")
    assert generation.upgraded_at and set(generation.files) == {"app.py", "app_test.py"}


def test_both_sides_changing_the_same_line_is_a_conflict(ws):
    ws.write("src/app.py", ws.read("src/app.py").replace("return 1", "return 10"))
    upgrade = ws.upgrader().upgrade(ws.root / "src/app.py")

    assert upgrade.status == "conflicted" and upgrade.conflicts == 1
    assert "<<<<<<< yours\n    return 10\n=======\n    return 2\n>>>>>>> template 2.0.0\n" in ws.read("src/app.py")


def test_the_same_change_on_both_sides_is_no_conflict(ws):
    ws.write("src/app.py", ws.read("src/app.py").replace("return 1", "return 2"))
    upgrade = ws.upgrader().upgrade(ws.root / "src/app.py")

    assert upgrade.status == "upgraded"
    assert ws.read("src/app.py").endswith("def helper():\n    return 2\n")


def test_added_files_are_created_and_unedited_dropped_files_deleted(ws):
    ws.upgrader().upgrade(ws.root / "src/app.py")

    assert ws.read("src/app_test.py") == "def test_app():\n    pass\n"
    assert not ws.exists("src/app_notes.md")


def test_a_dropped_file_the_user_edited_is_kept(ws):
    ws.write("src/app_notes.md", "my notes\n")
    ws.upgrader().upgrade(ws.root / "src/app.py")

    assert ws.read("src/app_notes.md") == "my notes\n"


def test_a_file_the_user_deleted_is_not_recreated(ws):
    (ws.root / "src/app_notes.md").unlink()
    ws.add(
        template_files(
            "demo/module",
            "2.0.0",
            MANIFEST,
            {"{{ name }}.py.jinja": V2_MAIN, "{{ name }}_notes.md.jinja": "notes v2\n"},
        )
    )
    ws.upgrader().upgrade(ws.root / "src/app.py")

    assert not ws.exists("src/app_notes.md")
    assert "app_notes.md" in record(ws, "src/app.py").files  # still deleted at the next upgrade


def test_a_new_file_the_user_already_has_is_merged_not_overwritten(ws):
    ws.write("src/app_test.py", "def test_mine():\n    pass\n")
    upgrade = ws.upgrader().upgrade(ws.root / "src/app.py")

    assert upgrade.status == "conflicted"
    assert "def test_mine():" in ws.read("src/app_test.py")


def test_upgrading_twice_is_a_no_op(ws):
    ws.write("src/app.py", ws.read("src/app.py") + "\n# mine\n")
    upgrader = ws.upgrader()
    upgrader.upgrade(ws.root / "src/app.py")
    after_first = (ws.read("src/app.py"), ws.read("src/app.py.template-answers.yml"))
    second = upgrader.upgrade(ws.root / "src/app.py")

    assert second.status == "unchanged" and not second.generations
    assert (ws.read("src/app.py"), ws.read("src/app.py.template-answers.yml")) == after_first


def test_crlf_files_stay_crlf(ws):
    ws.write("src/app.py", ws.read("src/app.py").replace("\n", "\r\n"))
    ws.upgrader().upgrade(ws.root / "src/app.py")

    text = ws.read("src/app.py")
    assert text.startswith('"""app"""\r\n') and "\n" not in text.replace("\r\n", "")


def test_a_dry_run_writes_nothing_and_shows_a_diff(ws):
    before = ws.read("src/app.py")
    upgrade = ws.upgrader().plan(ws.root / "src/app.py")

    assert ws.read("src/app.py") == before and record(ws, "src/app.py").version == "1.0.0"
    assert '+"""app"""' in upgrade.diff(ws.root) and "+++ b/src/app_test.py" in upgrade.diff(ws.root)


def test_downgrades_are_refused(ws):
    ws.upgrader().upgrade(ws.root / "src/app.py")
    with pytest.raises(ScionError, match="refusing to downgrade"):
        ws.upgrader().upgrade(ws.root / "src/app.py", "1.0.0")


def test_a_base_that_no_longer_renders_the_same_falls_back_to_the_database(ws, tmp_path):
    store = Store(":memory:")
    row = record(ws, "src/app.py")
    generated = ws.read("src/app.py")
    store.record_generation(
        "demo/module",
        "1.0.0",
        str(ws.root / "src/app.py"),
        "file",
        row.answers,
        generation_id=row.generation_id,
        rendered_text=generated,
    )
    # The old version was edited in place after the generation: its render no longer matches the sha.
    edit_version_1_in_place(ws)
    ws.write("src/app.py", generated.replace("def main():\n", "def main():\n    setup()\n"))
    upgrade = ws.upgrader(store).upgrade(ws.root / "src/app.py")

    assert upgrade.status == "upgraded" and "    setup()\n" in ws.read("src/app.py")
    assert store.upgrades()[0]["to_version"] == "2.0.0"


def edit_version_1_in_place(ws) -> None:
    """Change demo/module 1.0.0 after files were generated with it: its render no longer matches their shas."""
    ws.add(
        template_files(
            "demo/module",
            "1.0.0",
            MANIFEST,
            {"{{ name }}.py.jinja": "# edited\n" + V1_MAIN, "{{ name }}_notes.md.jinja": "notes\n"},
        )
    )


def test_without_any_base_every_difference_is_a_conflict(ws):
    edit_version_1_in_place(ws)
    ws.write("src/app.py", ws.read("src/app.py") + "# mine\n")
    upgrade = ws.upgrader().upgrade(ws.root / "src/app.py")

    assert upgrade.status == "conflicted"


def test_detection_offers_only_when_the_render_changes(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.add(V1)
    ws.generate("demo/module", "1.0.0", "src/app.py")
    ws.add(
        template_files(
            "demo/module",
            "1.1.0",
            MANIFEST + "changelog:\n  1.1.0: Nothing visible\n",
            {"{{ name }}.py.jinja": V1_MAIN, "{{ name }}_notes.md.jinja": "notes\n"},
        )
    )
    detector = Detector(ws.catalog(), ws.root)
    assert detector.offers(ws.root / "src/app.py.template-answers.yml") == []

    ws.add(V2)
    [offer] = Detector(ws.catalog(), ws.root).offers(ws.root / "src/app.py.template-answers.yml")
    assert offer.message == "demo/module 1.0.0 → 2.0.0: Docstring, tests, no notes"


def test_a_renamed_question_carries_its_answer(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.generate(
        "typescript/react-component", "1.0.0", "web/user-card.tsx", {"component": "UserCard", "props": "name: string"}
    )
    upgrade = ws.upgrader().upgrade(ws.root / "web/UserCard.tsx")

    assert upgrade.status == "upgraded"
    assert "export function UserCard({ name }: UserCardProps) {" in ws.read("web/UserCard.tsx")
    generation = record(ws, "web/UserCard.tsx")
    assert generation.answers["component_name"] == "UserCard" and "component" not in generation.answers
    assert generation.sources["component_name"] == "explicit"  # where the answer first came from


def test_a_new_question_with_a_default_is_not_asked(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.generate("python/dataclass", "1.0.0", "src/order.py")
    asked = []
    upgrade = ws.upgrader(ask=lambda params: asked.append(params) or {}).upgrade(ws.root / "src/order.py")

    assert asked == [] and upgrade.status == "upgraded"
    assert "@dataclass(slots=True)" in ws.read("src/order.py")


NOTE = "title: Note\nmode: file\nwhere: [empty_file]\nlanguages: [python]\nquestions:\n  topic:\n    type: str\n    default: notes\n"


def note_with_a_new_question(tmp_path) -> Workspace:
    """docs/notes.py generated at 1.0.0; 2.0.0 adds the question `owner`, which has no default."""
    ws = Workspace(tmp_path / "ws")
    ws.add(template_files("demo/note", "1.0.0", NOTE, {"{{ topic }}.py.jinja": "# {{ topic }}\n"}))
    ws.generate("demo/note", "1.0.0", "docs/notes.py")
    ws.add(
        template_files(
            "demo/note",
            "2.0.0",
            NOTE + "  owner:\n    type: str\n",
            {"{{ topic }}.py.jinja": "# {{ topic }} by {{ owner }}\n"},
        )
    )
    return ws


def test_a_new_question_without_default_is_asked_alone(tmp_path):
    ws = note_with_a_new_question(tmp_path)

    with pytest.raises(AnswerError, match="needs an answer for owner"):
        ws.upgrader().upgrade(ws.root / "docs/notes.py")
    asked = []
    ws.upgrader(ask=lambda params: asked.append(params) or {"owner": "ada"}).upgrade(ws.root / "docs/notes.py")
    assert [q["name"] for q in asked[0]["questions"]] == ["owner"]
    assert ws.read("docs/notes.py") == "# notes by ada\n"
    assert record(ws, "docs/notes.py").sources["owner"] == "user"


def test_cancelling_the_questions_writes_nothing(tmp_path):
    ws = note_with_a_new_question(tmp_path)
    upgrade = ws.upgrader(ask=lambda params: None).upgrade(ws.root / "docs/notes.py")

    assert upgrade.status == "skipped" and ws.read("docs/notes.py") == "# notes\n"


def test_an_answer_the_new_validator_rejects_is_asked_again(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.add(template_files("demo/note", "1.0.0", NOTE, {"{{ topic }}.py.jinja": "# {{ topic }}\n"}))
    ws.generate("demo/note", "1.0.0", "docs/notes.py", {"topic": "My Notes"})
    strict = NOTE.replace(
        "    default: notes\n", "    default: notes\n    validator: \"{% if ' ' in topic %}no spaces{% endif %}\"\n"
    )
    ws.add(template_files("demo/note", "2.0.0", strict, {"{{ topic }}.py.jinja": "## {{ topic }}\n"}))
    asked = []
    ws.upgrader(ask=lambda params: asked.append(params) or {"topic": "my_notes"}).upgrade(ws.root / "docs/My Notes.py")

    assert [q["name"] for q in asked[0]["questions"]] == ["topic"]
    assert record(ws, "docs/My Notes.py").answers["topic"] == "my_notes"


def test_an_inserted_block_is_found_after_lines_were_added_above_it(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.add({"src/models.py": "import os\n\n\n"})
    ws.generate(
        "python/dataclass",
        "1.0.0",
        "src/models.py",
        {"class_name": "Point", "fields": "x: int, y: int", "add_import": False},
        line=2,
    )
    text = ws.read("src/models.py")
    ws.write(
        "src/models.py",
        "import sys\n" + text.replace("    y: int", "    y: int\n    z: int = 0") + "\n\ndef after():\n    pass\n",
    )
    upgrade = ws.upgrader().upgrade(ws.root / "src/models.py")

    assert upgrade.status == "upgraded"
    assert ws.read("src/models.py") == (
        "import sys\nimport os\n\n@dataclass(slots=True)\nclass Point:\n    x: int\n    y: int\n    z: int = 0\n\n\ndef after():\n    pass\n"
    )
    assert record(ws, "src/models.py").region["start"] == [3, 0]  # moved down with the added import


def test_an_indented_block_keeps_its_indentation(tmp_path):
    ws = Workspace(tmp_path / "ws")
    block = "    @dataclass\n    class Inner:\n        x: int\n"
    ws.add({"src/outer.py": "class Outer:\n" + block})
    from server.common.fsutil import sha256_text
    from server.templates.answerfile import AnswerRecord, write_answer_record

    answers = {
        "class_name": "Inner",
        "fields": "x: int",
        "frozen": False,
        "order": False,
        "docstring": "",
        "add_import": False,
    }
    write_answer_record(
        ws.root / "src/outer.py.template-answers.yml",
        AnswerRecord(
            "python/dataclass",
            "1.0.0",
            "g1",
            "",
            sha256_text(block.rstrip("\n")),
            {"outer.py": sha256_text(block.rstrip("\n"))},
            {"start": [1, 0], "end": [3, 14]},
            answers,
        ),
    )
    ws.upgrader().upgrade(ws.root / "src/outer.py")

    assert ws.read("src/outer.py") == "class Outer:\n    @dataclass(slots=True)\n    class Inner:\n        x: int\n"


def test_a_deleted_block_is_left_alone(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.add({"src/models.py": "import os\n\n\n"})
    ws.generate("python/dataclass", "1.0.0", "src/models.py", {"class_name": "Point", "add_import": False}, line=2)
    ws.write("src/models.py", "import os\n\n\ndef something_else():\n    return 42\n")
    upgrade = ws.upgrader().upgrade(ws.root / "src/models.py")

    assert upgrade.status == "skipped" and "not found" in upgrade.message
    assert ws.read("src/models.py").endswith("return 42\n")


def test_a_batch_counts_each_outcome_and_skips_skipped_versions(ws):
    store = Store(":memory:")
    ws.generate("demo/module", "1.0.0", "lib/tool.py", {"name": "tool"})
    ws.generate("demo/module", "1.0.0", "pkg/broken.py", {"name": "broken"})
    ws.write("pkg/broken.py.template-answers.yml", "generations: [")
    ws.write("lib/tool.py", ws.read("lib/tool.py").replace("return 1", "return 3"))
    ws.generate("demo/module", "1.0.0", "skip/me.py", {"name": "me"})
    store.add_dismissal(str(ws.root / "skip/me.py"), "demo/module", "2.0.0")
    result = upgrade_many(ws.upgrader(store, honour_skips=True), generated_files(ws.root))

    assert result.counts == {"upgraded": 1, "unchanged": 0, "conflicted": 1, "skipped": 1, "failed": 1}
    assert result.exit_code == 1  # failed and conflicted files are findings


module_names = st.text(alphabet="abcdefghij_", min_size=1, max_size=8).filter(str.isidentifier)
greetings = st.text(alphabet="abc XYZ!", max_size=12)


@pytest.fixture(scope="module")
def both_versions(tmp_path_factory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("both"))
    ws.add(V1 | V2)
    return ws


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=module_names, greeting=greetings)
def test_an_unedited_file_becomes_exactly_the_new_render(both_versions, name, greeting):
    ws = both_versions
    folder = f"src/{uuid.uuid4().hex}"
    ws.generate("demo/module", "1.0.0", f"{folder}/{name}.py", {"name": name, "greeting": greeting})
    upgrade = ws.upgrader().upgrade(ws.root / f"{folder}/{name}.py")

    assert upgrade.status == "upgraded"
    assert ws.read(f"{folder}/{name}.py") == V2_MAIN.replace("{{ name }}", name).replace("{{ greeting }}", greeting)
