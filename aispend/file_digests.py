"""What identifies the content of one delivered export file, beyond its name, size and mtime.

Providers restate a period by rewriting the same file names (AWS CUR in overwrite mode, GCP and
Azure exports re-run over the month), and a rewrite may keep the size and, after a copy that keeps
times, the modification stamp. The digest is taken from the bytes (sha256) for local files and is
the ETag for S3 objects (S3 computes it from the content). The loader records it per file before
it reads them, so a file rewritten during a load shows up as changed, never as loaded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from connectors.files import FileRef, FileSystem

_CHUNK = 1 << 20


def file_digest(ref: FileRef) -> str | None:
    """``sha256:<hex>`` of a local file's bytes, ``etag:<etag>`` of an S3 object; None if the
    file is gone."""
    if ref.uri.startswith("s3://"):
        return f"etag:{ref.stamp}"
    digest = hashlib.sha256()
    try:
        with Path(ref.uri).open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return f"sha256:{digest.hexdigest()}"


def digests(refs: list[FileRef]) -> dict[str, str | None]:
    return {ref.uri: file_digest(ref) for ref in refs}


@dataclass(frozen=True)
class LoadedFile:
    """One file as meta.partition_files recorded it at its period's last good load."""

    uri: str
    size: int
    stamp: str
    digest: str | None  # None: loaded by a version that did not record digests


def unchanged(loaded: LoadedFile, now: FileRef | None) -> bool:
    """Whether the file delivered now is the one that was loaded: the same bytes where the load
    recorded a digest, else (older loads) the same size and modification stamp."""
    if now is None:
        return False
    if loaded.digest is not None:
        return file_digest(now) == loaded.digest
    return (now.size, now.stamp) == (loaded.size, loaded.stamp)


def refs_now(fs: FileSystem, root: str, uris: list[str]) -> dict[str, FileRef]:
    """The files named ``uris`` as delivered now (absent: gone); S3 objects from one listing of
    ``root``, local files from their own stat."""
    if root.startswith("s3://"):
        wanted = set(uris)
        return {ref.uri: ref for ref in fs.list(root, ("",)) if ref.uri in wanted}
    found = {}
    for uri in uris:
        try:
            stat = Path(uri).stat()
        except FileNotFoundError:
            continue
        found[uri] = FileRef(uri, stat.st_size, str(stat.st_mtime_ns), stat.st_mtime)
    return found
