"""A tiny document model for tests: apply LSP edits to a string the slow, obvious way."""

from server.tracking.regions import Position, position_to_offset


def apply_edit(text: str, start: Position, end: Position, new_text: str) -> str:
    start_offset = position_to_offset(text, start)
    end_offset = position_to_offset(text, end)
    return text[:start_offset] + new_text + text[end_offset:]
