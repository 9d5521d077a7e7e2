"""Hover on generated code and in its answer file."""

from __future__ import annotations

from lsprotocol import types


async def hover(editor, uri: str, line: int, character: int = 0) -> str | None:
    result = await editor.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)
        )
    )
    return result.contents.value if result is not None else None


async def test_hover_on_a_generated_block_and_in_its_answer_file(editor):
    uri = editor.open("src/models.py", "import os\n\n\n")
    result = await editor.generate(uri, "python/dataclass", line=2, answers={"class_name": "Point"})
    assert result
    text = await hover(editor, uri, 4)
    assert text is not None
    assert "Python dataclass" in text and "1.1.0" in text
    assert "| class_name | `'Point'` | explicit |" in text
    assert await hover(editor, uri, 0) is None  # the import line is the user's, not generated

    answer_uri = editor.open("src/models.py.template-answers.yml")
    in_answers = await hover(editor, answer_uri, 3)
    assert in_answers is not None and "class_name" in in_answers


async def test_hover_on_a_broken_answer_file_explains_the_problem(editor):
    editor.write("src/a.py", "x = 1\n")
    editor.write("src/a.py.template-answers.yml", "generations:\n  - template: [unclosed\n")
    uri = editor.open("src/a.py")
    text = await hover(editor, uri, 0)
    assert text is not None and "a.py.template-answers.yml" in text
