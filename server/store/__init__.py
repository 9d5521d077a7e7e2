"""The Store: Scion's only SQL. One object owns the SQLite connection (see store.py).

`Store` and `task_name` load on first use (PEP 562): a process that only
appends rows (store/append.py) does not import the Store's mixins.
"""

from typing import TYPE_CHECKING, Any

from server.store.schema import GENERATION_STATUSES, PRODUCERS, SCHEMA_VERSION, STAGES

if TYPE_CHECKING:
    from server.store.learning import task_name
    from server.store.store import Store

__all__ = ["GENERATION_STATUSES", "PRODUCERS", "SCHEMA_VERSION", "STAGES", "Store", "task_name"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from server.store.store import Store

        return Store
    if name == "task_name":
        from server.store.learning import task_name

        return task_name
    raise AttributeError(f"module 'server.store' has no attribute {name!r}")
