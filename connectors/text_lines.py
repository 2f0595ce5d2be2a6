"""Telemetry logs line by line, compressed or not, with every line's length bounded.

nvidia-smi, dmon, sacct and Prometheus text are line-oriented logs that clusters rotate and
compress (``gpu.csv.2.gz``, ``.zst``, gzip under a plain name). The readers here open them through
connectors.compressed, which tells compression by magic bytes, and refuse a line longer than
MAX_LINE_BYTES: a real line of these tools is well under a kilobyte, so a longer one is a
corrupt file (a crash leaves a run of NULs with no newline), and reading it whole would cost
unbounded memory. Errors are ValueError/EOFError, which the telemetry dispatcher reports as an
unreadable file, naming the file and the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import zstandard

from connectors.compressed import open_binary

#: The longest line any of these logs may hold (1 MiB); a longer one refuses the file.
MAX_LINE_BYTES = 1 << 20


class LineTooLongError(ValueError):
    """A line longer than the limit: names the file and the 1-based line number."""

    def __init__(self, path: Path | str, line: int, limit: int = MAX_LINE_BYTES):
        self.path, self.line, self.limit = str(path), line, limit
        super().__init__(
            f"{path}: line {line} is longer than {limit} bytes; not a telemetry "
            f"log line (a corrupt or binary file?)"
        )


@contextmanager
def open_stream(path: Path) -> Iterator[BinaryIO]:
    """The file's decompressed bytes. A corrupt zstd frame (zstandard.ZstdError, which is no
    ValueError) is raised as ValueError so that the dispatcher reports the file as unreadable."""
    try:
        handle = open_binary(path)
    except zstandard.ZstdError as exc:
        raise ValueError(f"{path}: not a readable zstd stream ({exc})") from exc
    with handle:
        yield handle


def read_line(handle: BinaryIO, path: Path, number: int, limit: int = MAX_LINE_BYTES) -> bytes:
    """One line (with its newline, b'' at the end of the file), refused past ``limit`` bytes."""
    raw = handle.readline(limit + 1)
    if len(raw) > limit and not raw.endswith(b"\n"):
        raise LineTooLongError(path, number, limit)
    return raw


def iter_lines(path: Path, *, limit: int = MAX_LINE_BYTES) -> Iterator[tuple[int, str]]:
    """(1-based line number, text without its line ending), UTF-8 with a byte-order mark
    dropped; lines split on '\\n' only, so numbers match what an editor shows."""
    with open_stream(path) as handle:
        number = 0
        while True:
            number += 1
            raw = read_line(handle, path, number, limit)
            if not raw:
                return
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"{path}: line {number} is not UTF-8 ({exc.reason} at byte {exc.start})"
                ) from exc
            yield number, text.rstrip("\r\n")


def first_line(path: Path, limit: int = MAX_LINE_BYTES) -> str:
    """The decompressed first line, for telling a file's shape (header, '#' lines, JSON)."""
    with open_stream(path) as handle:
        return read_line(handle, path, 1, limit).decode("utf-8-sig", "replace")


def peek(path: Path, size: int = 64) -> bytes:
    """The first ``size`` decompressed bytes, for telling JSON from text whatever its length."""
    with open_stream(path) as handle:
        return handle.read(size)


def read_all(path: Path, *, limit: int) -> bytes:
    """The whole decompressed content, refused past ``limit`` bytes (for one-line JSON)."""
    with open_stream(path) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path}: more than {limit} bytes decompressed; too big to read whole")
    return data
