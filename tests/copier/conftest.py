"""tests/copier/real/ holds real templates (with their own conftest.py and test files): data, not tests."""

collect_ignore = ["real"]
