"""Compressed inputs are told by their bytes, read whole, and refused when cut short; rotated
log names are listed for logs and never for bills."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import zstandard

from connectors.compressed import compression_of, open_text, read_bytes
from connectors.files import LocalFileSystem

TEXT = "".join(f"2026/11/03 10:00:{s:02d}.000, 0, 87 %\n" for s in range(60)).encode()


def test_gzip_and_zstd_are_told_by_their_bytes_whatever_the_name(tmp_path: Path) -> None:
    (tmp_path / "plain.csv").write_bytes(TEXT)
    (tmp_path / "gpu.csv").write_bytes(gzip.compress(TEXT))  # gzip behind a plain name
    (tmp_path / "export-00001").write_bytes(zstandard.ZstdCompressor().compress(TEXT))
    assert [compression_of(tmp_path / n) for n in ("plain.csv", "gpu.csv", "export-00001")] == [
        None,
        "gzip",
        "zstd",
    ]
    for name in ("plain.csv", "gpu.csv", "export-00001"):
        assert read_bytes(tmp_path / name) == TEXT
        with open_text(tmp_path / name) as handle:
            assert handle.readline() == "2026/11/03 10:00:00.000, 0, 87 %\n"


def test_a_zstd_file_of_many_frames_is_read_whole_and_a_cut_one_refused(tmp_path: Path) -> None:
    frame = zstandard.ZstdCompressor().compress(TEXT)
    (tmp_path / "two.zst").write_bytes(frame + frame)  # as `zstd -c a >> log.zst` leaves it
    assert read_bytes(tmp_path / "two.zst") == TEXT + TEXT
    writer = zstandard.ZstdCompressor().compressobj()
    streamed = writer.compress(TEXT) + writer.flush()  # no content size in the header
    (tmp_path / "cut.zst").write_bytes(streamed[:-8])
    with pytest.raises(EOFError, match="cut.zst: zstd stream ended before its end mark"):
        read_bytes(tmp_path / "cut.zst")
    (tmp_path / "cut.gz").write_bytes(gzip.compress(TEXT)[:-8])
    with pytest.raises(EOFError):
        read_bytes(tmp_path / "cut.gz")


def test_rotated_logs_are_listed_for_logs_only(tmp_path: Path) -> None:
    names = [
        "bill.csv.zst",
        "gpu.csv",
        "gpu.csv.1",
        "gpu.csv.2.gz",
        "gpu.csv.3.zst",
        "sacct.log-20261103",
        "gpu.csv.bak",
        "notes.txt.orig",
        ".gpu.csv.swp",
    ]
    for name in names:
        (tmp_path / name).write_bytes(TEXT)
    fs = LocalFileSystem()
    logs = [Path(r.uri).name for r in fs.list(str(tmp_path), (".csv", ".log"), rotated=True)]
    assert logs == [
        "bill.csv.zst",
        "gpu.csv",
        "gpu.csv.1",
        "gpu.csv.2.gz",
        "gpu.csv.3.zst",
        "sacct.log-20261103",
    ]
    bills = [Path(r.uri).name for r in fs.list(str(tmp_path), (".csv",))]
    assert bills == ["bill.csv.zst", "gpu.csv"]  # a `.1` copy beside a bill is not a bill


def test_rotated_and_compressed_gpu_logs_are_read_by_the_telemetry_reader(tmp_path: Path) -> None:
    from connectors.telemetry.reader import read_telemetry

    scenario = Path(__file__).resolve().parents[1] / "aispend/demo_data/scenario/gpu"
    (tmp_path / "train-a.csv.1").write_bytes((scenario / "train-a.csv").read_bytes())
    (tmp_path / "train-b.csv.2.gz").write_bytes(
        gzip.compress((scenario / "train-b.csv").read_bytes())
    )
    batch = read_telemetry("nvidia_smi", str(tmp_path))
    assert [Path(r.uri).name for r in batch.files] == ["train-a.csv.1", "train-b.csv.2.gz"]
    assert not batch.unreadable and not batch.skipped
    # train-a.csv: 11,520 sample lines after its header; train-b.csv: 2,640 (wc -l less 1)
    assert batch.samples.height == 11_520 + 2_640
