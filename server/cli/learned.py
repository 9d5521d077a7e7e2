"""`scion learned`."""

from __future__ import annotations


def add_parser(commands) -> None:
    return None
