"""Store: the history behind Scion (generations, verdicts, learning, upgrades) in one SQLite file.

Each area's methods live in their own module; this class only puts them
together so callers hold a single object (the server creates exactly one).
"""

from __future__ import annotations

from server.store.generations import GenerationsMixin
from server.store.learning import LearningMixin
from server.store.stats import StatsMixin
from server.store.trials import TrialsMixin
from server.store.upgrades import UpgradesMixin


class Store(GenerationsMixin, StatsMixin, LearningMixin, UpgradesMixin, TrialsMixin):
    """Open (creating and migrating) the database at `path`; ":memory:" for a throwaway one.

    Raises server.errors.StoreError when the file cannot be used (not SQLite,
    read-only, written by a newer Scion). Safe to call from several threads.
    """
