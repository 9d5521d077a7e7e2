"""Answers to the builtin templates' questions that scripted users give without thinking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.e2e.editor import Editor

# python/dataclass: every answer but the class name (the one a convention infers).
DATACLASS_ANSWERS = {
    "fields": "id: int",
    "frozen": False,
    "order": False,
    "slots": True,
    "kw_only": False,
    "docstring": "",
    "add_import": True,
}

# A new module for a dataclass to go into (line 2, after the import).
MODULE = "import os\n\n\n"


async def generate_dataclass(editor: Editor, rel: str, class_name: str) -> tuple[str, Any, bool]:
    """A dataclass in the new module `rel`, the user answering `class_name` when asked: (uri, result, asked)."""
    editor.answer = lambda params: {
        q["name"]: (class_name if q["name"] == "class_name" else q.get("default")) for q in params["questions"]
    }
    asked_before = len(editor.asked)
    uri = editor.open(rel, MODULE)
    result = await editor.generate(uri, "python/dataclass", line=2, answers=DATACLASS_ANSWERS)
    return uri, result, len(editor.asked) > asked_before
