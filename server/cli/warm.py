"""`scion warm status|start|stop`: the preloaded process that spares each `scion` run its start-up.

See server/warm/__init__.py for how warm runs work; README "Warm runs" for
what a user needs to know. These commands always run cold.
"""

from __future__ import annotations

import time

import click

from server.cli.common import json_option, print_json
from server.cli.output import note


@click.group("warm", help="The warm process that spares each scion run its start-up: status, start, stop.")
def warm_group() -> None:
    pass


@warm_group.command("status", help="Whether this installation's warm process runs, and what it has served.")
@json_option
def status_command(as_json: bool) -> int:
    from server.warm.control import status

    state = status()
    if as_json:
        print_json(state)
        return 0
    rows = [("enabled", str(state["enabled"]).lower()), ("running", str(state["running"]).lower())]
    rows.append(("socket", state["socket"]))
    if state["running"]:
        rows += [
            ("pid", str(state["pid"])),
            ("since", time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(state["since"]))),
            ("runs", str(state["runs"])),
            ("modules", str(state["modules"])),
            ("exits when idle for", f"{state['idleExitS']:.0f} s"),
            ("log", state["log"]),
        ]
    for key, value in rows:
        click.echo(f"{key + ':':<21}{value}")
    return 0


@warm_group.command("start", help="Start the warm process now (a cold run starts it too) and wait until it answers.")
@json_option
def start_command(as_json: bool) -> int:
    from server.warm.control import start

    state = start()
    if as_json:
        print_json(state)
    else:
        note(f"warm process {state['pid']} is ready")
    return 0


@warm_group.command("stop", help="Stop the warm process; the next run starts a fresh one.")
def stop_command() -> int:
    from server.warm.control import stop

    note("warm process stopped" if stop() else "no warm process was running")
    return 0


COMMANDS = [warm_group]
