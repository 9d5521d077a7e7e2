"""The one confinement check for paths that come from workspace content or the client."""

import os

import pytest

from server.common.confine import checked_folders, confine_key, confine_relative, inside_workspace, relative_key
from server.common.errors import PathEscapeError


@pytest.fixture
def ws(tmp_path):
    workspace = (tmp_path / "ws").resolve()
    (workspace / "real").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    os.symlink(workspace / "real", workspace / "inside")  # a link that stays inside
    os.symlink(tmp_path / "outside", workspace / "real" / "out")  # a link that leaves
    os.symlink(tmp_path / "outside" / "x.sh", workspace / "exit.sh")
    return workspace


def test_paths_inside_are_returned_normalised(ws):
    assert inside_workspace(ws, ws / "pkg" / "new" / "a.py") == str(ws / "pkg/new/a.py")
    assert inside_workspace(ws, f"{ws}/pkg/../a.py") == str(ws / "a.py")
    assert confine_relative(ws, ws / "pkg", "new/./a.py") == str(ws / "pkg/new/a.py")


def test_a_link_that_stays_inside_is_followed(ws):
    assert confine_relative(ws, ws, "inside/a.py") == str(ws / "real/a.py")


@pytest.mark.parametrize("path", ["inside/out/a.py", "real/out/a.py", "exit.sh"])
def test_a_link_that_leaves_is_refused_at_any_depth(ws, path):
    with pytest.raises(PathEscapeError, match="symlink .* outside the workspace"):
        inside_workspace(ws, ws / path)


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside/x", "../../x"])
def test_paths_outside_are_refused(ws, path):
    with pytest.raises(PathEscapeError, match="outside the workspace"):
        inside_workspace(ws, os.path.join(ws, path))


@pytest.mark.parametrize("rel", ["/etc/passwd", "C:/x", "a/../../b", "..", "", "."])
def test_relative_paths_must_be_plain(ws, rel):
    with pytest.raises(PathEscapeError):
        confine_relative(ws, ws, rel)


def test_answer_file_keys_may_climb_but_not_leave(ws):
    folder = ws / "src" / "shop"
    assert confine_key(ws, folder, "order.py") == str(folder / "order.py")
    assert confine_key(ws, folder, "../../tests/test_order.py") == str(ws / "tests/test_order.py")
    for key in ["../../../outside.py", "/home/me/.bashrc", "C:\\x", ""]:
        with pytest.raises(PathEscapeError):
            confine_key(ws, folder, key)


def test_keys_are_relative_and_round_trip(ws):
    folder = ws / "src" / "shop"
    for target in [folder / "order.py", ws / "tests" / "test_order.py", ws / "README.md"]:
        key = relative_key(target, folder)
        assert not os.path.isabs(key)
        assert confine_key(ws, folder, key) == str(target)


def test_a_root_reached_through_a_link_is_the_same_root(tmp_path):
    real = (tmp_path / "real").resolve()
    (real / "pkg").mkdir(parents=True)
    os.symlink(real, tmp_path / "link")
    assert confine_relative(tmp_path / "link", tmp_path / "link" / "pkg", "a.py") == str(
        tmp_path / "link" / "pkg" / "a.py"
    )
    assert inside_workspace(tmp_path / "link", real / "pkg" / "a.py") == str(real / "pkg" / "a.py")


def test_a_batch_block_answers_again_as_the_first_check_did(ws):
    """Inside checked_folders() a path checked once is not checked again; the answers stay those of a first check."""
    (ws / "real" / "a.py").write_text("x")
    with checked_folders():
        for _ in range(2):
            assert inside_workspace(ws, ws / "real" / "a.py") == str(ws / "real/a.py")
            # Through the link that stays inside: resolved every time, not taken for a real folder.
            assert inside_workspace(ws, ws / "inside" / "a.py") == str(ws / "real/a.py")
            with pytest.raises(PathEscapeError, match="symlink"):
                inside_workspace(ws, ws / "inside" / "out" / "b.py")
    # A new block checks afresh: a file replaced by a link that leaves is refused now.
    (ws / "real" / "a.py").unlink()
    os.symlink(ws.parent / "outside", ws / "real" / "a.py")
    with checked_folders(), pytest.raises(PathEscapeError, match="symlink"):
        inside_workspace(ws, ws / "real" / "a.py")
