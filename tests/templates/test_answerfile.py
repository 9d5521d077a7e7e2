from dataclasses import replace

import pytest

from server.common.errors import AnswerFileError
from server.common.fsutil import sha256_text
from server.templates.answerfile import (
    HEADER,
    AnswerRecord,
    answer_file_for,
    read_answer_file,
    write_answer_record,
)
from tests.file_tree import build_file_tree

ORDER = AnswerRecord(
    template="python/dataclass",
    version="1.0.0",
    generation_id="gen-1",
    generated_at="2026-11-22T10:00:00+00:00",
    sha256=sha256_text("class Order: ...\n"),
    files={"order.py": sha256_text("class Order: ...\n")},
    answers={"class_name": "Order", "frozen": True, "fields": ["id", "name"]},
    sources={"class_name": "context", "frozen": "default"},
)


def record(**changes) -> AnswerRecord:
    """ORDER with `changes`."""
    return replace(ORDER, **changes)


def test_answer_file_for():
    assert answer_file_for("/w/pkg/order.py").as_posix() == "/w/pkg/order.py.template-answers.yml"


def test_sha256_text():
    assert sha256_text("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_missing_file_has_no_generations(tmp_path):
    assert read_answer_file(tmp_path / "none.yml") == []


def test_write_then_read(tmp_path):
    path = answer_file_for(tmp_path / "order.py")
    write_answer_record(path, record())
    text = path.read_text()
    assert text.startswith("# " + HEADER)
    assert "generated_at: '2026-11-22T10:00:00+00:00'" in text
    assert "region" not in text and "_upgraded_from" not in text
    [read] = read_answer_file(path)
    assert read == record()
    assert read.line == 3


def test_versions_that_look_like_numbers_stay_text(tmp_path):
    path = tmp_path / "a.yml"
    write_answer_record(path, record(version="1.10", answers={"n": "007"}))
    [read] = read_answer_file(path)
    assert read.version == "1.10" and read.answers == {"n": "007"}


def test_insert_region_round_trip(tmp_path):
    path = tmp_path / "a.yml"
    write_answer_record(path, record(region={"start": [12, 0], "end": [30, 4]}))
    assert "start: [12, 0]" in path.read_text()
    assert read_answer_file(path)[0].region == {"start": [12, 0], "end": [30, 4]}


def test_appends_generations_and_replaces_by_id(tmp_path):
    path = tmp_path / "a.yml"
    write_answer_record(path, record())
    write_answer_record(path, record(generation_id="gen-2", template="python/method"))
    write_answer_record(path, record(version="1.1.0", upgraded_from="1.0.0", upgraded_at="2026-11-23T00:00:00+00:00"))
    first, second = read_answer_file(path)
    assert (first.generation_id, first.version, first.upgraded_from) == ("gen-1", "1.1.0", "1.0.0")
    assert first.upgraded_at == "2026-11-23T00:00:00+00:00"
    assert second.template == "python/method"
    assert "_upgraded_from: 1.0.0" in path.read_text()


def test_round_trip_keeps_comments_order_and_other_generations(tmp_path):
    path = tmp_path / "order.py.template-answers.yml"
    build_file_tree(
        {
            path: """\
            # my own header note
            generations:
              # the first one, written by hand
              - template: python/dataclass
                version: 1.0.0
                generation_id: gen-1
                answers:
                  frozen: true   # we want immutability
                  class_name: Order
                sources: {class_name: user}
                note: kept by hand
              - template: other/thing
                version: '2'
                generation_id: gen-0
                answers: {x: 1}   # untouched
            """
        }
    )
    write_answer_record(path, record(version="1.1.0", answers={"frozen": True, "class_name": "Order", "slots": True}))
    text = path.read_text()
    assert text.startswith("# my own header note\n")
    assert "# the first one, written by hand" in text
    assert "frozen: true   # we want immutability" in text
    assert text.index("frozen: true") < text.index("class_name: Order") < text.index("slots: true")
    assert "note: kept by hand" in text
    assert "answers: {x: 1}   # untouched" in text
    first, second = read_answer_file(path)
    assert first.version == "1.1.0" and first.answers == {"frozen": True, "class_name": "Order", "slots": True}
    assert second.version == "2"


@pytest.mark.parametrize(
    "text, fragment, line",
    [
        ("generations:\n  - template: a\n    version: [1\n", "YAML syntax error", 4),
        ("generations:\n  - template: a\n    answers: {a: 1\n  - b\n", "YAML syntax error", None),
        ("- just\n- a list\n", "must be a mapping", 1),
        ("hello: world\n", "missing 'generations'", 1),
        ("generations: nope\n", "'generations' must be a list", 1),
        ("generations:\n  - just text\n", "must be a mapping", 2),
        ("generations:\n  - version: 1.0.0\n    answers: {}\n", "needs 'template'", 2),
        ("generations:\n  - template: a\n    version: 1.0.0\n", "needs 'answers'", 2),
        ("generations:\n  - template: a\n    version: 1.0.0\n    answers: [1]\n", "'answers' must be a mapping", 4),
        (
            "generations:\n  - template: a\n    version: 1.0.0\n    answers: {}\n    region: {start: 1}\n",
            "'region' must be",
            5,
        ),
        (
            "generations:\n  - template: a\n    version: 1.0.0\n    answers: {}\n    region: {start: [1, x], end: [2, 0]}\n",
            "region.start",
            5,
        ),
        ("generations:\n  - template: {a: 1}\n    version: 1.0.0\n    answers: {}\n", "'template' must be text", 2),
    ],
)
def test_corrupt_answer_files_name_file_and_line(tmp_path, text, fragment, line):
    path = tmp_path / "x.py.template-answers.yml"
    path.write_text(text)
    with pytest.raises(AnswerFileError) as caught:
        read_answer_file(path)
    assert fragment in caught.value.message
    assert caught.value.path == path
    if line is not None:
        assert caught.value.line == line
    else:
        assert caught.value.line is not None


def test_writing_never_clobbers_a_corrupt_file(tmp_path):
    path = tmp_path / "a.yml"
    path.write_text("generations: [\n")
    with pytest.raises(AnswerFileError):
        write_answer_record(path, record())
    assert path.read_text() == "generations: [\n"


def test_empty_file_is_no_generations_and_can_be_written(tmp_path):
    path = tmp_path / "a.yml"
    path.write_text("")
    assert read_answer_file(path) == []
    write_answer_record(path, record())
    assert len(read_answer_file(path)) == 1


def test_unquoted_timestamp_written_by_hand_reads_as_text(tmp_path):
    path = tmp_path / "a.yml"
    path.write_text(
        "generations:\n  - template: a\n    version: 1.0.0\n    generated_at: 2026-11-22 10:00:00\n    answers: {}\n"
    )
    assert read_answer_file(path)[0].generated_at.startswith("2026-11-22")
