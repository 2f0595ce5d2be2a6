"""Where input files live: a local file, folder or glob, or an ``s3://bucket/prefix`` URI.

Connectors take a FileSystem instead of opening paths themselves so that tests can hand them a
temporary folder or a local S3 server, and so S3 objects are read through one cached download.
"""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from connectors.compressed import strip_compression_suffix

_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class FileRef:
    """One input file and what identifies this delivery of it (size and modification stamp)."""

    uri: str
    size: int
    stamp: str
    modified: float = 0.0  # seconds since the epoch; orders deliveries of the same period

    @property
    def name(self) -> str:
        return self.uri.rstrip("/").rsplit("/", 1)[-1]


class FileSystem(Protocol):
    def list(
        self, root: str, suffixes: tuple[str, ...], rotated: bool = False
    ) -> list[FileRef]: ...

    def local_path(self, ref: FileRef) -> Path: ...


class LocalFileSystem:
    """Files on this machine: ``root`` is a file, a folder (searched recursively) or a glob."""

    def list(self, root: str, suffixes: tuple[str, ...], rotated: bool = False) -> list[FileRef]:
        if any(ch in root for ch in _GLOB_CHARS):
            candidates = [Path(p) for p in glob.glob(root, recursive=True)]
        elif Path(root).is_dir():
            candidates = [p for p in Path(root).rglob("*")]
        elif Path(root).exists():
            return [_local_ref(Path(root))]
        else:
            raise FileNotFoundError(f"{root}: no such file or folder")
        files = [p for p in candidates if p.is_file() and _matches(p.name, suffixes, rotated)]
        return sorted((_local_ref(p) for p in files), key=lambda r: r.uri)

    def local_path(self, ref: FileRef) -> Path:
        return Path(ref.uri)


class S3FileSystem:
    """Objects under an ``s3://bucket/prefix`` (a glob after the prefix is allowed).

    Uses boto3's standard credential chain; ``endpoint_url`` points it at any S3-compatible API.
    Objects are downloaded once per ETag into a cache folder, so reruns do not fetch them again.
    """

    def __init__(
        self, endpoint_url: str | None = None, cache_dir: Path | None = None, client: Any = None
    ):
        if client is None:
            import boto3

            client = boto3.client("s3", endpoint_url=endpoint_url)
        self._client = client
        self._cache = cache_dir or Path(tempfile.gettempdir()) / "aispend-s3-cache"

    def list(self, root: str, suffixes: tuple[str, ...], rotated: bool = False) -> list[FileRef]:
        bucket, key = split_s3_uri(root)
        prefix, pattern = _split_glob(key)
        refs = []
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                name = obj["Key"]
                if pattern and not fnmatch.fnmatch(name, pattern):
                    continue
                if name.endswith("/") or not _matches(name.rsplit("/", 1)[-1], suffixes, rotated):
                    continue
                refs.append(
                    FileRef(
                        f"s3://{bucket}/{name}",
                        obj["Size"],
                        obj["ETag"].strip('"'),
                        obj["LastModified"].timestamp(),
                    )
                )
        return sorted(refs, key=lambda r: r.uri)

    def local_path(self, ref: FileRef) -> Path:
        bucket, key = split_s3_uri(ref.uri)
        digest = hashlib.sha256(f"{ref.uri}|{ref.stamp}".encode()).hexdigest()[:24]
        target = self._cache / digest / ref.name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(target.suffix + ".part")
            self._client.download_file(bucket, key, str(partial))
            os.replace(partial, target)
        return target


def filesystem_for(root: str, endpoint_url: str | None = None) -> FileSystem:
    if root.startswith("s3://"):
        return S3FileSystem(endpoint_url=endpoint_url)
    if "://" in root:
        raise ValueError(f"{root}: only local paths and s3:// URIs are supported")
    return LocalFileSystem()


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"{uri}: not an s3:// URI")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"{uri}: no bucket in the URI")
    return bucket, key


def _split_glob(key: str) -> tuple[str, str | None]:
    """Split 'exports/*/x.csv' into the listing prefix 'exports/' and the full glob pattern."""
    positions = [key.find(ch) for ch in _GLOB_CHARS if ch in key]
    if not positions:
        return key, None
    return key[: min(positions)], key


#: What logrotate and its kin append to a rotated file: gpu.csv.1, gpu.csv.2.gz (after the
#: compression suffix is taken off), sacct.log-20261103, sacct.log-2026-11-03.
_ROTATED = re.compile(r"(\.\d{1,4}|-\d{8}|-\d{4}-\d{2}-\d{2}|-\d{10})$")


def _matches(name: str, suffixes: tuple[str, ...], rotated: bool = False) -> bool:
    """A visible file whose name, less any compression suffix, ends with one of ``suffixes``
    (``gpu.csv.gz`` and ``sacct.log.zst`` are listed wherever ``.csv`` and ``.log`` are). With
    ``rotated`` (logs), also what log rotation leaves: ``gpu.csv.1``, ``gpu.csv.2.gz``; bills
    never, where a ``.1`` copy beside an export would be counted twice."""
    if name.startswith("."):
        return False
    lower = name.lower()
    if lower.endswith(suffixes):
        return True
    bare = strip_compression_suffix(lower)
    return bare.endswith(suffixes) or (rotated and _ROTATED.sub("", bare).endswith(suffixes))


def _local_ref(path: Path) -> FileRef:
    stat = path.stat()
    return FileRef(str(path), stat.st_size, str(stat.st_mtime_ns), stat.st_mtime)
