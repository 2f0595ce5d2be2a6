"""Compressed inputs, told by their first bytes rather than their names.

Log shippers and export jobs compress files (``logrotate`` writes ``.gz``, some collectors
``.zst``) and do not always say so in the name: a rotated ``gpu.csv.1`` may be gzip, an S3
object may carry no suffix at all. Every text reader opens its file through ``open_text`` /
``read_bytes`` here, so gzip and zstd are read wherever plain text is.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any, BinaryIO, TextIO

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: Name endings that say a file is compressed; listed so source suffix filters accept them.
COMPRESSED_SUFFIXES = (".gz", ".gzip", ".zst", ".zstd")


def compression_of(path: Path) -> str | None:
    """'gzip', 'zstd' or None, from the file's magic bytes."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return None


def open_binary(path: Path) -> BinaryIO:
    """The file's content, decompressed as it is read when it is gzip or zstd."""
    kind = compression_of(path)
    if kind is None:
        _refuse_empty_compressed(path)
    if kind == "gzip":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if kind == "zstd":
        return io.BufferedReader(_ZstdStream(path), buffer_size=_CHUNK)
    return path.open("rb")


def open_text(path: Path, errors: str = "strict") -> TextIO:
    """The file as UTF-8 text (a byte-order mark dropped), decompressed when compressed."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8-sig", errors=errors, newline="")


def read_bytes(path: Path) -> bytes:
    """All of the file's content, decompressed. A cut-off stream raises EOFError (gzip) or
    zstandard.ZstdError, which readers report as an unreadable file."""
    if compression_of(path) is None:
        _refuse_empty_compressed(path)
        return path.read_bytes()
    with open_binary(path) as handle:
        return handle.read()


def _refuse_empty_compressed(path: Path) -> None:
    """A 0-byte ``.gz``/``.zst`` is a compressed copy that never got its first bytes (gzip -t
    calls it an unexpected end of file); read as plain text it would be an empty file and
    vanish from the load, so it is refused as a cut-off stream, naming the file."""
    if path.name.lower().endswith(COMPRESSED_SUFFIXES) and path.stat().st_size == 0:
        raise EOFError(f"{path.name} is empty, but its name says it is compressed")


_CHUNK = 1 << 20


class _ZstdStream(io.RawIOBase):
    """A zstd file decompressed as it is read, frame after frame, in bounded memory. A stream
    cut short raises EOFError at its end, as gzip's does (the library's own stream reader
    would quietly return what it had)."""

    def __init__(self, path: Path):
        import zstandard

        self._zstd = zstandard
        self._raw = path.open("rb")
        self._name = path.name
        self._frame = zstandard.ZstdDecompressor().decompressobj()
        self._fed = False  # whether the current frame has been given any input
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = self._raw.read(_CHUNK)
            if not chunk:
                if self._fed and not self._frame.eof:
                    raise EOFError(
                        f"{self._name}: zstd stream ended before its end mark (truncated)"
                    )
                return 0
            self._pending = self._feed(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _feed(self, chunk: bytes) -> bytes:
        out = bytearray()
        while chunk:
            if self._frame.eof:
                self._frame = self._zstd.ZstdDecompressor().decompressobj()
                self._fed = False
            self._fed = True
            out += self._frame.decompress(chunk)
            chunk = self._frame.unused_data if self._frame.eof else b""
        return bytes(out)

    def close(self) -> None:
        self._raw.close()
        super().close()


def read_text(path: Path, errors: str = "strict") -> str:
    return read_bytes(path).decode("utf-8-sig", errors=errors)


def strip_compression_suffix(name: str) -> str:
    """'gpu.csv.gz' -> 'gpu.csv': what the content is, whatever wraps it."""
    lower = name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name
