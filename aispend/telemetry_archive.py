"""A telemetry source's parse output kept file by file, so a file is parsed once.

A nightly run brings a day's new files; parsing the whole history again because of them cost
what the history holds (19.5 s of a 60 s nightly at 24 months, for 2 new files of 146). So what
each file gave (its GPU samples as zstd parquet parts split by UTC day, its jobs, pods, nodes
and processes, its skipped lines and dropped values) is kept under the source's archive,
``<warehouse>.telemetry/<source>/<key>/``, where the key is the file's identity (uri, size,
stamp) and the source's settings. ``manifest.json`` names the entries and each part's sha256.
A read reuses the entries whose key matches the listing and parses only the other files: a new
file, one rewritten in place (its size or stamp changed), every file when a setting changed. A
file no longer listed drops out, so its days fingerprint differently and reload without it.

Entries for files that could not be read at all are kept for this read only, never reused: they
are retried, and fail the source, every run. Kinds whose reader needs all files together
(``files_together`` in connectors/registry.py) keep one entry for all of a source's files.

A run killed at any point leaves the manifest naming only whole entries: an entry is written in a
``.partial`` folder and renamed into place before the manifest names it; the manifest is replaced
atomically (a temporary file, then ``os.replace``); what it no longer names is removed after.
An archive without this manifest (an earlier layout) is removed and parsed again, never misread.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from aispend.config import AispendConfig, SourceConfig
from aispend.errors import InputProblem
from aispend.telemetry_day import Staged
from connectors.cost_model import normalize_tag_key
from connectors.files import FileRef, FileSystem, filesystem_for
from connectors.telemetry.reader import (
    TelemetryBatch,
    TelemetryOptions,
    read_telemetry_files,
)

#: Bumped when what an entry holds changes: an archive of another format is parsed again.
FORMAT = 1
MANIFEST = "manifest.json"
#: The small tables kept per entry (TelemetryBatch attributes), each only when it has rows.
FRAMES = ("jobs", "pods", "nodes", "processes")


@dataclass
class Entry:
    """What one file (or a ``files_together`` source's files) gave, as the manifest records it."""

    key: str
    files: list[str]
    #: (UTC day, part path within the entry's folder, sha256 of the part's bytes)
    parts: list[tuple[str, str, str]] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[dict[str, Any]] = field(default_factory=list)
    dropped_values: int = 0

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Entry:
        entry = cls(**raw)
        entry.parts = [(day, path, sha) for day, path, sha in entry.parts]
        return entry


def settings_digest(config: AispendConfig, source: SourceConfig) -> str:
    """The source's settings, as ``aispend run`` compares them (a changed time zone or column
    list changes what the same files say)."""
    return hashlib.sha256(
        (source.model_dump_json() + config.runs.model_dump_json()).encode()
    ).hexdigest()[:16]


def stage_source(
    config: AispendConfig, source: SourceConfig, folder: Path, listed: list[FileRef]
) -> Staged:
    """The source's files (``listed``) as parsed: kept entries reused, the other files parsed
    into new entries under ``folder``; see the module's docstring."""
    settings = settings_digest(config, source)
    kind = source.source_kind
    groups = [listed] if kind.files_together else [[ref] for ref in listed]
    groups = [group for group in groups if group]
    fs = filesystem_for(config.source_path(source), source.endpoint_url)
    options = TelemetryOptions(
        timezone=source.timezone,
        host=source.host,
        columns=source.columns,
        scrape_time=source.scrape_time,
        run_tag=normalize_tag_key(config.runs.run_tag),
        team_tag=normalize_tag_key(config.runs.team_tag),
    )
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _locked(folder.with_name(f"{folder.name}.lock")):
        kept = _read_manifest(folder)
        keys = [_key(settings, group) for group in groups]
        # Reusable: whole, read without a file lost, and still listed with the same settings.
        reuse = {
            key: kept[key]
            for key in keys
            if key in kept and not kept[key].unreadable and (folder / key).is_dir()
        }
        entries: dict[str, Entry] = {}
        parsed = reused = 0
        for key, group in zip(keys, groups, strict=True):
            if key in reuse:
                entries[key] = reuse[key]
                reused += len(group)
                continue
            entries[key] = _parse(source.kind, fs, group, options, folder, key)
            parsed += len(group)
            # What was parsed so far survives a run killed before the last file.
            _write_manifest(folder, {**reuse, **entries})
        _write_manifest(folder, entries)
        _sweep(folder, set(entries))
    return _staged(folder, source.name, listed, [entries[key] for key in keys], parsed, reused)


def _key(settings: str, group: list[FileRef]) -> str:
    identity = [settings, *(f"{ref.uri}\0{ref.size}\0{ref.stamp}" for ref in group)]
    return hashlib.sha256("\n".join(identity).encode()).hexdigest()[:24]


def _parse(
    kind: str,
    fs: FileSystem,
    group: list[FileRef],
    options: TelemetryOptions,
    folder: Path,
    key: str,
) -> Entry:
    """Parse ``group`` into a new entry: written in a partial folder, renamed into place."""
    building = folder / f"{key}.{uuid.uuid4().hex[:8]}.partial"
    building.mkdir(parents=True)
    entry = Entry(key, [ref.uri for ref in group])

    def write(frame: pl.DataFrame) -> None:
        with_day = frame.with_columns(pl.col("ts").dt.date().alias("_day"))
        for (day,), part in with_day.partition_by("_day", as_dict=True).items():
            name = f"{day.isoformat()}/{len(entry.parts):06d}.parquet"
            buffer = io.BytesIO()
            part.drop("_day").write_parquet(buffer, compression="zstd")
            data = buffer.getvalue()
            (building / day.isoformat()).mkdir(exist_ok=True)
            (building / name).write_bytes(data)
            entry.parts.append((day.isoformat(), name, hashlib.sha256(data).hexdigest()))

    batch = read_telemetry_files(kind, fs, group, options, on_samples=write)
    for name in FRAMES:
        frame: pl.DataFrame = getattr(batch, name)
        if frame.height:
            frame.write_parquet(building / f"{name}.parquet", compression="zstd")
            entry.frames.append(name)
    entry.skipped = [asdict(problem) for problem in batch.skipped]
    entry.unreadable = [asdict(problem) for problem in batch.unreadable]
    entry.dropped_values = batch.dropped_values
    final = folder / key
    if final.exists():  # left by a run killed before its manifest named it
        shutil.rmtree(final)
    building.rename(final)
    return entry


def _staged(
    folder: Path,
    source: str,
    listed: list[FileRef],
    entries: list[Entry],
    parsed: int,
    reused: int,
) -> Staged:
    """The entries as one read of the source: small tables concatenated, parts by day."""
    batch = TelemetryBatch(files=list(listed))
    staged = Staged(batch, folder, source, parsed=parsed, reused=reused)
    frames: dict[str, list[pl.DataFrame]] = {name: [] for name in FRAMES}
    for entry in entries:
        for day, path, sha in entry.parts:
            staged.parts.setdefault(day, []).append((folder / entry.key / path, sha))
        for name in entry.frames:
            frames[name].append(pl.read_parquet(folder / entry.key / f"{name}.parquet"))
        batch.skipped += [InputProblem(**problem) for problem in entry.skipped]
        batch.unreadable += [InputProblem(**problem) for problem in entry.unreadable]
        batch.dropped_values += entry.dropped_values
    staged.sample_days = set(staged.parts)
    for name, found in frames.items():
        if found:
            empty: pl.DataFrame = getattr(batch, name)
            setattr(batch, name, pl.concat([empty, *found], how="diagonal_relaxed"))
    return staged


def _read_manifest(folder: Path) -> dict[str, Entry]:
    """The archive's entries by key; an archive without a readable manifest of this format
    (an earlier layout, or none) is removed, so it is parsed again."""
    try:
        raw = json.loads((folder / MANIFEST).read_text())
        if raw.get("format") == FORMAT:
            return {entry.key: entry for entry in map(Entry.of, raw["entries"])}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return {}


def _write_manifest(folder: Path, entries: dict[str, Entry]) -> None:
    body = json.dumps({"format": FORMAT, "entries": [asdict(e) for e in entries.values()]})
    temporary = folder / f"{MANIFEST}.{uuid.uuid4().hex[:8]}.tmp"
    # Safe against a killed process; not fsynced against a power cut (nor are the parts, as
    # before): a manifest lost or cut short then does not read, and the archive is rebuilt.
    temporary.write_text(body)
    os.replace(temporary, folder / MANIFEST)


def _sweep(folder: Path, keep: set[str]) -> None:
    """Remove what the manifest does not name: replaced or dropped entries, and what a killed
    run left (partial folders, temporary manifests)."""
    for child in folder.iterdir():
        if child.name == MANIFEST or child.name in keep:
            continue
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One process at a time reads and rewrites a source's archive."""
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
