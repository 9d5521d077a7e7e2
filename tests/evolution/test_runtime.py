"""Learned programs carry their own case helpers; they must agree with the template filters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.evolution import runtime
from server.evolution.dsl import runtime_source
from server.templates import filters

identifierish = st.text(alphabet=st.sampled_from("abcXYZ019_-. éÉ"), max_size=16)


@given(identifierish)
def test_the_case_helpers_a_program_carries_match_the_filters(text):
    # What a learned program runs is its own copy of the source, not the module: run the copy.
    carried: dict = {}
    exec(compile(runtime_source(), "<program>", "exec"), carried)
    for name in ("snake", "camel", "pascal", "kebab", "upper_snake"):
        assert carried[name](text) == getattr(filters, name)(text), name


def test_folders_from_rel_path_or_segments():
    assert runtime.folders({"rel_path": "lib/my_app/user.ex"}) == ["lib", "my_app"]
    assert runtime.folders({"path_segments": ["lib", "my_app"], "stem": "user"}) == ["lib", "my_app"]
    assert runtime.folders({"path_segments": ["lib", "user.ex"], "stem": "user", "extension": ".ex"}) == ["lib"]
    assert runtime.module_parts({"rel_path": "lib/my_app/user.ex", "stem": "user"}) == ["lib", "my_app", "user"]


def test_feature_reads_text_only_and_folder_by_name():
    assert runtime.feature({"folder": "src/shop"}, "folder") == "shop"
    assert runtime.feature({"enclosing_class": None}, "enclosing_class") == ""
    assert runtime.item(["a", "b"], -2) == "a"
    assert runtime.item(["a"], 3) == ""
