"""The hub outbox's pending entries as the sync sends them, parsed, for tests to look into."""

from __future__ import annotations

import json
from typing import Any

from server.store import Store


def pending(store: Store, limit: int = 500) -> list[dict[str, Any]]:
    """The oldest `limit` entries {id, kind, key, payload}: the slice the sync would push, read back as objects."""
    part = store.outbox_slice(limit=limit)
    return [] if part is None else list(json.loads(part.entries_json))
