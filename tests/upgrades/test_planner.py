"""plan_file_upgrades: what happens to each file of a generation on upgrade."""

from server.common.fsutil import sha256_text
from server.upgrades.planner import plan_file_upgrades

V1 = "class Order:\n    id: int\n    name: str\n"
V2 = "class Order:\n    __slots__ = ()\n    id: int\n    name: str\n"
EDITED = V1 + "    note: str\n"
LABEL = "template 1.1.0"


def plan(base, theirs, current, recorded=None):
    if recorded is None:
        recorded = {path: sha256_text(text) for path, text in base.items()}
    return plan_file_upgrades(base, theirs, current, recorded, LABEL)


def only(upgrade_plan):
    [change] = upgrade_plan.changes
    return change


def test_user_edits_are_merged_into_the_new_version():
    change = only(plan({"order.py": V1}, {"order.py": V2}, {"order.py": EDITED}))

    assert change.action == "update"
    assert change.new_text == V2 + "    note: str\n"
    assert change.conflicts == [] and not change.two_way


def test_unedited_file_becomes_the_new_render():
    change = only(plan({"order.py": V1}, {"order.py": V2}, {"order.py": V1}))

    assert (change.action, change.new_text) == ("update", V2)


def test_file_the_new_version_renders_the_same_is_unchanged():
    upgrade_plan = plan({"order.py": V1}, {"order.py": V1}, {"order.py": EDITED})

    assert only(upgrade_plan).action == "unchanged"
    assert only(upgrade_plan).new_text == EDITED
    assert upgrade_plan.is_noop


def test_both_sides_changing_the_same_line_reports_the_conflict():
    ours = V1.replace("name: str", "name: bytes")
    theirs = V1.replace("name: str", "name: str = ''")

    upgrade_plan = plan({"order.py": V1}, {"order.py": theirs}, {"order.py": ours})

    change = only(upgrade_plan)
    assert change.action == "update"
    assert ">>>>>>> template 1.1.0\n" in change.new_text
    assert upgrade_plan.conflict_count == 1


def test_new_file_in_the_template_is_created():
    theirs = {"order.py": V1, "test_order.py": "def test(): ...\n"}

    upgrade_plan = plan({"order.py": V1}, theirs, {"order.py": V1})

    created = upgrade_plan.changes[1]
    assert (created.path, created.action) == ("test_order.py", "create")
    assert created.new_text == "def test(): ...\n"
    assert upgrade_plan.writes == [created]


def test_new_file_the_project_already_has_is_merged_two_way():
    current = {"order.py": V1, "test_order.py": "def test_mine(): ...\n"}
    theirs = {"order.py": V1, "test_order.py": "def test(): ...\n"}

    change = plan({"order.py": V1}, theirs, current).changes[1]

    assert (change.action, change.two_way) == ("update", True)
    assert change.new_text == (
        "<<<<<<< yours\ndef test_mine(): ...\n=======\ndef test(): ...\n>>>>>>> template 1.1.0\n"
    )


def test_new_file_identical_to_the_projects_is_left_alone():
    current = {"order.py": V1, "README.md": "same\n"}

    change = plan({"order.py": V1}, {"order.py": V1, "README.md": "same\n"}, current).changes[1]

    assert (change.action, change.conflicts) == ("unchanged", [])


def test_file_the_user_deleted_is_not_recreated():
    for current in ({"order.py": None}, {}):
        change = only(plan({"order.py": V1}, {"order.py": V2}, current))
        assert (change.action, change.new_text) == ("keep_deleted", None)


def test_dropped_file_is_deleted_when_the_user_never_changed_it():
    files = {"order.py": V1, "old.py": "x = 1\n"}

    upgrade_plan = plan(files, {"order.py": V1}, files)

    dropped = upgrade_plan.changes[1]
    assert (dropped.path, dropped.action, dropped.new_text) == ("old.py", "delete", None)


def test_dropped_file_the_user_changed_is_kept():
    current = {"order.py": V1, "old.py": "x = 2\n"}

    dropped = plan({"order.py": V1, "old.py": "x = 1\n"}, {"order.py": V1}, current).changes[1]

    assert (dropped.action, dropped.new_text) == ("keep_user_file", "x = 2\n")


def test_dropped_file_already_gone_stays_gone():
    dropped = plan({"order.py": V1, "old.py": "x\n"}, {"order.py": V1}, {"order.py": V1}).changes[1]

    assert dropped.action == "keep_deleted"


def test_old_render_that_does_not_match_the_recorded_sha_is_not_trusted():
    drifted_render = V1.replace("name", "title")
    ours = EDITED.replace("id: int", "id: str")

    recorded = {"order.py": sha256_text(V1)}

    change = only(plan({"order.py": drifted_render}, {"order.py": V2}, {"order.py": ours}, recorded))

    assert change.two_way
    assert change.conflicts


def test_without_the_old_render_an_untouched_file_still_upgrades_cleanly():
    recorded = {"order.py": sha256_text(V1)}

    change = only(plan_file_upgrades(None, {"order.py": V2}, {"order.py": V1}, recorded))

    assert (change.action, change.new_text, change.two_way) == ("update", V2, False)


def test_without_the_old_render_an_edited_file_is_merged_two_way():
    recorded = {"order.py": sha256_text(V1)}

    change = only(plan_file_upgrades(None, {"order.py": V2}, {"order.py": EDITED}, recorded))

    assert change.two_way and change.conflicts


def test_without_the_old_render_dropped_files_are_found_from_the_recorded_shas():
    shas = {"order.py": sha256_text(V1), "old.py": sha256_text("x\n")}

    current = {"order.py": V1, "old.py": "x\n"}

    upgrade_plan = plan_file_upgrades(None, {"order.py": V1}, current, shas)

    assert [(change.path, change.action) for change in upgrade_plan.changes] == [
        ("order.py", "unchanged"),
        ("old.py", "delete"),
    ]


def test_crlf_project_file_keeps_crlf_after_the_upgrade():
    ours = EDITED.replace("\n", "\r\n")

    change = only(plan({"order.py": V1}, {"order.py": V2}, {"order.py": ours}))

    assert change.new_text == (V2 + "    note: str\n").replace("\n", "\r\n")
