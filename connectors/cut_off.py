"""Compressed bills cut off in transit (an interrupted copy or download of a ``.gz`` or ``.zst``).

Such a file cannot be loaded, but it must not vanish either. GCP, Azure and FOCUS exports say a
file's billing period only in its rows; a file that cannot be read is then in no period, so a run
that finds nothing else has nothing to fail and reports success. The part of the stream before
the cut still decompresses: its complete lines say which periods the file belongs to, and those
periods fail, naming the file, while the source's other periods load.
"""

from __future__ import annotations

import tempfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from connectors.compressed import compression_of, strip_compression_suffix
from connectors.discovery import Discovery
from connectors.errors import InputProblem, InputProblemError
from connectors.files import FileRef

#: (file, a local path holding its readable lines, or None for the file itself) -> (periods,
#: problems), as the connector reads periods from a file.
PeriodsAt = Callable[[FileRef, Path | None], tuple[set[str], list[InputProblem]]]


def readable_part(path: Path) -> bytes | None:
    """The complete lines before the cut of a gzip or zstd file cut short; None when the file is
    not compressed, is whole, or gives no complete line."""
    kind = compression_of(path)
    if kind is None:
        return None
    data = path.read_bytes()
    try:
        if kind == "gzip":
            gz = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out, ended = gz.decompress(data), gz.eof
        else:
            import zstandard

            zst = zstandard.ZstdDecompressor().decompressobj()
            out, ended = zst.decompress(data), zst.eof
    except (zlib.error, ValueError, EOFError, OSError):
        return None
    if ended:
        return None
    cut = out.rfind(b"\n")
    return out[: cut + 1] if cut > 0 else None


def place_files(
    refs: Iterable[FileRef], local: Callable[[FileRef], Path], periods_at: PeriodsAt
) -> Discovery:
    """Each file under every billing period its rows name; a compressed file cut short is
    placed under the periods its readable part names and fails them (``Discovery.failed``)."""
    found: dict[str, list[FileRef]] = defaultdict(list)
    unplaced: list[InputProblem] = []
    failed: dict[str, list[InputProblem]] = defaultdict(list)
    for ref in refs:
        try:
            periods, problems = periods_at(ref, None)
        except InputProblemError as exc:
            periods, problems = set(), [exc.problem]
            cut = _periods_before_cut(ref, local(ref), periods_at)
            if cut:
                problem = InputProblem(
                    file=ref.uri,
                    message=(
                        f"{exc.problem.message}: the compressed stream is truncated (the file was "
                        f"cut short, e.g. by an interrupted copy); re-copy it"
                    ),
                )
                for period in cut:
                    found[period].append(ref)
                    failed[period].append(problem)
                continue
        unplaced.extend(problems)
        for period in periods:
            found[period].append(ref)
    return Discovery(dict(sorted(found.items())), unplaced, dict(failed))


def _periods_before_cut(ref: FileRef, path: Path, periods_at: PeriodsAt) -> set[str]:
    part = readable_part(path)
    if part is None:
        return set()
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / strip_compression_suffix(ref.name)
        copy.write_bytes(part)
        try:
            periods, _ = periods_at(ref, copy)
        except InputProblemError:
            return set()
    return periods
