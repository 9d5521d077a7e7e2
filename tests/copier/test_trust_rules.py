"""Which sources are trusted: exact entries, prefixes ending in `/`, and the setting that lists them."""

from __future__ import annotations

from server.common.config import settings_from_client
from server.copier.trust import is_trusted


def test_exact_entries_and_prefixes() -> None:
    trusted = ["gh:acme/", "https://example.com/team/tpl.git", "~/templates/"]
    assert is_trusted("gh:acme/python", trusted)
    assert is_trusted("https://example.com/team/tpl.git", trusted)
    assert not is_trusted("https://example.com/team/other.git", trusted)
    assert not is_trusted("gh:acmeevil/python", trusted)
    assert not is_trusted("https://example.com/team/x/../../evil/tpl.git", ["https://example.com/team/"])


def test_the_setting_is_a_list_of_sources() -> None:
    settings, problems = settings_from_client({"templates": {"trusted": ["gh:acme/"]}})
    assert problems == []
    assert settings.templates.trusted == ("gh:acme/",)
    _, problems = settings_from_client({"templates": {"trusted": "gh:acme/"}})
    assert problems and "trusted" in problems[0]
