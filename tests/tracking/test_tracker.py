import json

import pytest

from server.tracking import Region, Tracker, Verdict
from server.tracking.regions import text_in_region

from .documents import apply_edit

URI = "file:///work/order.py"
BLOCK = "@dataclass\nclass Order:\n    id: int\n    name: str\n"
DOCUMENT = "import x\n\n" + BLOCK + "\nprint(x)\n"
BLOCK_REGION = Region((2, 0), (6, 0))


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def tracker(clock):
    tracker = Tracker(clock=clock, checkpoints=[30, 120, 300, 600])
    tracker.track("g1", URI, BLOCK_REGION, BLOCK)
    return tracker


def test_block_region_covers_the_block():
    assert text_in_region(DOCUMENT, BLOCK_REGION) == BLOCK


def test_checkpoints_fall_due_in_order(tracker, clock):
    assert tracker.next_due_time() == 1030.0
    assert tracker.due(1029.9) == []
    assert tracker.due(1030.0) == [("g1", 0)]
    tracker.checkpoint("g1", 0, BLOCK)
    assert tracker.next_due_time() == 1120.0
    assert tracker.due(1100.0) == []


def test_only_the_latest_overdue_checkpoint_is_due(tracker):
    assert tracker.due(1000.0 + 400) == [("g1", 2)]


def test_due_lists_the_earliest_first(tracker):
    tracker.track("g0", "file:///other.py", Region((0, 0), (1, 0)), "x = 1\n", applied_at=900.0)
    assert [generation for generation, _ in tracker.due(1030.0)] == ["g0", "g1"]


def test_fractional_windows_for_fast_tests(clock):
    tracker = Tracker(clock=clock, checkpoints=[0.01, 0.02])
    tracker.track("g", URI, BLOCK_REGION, BLOCK)
    assert tracker.due(clock.now + 0.015) == [("g", 0)]


def test_intermediate_checkpoints_record_without_a_verdict(tracker):
    result = tracker.checkpoint("g1", 1, "class Order:\n    id: int\n")
    assert result.verdict is None
    assert 0 < result.survival < 1
    assert tracker.get("g1").last_survival == result.survival


def test_undo_at_the_first_checkpoint_is_rejected(tracker):
    result = tracker.checkpoint("g1", 0, "")
    assert result.verdict is Verdict.REJECTED
    assert result.reason == "undo"
    assert tracker.pending() == []


def test_undo_of_a_replacement_restores_the_replaced_text(clock):
    tracker = Tracker(clock=clock)
    tracker.track("g", URI, BLOCK_REGION, BLOCK, pre_edit_text="pass\n")
    assert tracker.checkpoint("g", 0, "pass\n").verdict is Verdict.REJECTED


def test_kept_text_at_the_first_checkpoint_stays_pending(tracker):
    result = tracker.checkpoint("g1", 0, BLOCK)
    assert (result.survival, result.verdict) == (1.0, None)
    assert result.retained == len("".join(BLOCK.split()))


def test_last_checkpoint_accepts_above_the_threshold(tracker):
    edited = BLOCK.replace("name: str", "name: str = ''")
    result = tracker.checkpoint("g1", 3, edited)
    assert result.verdict is Verdict.ACCEPTED
    assert result.retained_text == edited
    assert tracker.pending() == []


def test_last_checkpoint_rejects_below_the_threshold(tracker):
    result = tracker.checkpoint("g1", 3, "class Invoice:\n    pass\n")
    assert result.verdict is Verdict.REJECTED
    assert result.reason == "threshold"


def test_threshold_is_configurable(clock):
    tracker = Tracker(clock=clock, keep_threshold=0.99)
    tracker.track("g", URI, BLOCK_REGION, BLOCK)
    assert tracker.checkpoint("g", 3, BLOCK.replace("name", "label")).verdict is Verdict.REJECTED


def test_edits_flow_into_the_region_and_the_checkpoint(tracker):
    document = DOCUMENT
    for start, end, text in [((0, 0), (0, 0), "import y\n"), ((6, 4), (6, 8), "label")]:
        document = apply_edit(document, start, end, text)
        tracker.on_change(URI, start, end, text)
    region_text = tracker.region_text("g1", document)
    assert region_text == BLOCK.replace("name", "label")
    assert tracker.checkpoint("g1", 3, region_text).verdict is Verdict.ACCEPTED


def test_changes_to_other_documents_are_ignored(tracker):
    tracker.on_change("file:///elsewhere.py", (0, 0), (0, 0), "a\nb\n")
    assert tracker.get("g1").region == BLOCK_REGION


def test_full_document_change_relocates_on_demand(tracker):
    document = "# header\n# more\n" + DOCUMENT
    tracker.on_change(URI, None, None, document)
    assert tracker.get("g1").region is None
    assert tracker.region_text("g1", document) == BLOCK
    assert tracker.get("g1").region == Region((4, 0), (8, 0))


def test_explicit_decision_uses_the_last_measure_without_text(tracker):
    tracker.checkpoint("g1", 0, BLOCK)
    result = tracker.decide("g1", Verdict.ACCEPTED)
    assert (result.verdict, result.survival, result.reason) == (Verdict.ACCEPTED, 1.0, "explicit")
    with pytest.raises(KeyError):
        tracker.get("g1")


def test_explicit_decision_measures_given_text(tracker):
    result = tracker.decide("g1", "rejected", "")
    assert (result.verdict, result.survival, result.retained_text) == (Verdict.REJECTED, 0.0, "")


def test_judge_from_disk_finds_the_block_where_it_moved(tracker):
    on_disk = "import x\nimport y\n\n\n# added\n" + BLOCK.replace("str", "str = ''") + "\nprint(x)\n"
    result = tracker.judge_from_disk("g1", on_disk)
    assert result.verdict is Verdict.ACCEPTED
    assert result.reason == "disk"
    assert "class Order:" in result.retained_text
    assert "import" not in result.retained_text


def test_judge_from_disk_keeps_the_recorded_range_when_it_matches(tracker):
    result = tracker.judge_from_disk("g1", DOCUMENT)
    assert (result.survival, result.retained_text) == (1.0, BLOCK)


def test_judge_from_disk_rejects_a_rewritten_block(tracker):
    on_disk = "import x\n\nclass Invoice:\n    total: float\n\nprint(x)\n"
    assert tracker.judge_from_disk("g1", on_disk).verdict is Verdict.REJECTED


def test_judge_from_disk_rejects_a_missing_file(tracker):
    result = tracker.judge_from_disk("g1", None)
    assert (result.verdict, result.reason, result.survival) == (Verdict.REJECTED, "missing", 0.0)


def test_snapshot_survives_a_restart_as_json(tracker, clock):
    tracker.on_change(URI, (0, 0), (0, 0), "import z\n")
    tracker.checkpoint("g1", 0, BLOCK)
    records = json.loads(json.dumps(tracker.snapshot()))
    resumed = Tracker(clock=clock)
    assert resumed.restore(records) == ["g1"]
    pending = resumed.get("g1")
    assert pending.region == Region((3, 0), (7, 0))
    assert pending.next_checkpoint == 1
    assert resumed.next_due_time() == 1120.0
    resumed.on_change(URI, (0, 0), (0, 0), "\n")
    assert resumed.get("g1").region == Region((4, 0), (8, 0))


def test_forget_and_pending_for(tracker):
    tracker.track("g2", URI, Region((8, 0), (8, 0)), "x", applied_at=0)
    assert {pending.generation_id for pending in tracker.pending_for(URI)} == {"g1", "g2"}
    assert sorted(tracker.forget(URI)) == ["g1", "g2"]
    assert tracker.pending_for(URI) == [] and tracker.next_due_time() is None


def test_move_follows_a_renamed_document(tracker):
    tracker.move(URI, "file:///work/orders.py")
    tracker.on_change("file:///work/orders.py", (0, 0), (0, 0), "\n")
    assert tracker.get("g1").region == Region((3, 0), (7, 0))
    assert tracker.get("g1").uri == "file:///work/orders.py"


def test_misuse_is_refused(tracker):
    with pytest.raises(ValueError):
        tracker.track("g1", URI, BLOCK_REGION, BLOCK)
    with pytest.raises(ValueError):
        tracker.checkpoint("g1", 4, BLOCK)
    with pytest.raises(KeyError):
        tracker.checkpoint("nope", 0, BLOCK)
    with pytest.raises(ValueError):
        Tracker(checkpoints=[])
