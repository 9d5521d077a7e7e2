"""`scion config show`: the effective settings and where each came from.

Layers, later wins: the defaults, the user's `~/.config/scion/config.toml`,
the workspace's `.scion/config.toml`, the command's flags (the editor adds its
settings between the last two). Secrets (`llm.apiKey`) show only as set or not.
"""

from __future__ import annotations

import click

from server.cli.common import Where, json_option, print_json, print_table, workspace_options


def show_config(where: Where, as_json: bool) -> int:
    from server.common.config import as_raw, leaf_keys, shown_value, value_at
    from server.common.config_file import config_path, user_config_path

    workspace = where.root()
    resolved = where.resolved(workspace)
    keys = leaf_keys(as_raw(resolved.settings))
    rows = [(key, shown_value(key, value_at(resolved.settings, key)), resolved.origins[key]) for key in keys]
    if as_json:
        print_json(
            {
                "file": config_path(workspace),
                "fileExists": config_path(workspace).is_file(),
                "userFile": user_config_path(),
                "userFileExists": user_config_path().is_file(),
                "settings": [{"key": key, "value": value, "source": source} for key, value, source in rows],
                "problems": resolved.problems,
            },
            workspace,
        )
        return 0
    print_table(["setting", "value", "from"], [(key, _shown(value), source) for key, value, source in rows])
    return 0


def _shown(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(repr, value)) + "]"
    return repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


# A group with no action of its own: `scion config` alone shows its help.
config_group = click.Group(
    "config",
    help="The settings the CLI and the server use: your ~/.config/scion/config.toml, .scion/config.toml, "
    "editor settings, flags.",
)


@config_group.command("show", help="Print the effective settings and where each came from.")
@workspace_options
@json_option
def show_command(where: Where, as_json: bool) -> int:
    return show_config(where, as_json)


COMMANDS = [config_group]
