"""Put files into a store so that readers see a partition whole or not at all.

Every write lands under ``_staging/`` first (a folder Spark, Hive and Trino skip, and no table's
glob reaches) and is swapped in only when complete: on a local disk by ``os.replace`` of the
partition's one file, on S3 by copying the finished object to its key, which S3 makes visible
in one step. A load killed before the swap leaves the previous partition as it was, and a
leftover staging file is only garbage, never data.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any, Protocol

STAGING = "_staging"
#: Staged files older than this are what a killed load left: ``sweep`` removes them.
STALE_AFTER_S = 24 * 3600


class ObjectStore(Protocol):
    uri: str

    def location(self, key: str) -> str:
        """``key`` as a path or URI an engine can read (Spark wants ``s3a://``)."""
        ...

    def put(self, local: Path, key: str) -> None: ...

    def replace_folder(self, local_dir: Path, prefix: str) -> None: ...

    def keys(self, prefix: str, suffix: str = ".parquet") -> list[str]: ...

    def staging_prefix(self) -> str: ...

    def swap_folder(self, staged: str, prefix: str) -> None: ...

    def sweep(self, older_than_s: float = STALE_AFTER_S) -> int:
        """Remove what killed loads left under ``_staging/``; returns how many entries."""
        ...


class LocalStore:
    """A folder on this machine (or a shared file system such as NFS or a mounted volume)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.uri = str(self.root)

    def location(self, key: str) -> str:
        return str(self.root / key)

    def put(self, local: Path, key: str) -> None:
        final = self.root / key
        staged = self.root / STAGING / f"{uuid.uuid4().hex}.{final.name}"
        staged.parent.mkdir(parents=True, exist_ok=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        with open(local, "rb") as src, open(staged, "wb") as dst:
            shutil.copyfileobj(src, dst, 16 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(staged, final)

    def replace_folder(self, local_dir: Path, prefix: str) -> None:
        staged = self.staging_prefix()
        shutil.copytree(local_dir, self.root / staged)
        self.swap_folder(staged, prefix)

    def staging_prefix(self) -> str:
        (self.root / STAGING).mkdir(parents=True, exist_ok=True)
        return f"{STAGING}/{uuid.uuid4().hex}"

    def swap_folder(self, staged: str, prefix: str) -> None:
        """Two renames: readers opening the table between them find it missing for that
        instant (and retry), never half of it."""
        final = self.root / prefix
        final.parent.mkdir(parents=True, exist_ok=True)
        old = self.root / f"{staged}.old"
        if final.exists():
            os.rename(final, old)
        os.rename(self.root / staged, final)
        shutil.rmtree(old, ignore_errors=True)

    def sweep(self, older_than_s: float = STALE_AFTER_S) -> int:
        folder = self.root / STAGING
        if not folder.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        removed = 0
        for entry in folder.iterdir():
            if entry.lstat().st_mtime < cutoff:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                removed += 1
        return removed

    def keys(self, prefix: str, suffix: str = ".parquet") -> list[str]:
        base = self.root / prefix
        if not base.is_dir():
            return []
        return sorted(
            str(p.relative_to(self.root))
            for p in base.rglob(f"*{suffix}")
            if p.is_file()
            and not any(part.startswith(("_", ".")) for part in p.relative_to(base).parts)
        )


class S3Store:
    """``s3://bucket/prefix`` through boto3; the endpoint comes from ``AWS_ENDPOINT_URL`` (an
    S3-compatible service such as MinIO, or a local test server) as in every AWS SDK."""

    def __init__(self, uri: str, client: Any | None = None) -> None:
        import boto3

        self.uri = uri.rstrip("/")
        bucket, _, base = self.uri.removeprefix("s3://").partition("/")
        self.bucket, self.base = bucket, base.strip("/")
        self.client = client or boto3.client("s3")

    def key(self, key: str) -> str:
        return f"{self.base}/{key}" if self.base else key

    def location(self, key: str) -> str:
        return f"s3a://{self.bucket}/{self.key(key)}"

    def put(self, local: Path, key: str) -> None:
        staged = self.key(f"{STAGING}/{uuid.uuid4().hex}/{Path(key).name}")
        self.client.upload_file(str(local), self.bucket, staged)
        try:
            self.client.copy({"Bucket": self.bucket, "Key": staged}, self.bucket, self.key(key))
        finally:
            self.client.delete_object(Bucket=self.bucket, Key=staged)

    def replace_folder(self, local_dir: Path, prefix: str) -> None:
        staged = self.staging_prefix()
        for path in sorted(p for p in local_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(local_dir).as_posix()
            self.client.upload_file(str(path), self.bucket, self.key(f"{staged}/{rel}"))
        self.swap_folder(staged, prefix)

    def staging_prefix(self) -> str:
        return f"{STAGING}/{uuid.uuid4().hex}"

    def swap_folder(self, staged: str, prefix: str) -> None:
        """Each object is replaced in one step; a whole table is not (S3 has no rename): a
        reader during the swap may see old and new files of a rebuilt model side by side."""
        new = {k.removeprefix(f"{staged}/"): k for k in self.keys(staged, suffix="")}
        old = set(self.keys(prefix, suffix=""))
        for rel, key in new.items():
            self.client.copy(
                {"Bucket": self.bucket, "Key": self.key(key)},
                self.bucket,
                self.key(f"{prefix}/{rel}"),
            )
        for key in sorted(old - {f"{prefix}/{rel}" for rel in new}):
            self.client.delete_object(Bucket=self.bucket, Key=self.key(key))
        for key in new.values():
            self.client.delete_object(Bucket=self.bucket, Key=self.key(key))

    def sweep(self, older_than_s: float = STALE_AFTER_S) -> int:
        cutoff = time.time() - older_than_s
        removed = 0
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.key(f"{STAGING}/")
        ):
            for item in page.get("Contents", []):
                if item["LastModified"].timestamp() < cutoff:
                    self.client.delete_object(Bucket=self.bucket, Key=item["Key"])
                    removed += 1
        return removed

    def keys(self, prefix: str, suffix: str = ".parquet") -> list[str]:
        out = []
        start = self.key(prefix).rstrip("/") + "/"
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        ):
            for item in page.get("Contents", []):
                rel = item["Key"][len(start) :]
                if item["Key"].endswith(suffix) and not any(
                    part.startswith(("_", ".")) for part in rel.split("/")
                ):
                    out.append(f"{prefix.rstrip('/')}/{rel}")
        return sorted(out)


def open_store(uri: str) -> ObjectStore:
    if uri.startswith("s3://"):
        return S3Store(uri)
    if "://" in uri:
        raise ValueError(f"store {uri!r}: use a folder or an s3:// URI")
    return LocalStore(uri)
