"""The Store: Scion's only SQL. One object owns the SQLite connection (see store.py)."""

from server.store.learning import task_name
from server.store.schema import GENERATION_STATUSES, PRODUCERS, SCHEMA_VERSION, STAGES
from server.store.store import Store

__all__ = ["GENERATION_STATUSES", "PRODUCERS", "SCHEMA_VERSION", "STAGES", "Store", "task_name"]
