"""Fix-ups for Python LSP clients (the demo and the end-to-end tests play the editor).

lsprotocol structures `Command | CodeAction` by checking for a "command" key,
so a CodeAction that carries a command (ours all do) comes back as a broken
Command. A CodeAction is recognisable by its string `command` being absent
or by the object-typed `command` field; this hook decides on that instead.
"""

from __future__ import annotations

from typing import Any, Union

from lsprotocol import types


def fix_code_action_union(converter) -> None:
    def structure(value: Any, _type: Any):
        if isinstance(value, dict) and isinstance(value.get("command"), str):
            return converter.structure(value, types.Command)
        return converter.structure(value, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], structure)
