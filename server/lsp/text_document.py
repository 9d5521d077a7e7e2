"""A pygls TextDocument whose incremental changes cost the size of the edit, not of the file.

pygls keeps a document as one string: every incremental change splits the whole
text into lines and writes every line again (about a millisecond per keystroke
on a 10,000-line file). This document keeps its lines (split exactly as pygls
splits them, `str.splitlines(True)`) in chunks of a few hundred; a change finds
its lines through the chunks' line counts, converts the client's range with the
document's position codec over just those lines, re-splits only the edited
span and patches the chunk(s) it falls in. `source` and `lines` are built on
demand and cached until the next change, so callers see exactly what pygls's
TextDocument would give them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import chain

from lsprotocol import types

from server.lsp.pygls_internals import PyglsTextDocument

CHUNK_LINES = 512

_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD.

    JSON may carry "\\ud800" alone; Python keeps it in a str, but it cannot be
    encoded (tree-sitter, the database, answer files and the LSP stream all
    need UTF-8). U+FFFD has the same length in UTF-16 units, code points and
    UTF-8 bytes as a lone surrogate, so every position the client sends still
    means the same place. The search copies nothing when there is none.
    """
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub("\ufffd", text)


class ChunkedLines(Sequence[str]):
    """The document's lines as the position codec sees them, without copying them."""

    def __init__(self, document: ChunkedTextDocument):
        self._document = document

    def __len__(self) -> int:
        return self._document._line_count

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(self._document._built_chunks())

    def __getitem__(self, index: int) -> str:  # type: ignore[override]  # no slices: the codec indexes lines
        count = self._document._line_count
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("line index out of range")
        chunk, offset = self._document._locate(index)
        return self._document._built_chunks()[chunk][offset]


class ChunkedTextDocument(PyglsTextDocument):
    """pygls's TextDocument with the text kept as chunks of lines.

    `chunk_lines` is the size above which a chunk is split; tests make it tiny
    so that splits and merges happen on small documents.
    """

    def __init__(self, *args, chunk_lines: int = CHUNK_LINES, **kwargs):
        super().__init__(*args, **kwargs)
        self._chunk_lines = max(1, chunk_lines)
        # None while the document is backed by the file on disk (pygls re-reads
        # it on every access); the chunks are built at the first change.
        self._chunks: list[list[str]] | None = None
        self._line_count = 0
        self._length = 0  # characters, kept up to date by every change
        self._lines: tuple[str, ...] | None = None
        if self.cached_source is not None:
            self._load(self.cached_source)

    @property
    def length(self) -> int:
        """The text's length in characters, without joining the chunks."""
        if self._chunks is None:
            return len(super().source)
        return self._length

    # -- pygls's interface -------------------------------------------------

    @property
    def source(self) -> str:
        if self._chunks is None:
            return super().source
        # pygls's cached text doubles as the cache of the joined text: None while stale.
        source = self.cached_source
        if source is None:
            source = self.cached_source = "".join(map("".join, self._chunks))
        return source

    @property
    def lines(self) -> Sequence[str]:
        if self._chunks is None:
            return super().lines
        if self._lines is None:
            self._lines = tuple(chain.from_iterable(self._chunks))
        return self._lines

    def apply_full_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        self._load(change.text)

    def apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        if self._chunks is None:
            self._load(super().source)
        change.text = scrub(change.text)
        span = self.position_codec.range_from_client_units(ChunkedLines(self), change.range)
        start_line, start_col = span.start.line, span.start.character
        end_line, end_col = span.end.line, span.end.character
        count = self._line_count

        if start_line == count:
            # pygls appends the text to the source. Only an empty document gets
            # here (the codec clamps lines past the end to the last line).
            first = max(0, count - 1)
            self._replace(first, count, ("".join(self._slice(first, count)) + change.text).splitlines(True))
            return
        if start_line > end_line:
            # pygls writes every line unchanged and drops the text.
            return

        # Re-split one unchanged line on each side as well: a "\r" before the
        # edit and a "\n" after it (or the reverse) become one "\r\n" line break.
        first = max(0, start_line - 1)
        last = min(count, end_line + 2)
        span_lines = self._slice(first, last)
        head = "".join(span_lines[: start_line - first]) + span_lines[start_line - first][:start_col]
        tail = span_lines[end_line - first][end_col:] + "".join(span_lines[end_line - first + 1 :])
        self._replace(first, last, (head + change.text + tail).splitlines(True))

    # -- chunks ------------------------------------------------------------

    def _load(self, text: str) -> None:
        text = scrub(text)
        lines = text.splitlines(True)
        size = self._chunk_lines
        self._chunks = [lines[i : i + size] for i in range(0, len(lines), size)]
        self._line_count = len(lines)
        self._length = len(text)
        self.cached_source = text
        self._lines = None

    def _built_chunks(self) -> list[list[str]]:
        """The chunks; everything below runs after `_load` built them."""
        assert self._chunks is not None
        return self._chunks

    def _locate(self, line: int) -> tuple[int, int]:
        """(chunk index, index within it) of a line; the line may be one past the end."""
        chunks = self._built_chunks()
        for index, chunk in enumerate(chunks):
            size = len(chunk)
            if line < size:
                return index, line
            line -= size
        return len(chunks), line

    def _slice(self, first: int, last: int) -> list[str]:
        if first >= last:
            return []
        chunk, offset = self._locate(first)
        chunks = self._built_chunks()
        out: list[str] = []
        wanted = last - first
        while len(out) < wanted:
            out += chunks[chunk][offset : offset + wanted - len(out)]
            chunk, offset = chunk + 1, 0
        return out

    def _replace(self, first: int, last: int, new_lines: list[str]) -> None:
        """Replace lines [first, last) with `new_lines` and re-balance the chunks touched."""
        chunks = self._built_chunks()
        self._length += sum(map(len, new_lines)) - sum(map(len, self._slice(first, min(last, self._line_count))))
        self._line_count += len(new_lines) - (last - first)
        self.cached_source = None
        self._lines = None
        if not chunks:
            chunks.append(new_lines)
            self._rebalance(0, 1)
            return
        start_chunk, start_offset = self._locate(first)
        if start_chunk == len(chunks):
            # Appending after the last line: it belongs to the last chunk.
            start_chunk, start_offset = start_chunk - 1, len(chunks[-1])
        end_chunk, end_offset = start_chunk, start_offset + (last - first)
        while end_chunk < len(chunks) - 1 and end_offset > len(chunks[end_chunk]):
            end_offset -= len(chunks[end_chunk])
            end_chunk += 1
        if start_chunk == end_chunk:
            chunks[start_chunk][start_offset:end_offset] = new_lines
        else:
            merged = chunks[start_chunk][:start_offset] + new_lines + chunks[end_chunk][end_offset:]
            chunks[start_chunk : end_chunk + 1] = [merged]
        self._rebalance(start_chunk, start_chunk + 1)

    def _rebalance(self, first: int, last: int) -> None:
        """Split chunks[first:last] when too long, drop them when empty, merge them when tiny."""
        chunks, limit = self._built_chunks(), self._chunk_lines
        pieces: list[list[str]] = []
        for chunk in chunks[first:last]:
            if len(chunk) > limit:
                half = max(1, limit // 2)
                pieces += [chunk[i : i + half] for i in range(0, len(chunk), half)]
            elif chunk:
                pieces.append(chunk)
        chunks[first:last] = pieces
        if len(pieces) == 1 and len(pieces[0]) < limit // 4:
            # A chunk shrunk by deletions joins a neighbour, so the number of
            # chunks stays about lines / limit.
            for neighbour in (first - 1, first + 1):
                if 0 <= neighbour < len(chunks) and len(chunks[neighbour]) + len(pieces[0]) <= limit:
                    low = min(first, neighbour)
                    chunks[low : low + 2] = [chunks[low] + chunks[low + 1]]
                    break
