"""ChunkedTextDocument must stay indistinguishable from pygls's TextDocument."""

from __future__ import annotations

import copy
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path
from pygls.workspace import PositionCodec, TextDocument

from server.lsp.protocol import ScionProtocol
from server.lsp.text_document import ChunkedTextDocument
from server.lsp.workspace import ChunkedWorkspace

URI = "file:///tmp/example.py"
ENCODINGS = [types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf32]
# Line breaks of every kind splitlines knows, two-unit UTF-16 characters and
# multi-byte UTF-8 ones.
PIECES = ["a", "bc", " ", "é", "😋", "\n", "\r", "\r\n", "\n\n", "\x0b", "\u2028", "x\ny\nz"]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def partial(start: tuple[int, int], end: tuple[int, int], text: str) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(*start), end=types.Position(*end)), text=text
    )


def pair(source: str | None, encoding=types.PositionEncodingKind.Utf16, chunk_lines: int = 2, **kwargs):
    codec = PositionCodec(encoding)
    return (
        TextDocument(URI, source, position_codec=codec, **kwargs),
        ChunkedTextDocument(URI, source, position_codec=codec, chunk_lines=chunk_lines, **kwargs),
    )


def apply_to_both(reference: TextDocument, chunked: ChunkedTextDocument, change) -> None:
    # The codec may clamp a position in place; each document gets its own copy.
    reference.apply_change(copy.deepcopy(change))
    chunked.apply_change(copy.deepcopy(change))


def assert_chunks_sound(document: ChunkedTextDocument) -> None:
    chunks = document._chunks
    assert all(0 < len(chunk) <= document._chunk_lines for chunk in chunks)
    assert sum(map(len, chunks)) == document._line_count


@st.composite
def changes(draw):
    if draw(st.integers(0, 19)) == 0:
        return types.TextDocumentContentChangeWholeDocument(text=draw(texts))
    # Lines and columns a little past the ends, so the codec's clamping is exercised.
    start = (draw(st.integers(0, 12)), draw(st.integers(0, 8)))
    end = (draw(st.integers(0, 12)), draw(st.integers(0, 8)))
    if draw(st.integers(0, 9)):  # mostly ordered ranges, as clients send them
        start, end = min(start, end), max(start, end)
    return partial(start, end, draw(texts))


@settings(max_examples=400, deadline=None)
@given(
    source=texts,
    edits=st.lists(changes(), max_size=25),
    encoding=st.sampled_from(ENCODINGS),
    chunk_lines=st.sampled_from([1, 2, 3, 4, 5, 8, 512]),
    read_between=st.booleans(),
)
def test_random_changes_match_pygls(source, edits, encoding, chunk_lines, read_between):
    reference, chunked = pair(source, encoding, chunk_lines)
    for change in edits:
        apply_to_both(reference, chunked, change)
        assert_chunks_sound(chunked)
        assert chunked.length == len(reference.source)  # kept without joining the text
        if read_between:
            assert chunked.lines == reference.lines
            assert chunked.source == reference.source
    assert chunked.source == reference.source
    assert chunked.lines == reference.lines


@settings(max_examples=200, deadline=None)
@given(lines=st.integers(0, 40), edits=st.lists(st.tuples(st.integers(0, 45), st.integers(0, 45), texts), max_size=20))
def test_multi_line_edits_across_small_chunks(lines, edits):
    """Longer documents and spans covering many chunks: joins, splits and merges."""
    reference, chunked = pair("".join(f"line {n}\n" for n in range(lines)), chunk_lines=4)
    for first, last, text in edits:
        first, last = min(first, last), max(first, last)
        apply_to_both(reference, chunked, partial((first, 2), (last, 1), text))
        assert_chunks_sound(chunked)
        assert chunked.length == len(reference.source)
    assert chunked.source == reference.source
    assert chunked.lines == reference.lines


def test_insert_into_an_empty_document_appends_like_pygls():
    reference, chunked = pair("")
    for change in (partial((0, 0), (0, 0), "a\r"), partial((5, 0), (5, 0), "\nb")):
        apply_to_both(reference, chunked, change)
    assert chunked.source == reference.source == "a\r\nb"
    assert chunked.lines == reference.lines == ("a\r\n", "b")


def test_edit_past_the_last_line_is_clamped_like_pygls():
    reference, chunked = pair("one\ntwo\nthree")
    apply_to_both(reference, chunked, partial((3, 0), (3, 0), "!"))
    apply_to_both(reference, chunked, partial((2, 5), (2, 5), "\nfour"))
    assert chunked.source == reference.source == "one\ntwo\nthree\nfour!"


def test_carriage_return_then_line_feed_become_one_line_break():
    reference, chunked = pair("a\rb\nc", chunk_lines=1)
    apply_to_both(reference, chunked, partial((1, 0), (1, 1), "\n"))
    assert chunked.lines == reference.lines == ("a\r\n", "\n", "c")


def test_utf16_positions_count_astral_characters_twice():
    reference, chunked = pair("x = '😋😋'\n", types.PositionEncodingKind.Utf16)
    apply_to_both(reference, chunked, partial((0, 7), (0, 9), ""))  # the second emoji
    assert chunked.source == reference.source == "x = '😋'\n"


def test_utf8_positions_count_bytes():
    reference, chunked = pair("é😋z\n", types.PositionEncodingKind.Utf8)
    apply_to_both(reference, chunked, partial((0, 2), (0, 6), "-"))  # after é, the emoji
    assert chunked.source == reference.source == "é-z\n"


def test_full_sync_replaces_and_none_sync_ignores():
    for kind in (types.TextDocumentSyncKind.Full, types.TextDocumentSyncKind.None_):
        reference, chunked = pair("old\n", sync_kind=kind)
        apply_to_both(reference, chunked, partial((0, 0), (0, 3), "new"))
        assert chunked.source == reference.source
        assert chunked.lines == reference.lines


def test_document_on_disk_is_read_until_changed(tmp_path: Path):
    path = tmp_path / "on_disk.py"
    path.write_text("a\nb\n", encoding="utf-8")
    uri = from_fs_path(str(path))
    reference, chunked = TextDocument(uri), ChunkedTextDocument(uri)
    assert chunked.lines == reference.lines == ("a\n", "b\n")
    path.write_text("c\nd\n", encoding="utf-8")
    assert chunked.source == "c\nd\n"
    apply_to_both(reference, chunked, partial((1, 0), (1, 1), "e"))
    path.write_text("changed on disk\n", encoding="utf-8")
    assert chunked.source == reference.source == "c\ne\n"


def test_workspace_creates_chunked_documents_with_its_codec():
    workspace = ChunkedWorkspace("file:///tmp", position_encoding=types.PositionEncodingKind.Utf8)
    workspace.put_text_document(types.TextDocumentItem(uri=URI, language_id="python", version=3, text="a\n"))
    document = workspace.get_text_document(URI)
    assert isinstance(document, ChunkedTextDocument)
    assert (document.version, document.language_id, document.position_codec.encoding) == (3, "python", "utf-8")


def run_initialize(with_handler: bool) -> tuple[LanguageServer, list]:
    server = LanguageServer("test", "1", protocol_cls=ScionProtocol)
    seen = []
    if with_handler:

        @server.feature(types.INITIALIZE)
        def initialize(ls: LanguageServer, params: types.InitializeParams) -> None:
            seen.append(ls.workspace)

    folder = types.WorkspaceFolder(uri="file:///tmp/ws", name="ws")
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=folder.uri, workspace_folders=[folder]
    )
    steps = server.protocol.lsp_initialize(params)
    result = None
    try:
        while True:
            handler, args, _ = steps.send(result)
            result = handler(*args)
    except StopIteration as finished:
        assert isinstance(finished.value, types.InitializeResult)
    return server, seen


def test_initialize_swaps_in_the_chunked_workspace_before_the_handler_runs():
    server, seen = run_initialize(with_handler=True)
    assert seen == [server.workspace]
    assert isinstance(server.workspace, ChunkedWorkspace)
    assert server.workspace.root_uri == "file:///tmp/ws"
    assert list(server.workspace.folders) == ["file:///tmp/ws"]
    assert server.workspace.position_encoding == types.PositionEncodingKind.Utf16


def test_initialize_without_a_handler_also_gets_the_chunked_workspace():
    server, _ = run_initialize(with_handler=False)
    assert isinstance(server.workspace, ChunkedWorkspace)


def test_lone_surrogates_become_replacement_characters_at_the_same_positions():
    chunked = ChunkedTextDocument("file:///a.py", source="a\ud800b\n")
    assert chunked.source == "a\ufffdb\n"
    chunked.apply_change(partial((0, 2), (0, 2), "\udfff"))
    assert chunked.source == "a\ufffd\ufffdb\n"
    chunked.source.encode("utf-8")
