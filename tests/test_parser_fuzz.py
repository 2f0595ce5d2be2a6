"""Property-based fuzzing of every parser kind from the files real tools write: one mutation
(a flipped byte, a cut, a doubled or dropped line, a BOM, text in a number, a gzip of a cut body)
of a conformance or sample file is either read or refused with our input errors, never a crash.

Billing kinds go through discovery and the real load (aispend.storage), where only
InputError/InputProblemError may escape; telemetry kinds through read_telemetry, which must
return with any problem recorded in ``batch.unreadable`` or ``batch.skipped``.
"""

from __future__ import annotations

import gzip
import random
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aispend.config import config_from_dict
from aispend.storage import open_warehouse
from connectors.errors import InputError, InputProblemError
from connectors.registry import KINDS, billing_reader
from connectors.telemetry.reader import read_telemetry

DATA = Path(__file__).resolve().parent / "data"
CONF = DATA / "conformance"
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
#: One complete file per kind, as the tool writes it (provenance in each folder's SOURCES.md),
#: and the name it is read under.
SAMPLES: dict[str, tuple[Path, str]] = {
    "focus": (DATA / "focus/commitment_discount_usage_scenario_1.csv", "focus.csv"),
    "aws_cur": (DATA / "aws/2023-06-01.csv", "2023-06-01.csv"),
    "gcp_billing": (CONF / "gcp_billing/nise/export/gcp_billing_1.csv", "gcp_billing_1.csv"),
    "azure_cost": (CONF / "azure_cost/nise/export/costreport_1.csv", "costreport_1.csv"),
    "nvidia_smi": (DATA / "nvidia/nvidia-smi_query-gpu_loop_1s_with_load.csv", "gpu.csv"),
    "dcgm": (
        CONF / "dcgm/dcgm-exporter_2026-11-23T034110Z.prom",
        "dcgm-exporter_2026-11-23T034110Z.prom",
    ),
    "slurm": (CONF / "slurm/accounting-logs_header.log", "accounting-logs_header.log"),
    "kubernetes": (
        CONF / "kubernetes/plain/pods-2026-11-03T12-00-00Z.json",
        "pods-2026-11-03T12-00-00Z.json",
    ),
    "openai": (
        CONF / "openai/grouped/costs_2026-10-31_2026-11-03.json",
        "costs_2026-10-31_2026-11-03.json",
    ),
    "anthropic": (
        CONF / "anthropic/grouped/cost_report_2026-10-31_2026-11-03.json",
        "cost_report_2026-10-31_2026-11-03.json",
    ),
}
#: More files the tools write, fuzzed the same way (a second format or layout per kind).
MORE: dict[str, list[tuple[Path, str]]] = {
    "aws_cur": [(DATA / "aws/test_cur.csv", "test_cur.csv")],
    "gcp_billing": [(DATA / "gcp/2022-08-01_5.csv", "2022-08-01_5.csv")],
    "azure_cost": [(DATA / "azure/ea/EA_ActualCost_Small.csv", "EA_ActualCost_Small.csv")],
    "nvidia_smi": [(DATA / "nvidia/nvidia-smi_dmon.txt", "dmon.txt")],
    "dcgm": [(CONF / "dcgm/range-query_gpu-util.json", "range-query_gpu-util.json")],
    "kubernetes": [
        (
            CONF / "kubernetes/cluster/nodes-2026-11-03T10-00-00Z.json",
            "nodes-2026-11-03T10-00-00Z.json",
        )
    ],
    "openai": [
        (
            CONF / "openai/grouped/usage_completions_2026-11.json",
            "usage_completions_2026-11.json",
        )
    ],
    "anthropic": [
        (
            CONF / "anthropic/grouped/usage_report_messages_2026-11.json",
            "usage_report_messages_2026-11.json",
        )
    ],
}
#: A CUR export as AWS lays it out: a manifest naming a gzip CSV (both mutated in turn).
CUR_TREE = CONF / "aws_cur/nise/cur/20261001-20261101"
MUTATIONS = [
    "flip",
    "truncate",
    "duplicate_line",
    "remove_line",
    "bom",
    "text_in_number",
    "gzip_truncated",
]
JUNK = ["abc", "12,50", "1.2.3", "$5", "NaN?", "--1", "0x1F", "1e", "∞", '"', "{", "\x00"]


def mutate(body: bytes, how: str, rng: random.Random) -> tuple[bytes, bool]:
    """The mutated body, and whether it should be stored gzip-compressed (as name.gz)."""
    if how == "flip":
        data = bytearray(body)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return bytes(data), False
    if how == "truncate":
        return body[: rng.randrange(len(body))], False
    if how in ("duplicate_line", "remove_line"):
        lines = body.splitlines(keepends=True)
        at = rng.randrange(len(lines))
        if how == "duplicate_line":
            lines.insert(at, lines[at])
        else:
            del lines[at]
        return b"".join(lines), False
    if how == "bom":
        return b"\xef\xbb\xbf" + body, False
    if how == "text_in_number":
        numbers = list(re.finditer(rb"\d+(\.\d+)?", body))
        hit = numbers[rng.randrange(len(numbers))]
        junk = rng.choice(JUNK).encode()
        return body[: hit.start()] + junk + body[hit.end() :], False
    assert how == "gzip_truncated"
    packed = gzip.compress(body[: rng.randrange(1, len(body))])
    return packed[: rng.randrange(1, len(packed))], True  # the stream ends early


def place(folder: Path, kind: str, how: str, seed: int, which: int = 0) -> Path:
    """A fresh source folder holding one of the kind's samples (``which``), mutated once."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    samples = [SAMPLES[kind], *MORE.get(kind, [])]
    sample, name = samples[which % len(samples)]
    body, packed = mutate(sample.read_bytes(), how, random.Random(seed))
    (folder / (name + ".gz" if packed else name)).write_bytes(body)
    return folder


def load_billing_kind(tmp: Path, kind: str, root: Path) -> None:
    """Discover and load every period the mutated export names, as `aispend run` does."""
    config = config_from_dict(
        {
            "warehouse": str(tmp / "w.duckdb"),
            "sources": [{"name": "fuzz", "kind": kind, "path": str(root)}],
        },
        base_dir=tmp,
        origin="fuzz",
    )
    try:
        discovery = billing_reader(kind, str(root)).discover()
        warehouse = open_warehouse(config)
        for period in sorted(discovery.periods)[:2]:
            try:
                warehouse.load_billing(config.sources[0], period)
            except InputError as exc:
                assert exc.problems and all(p.file for p in exc.problems)
    except InputProblemError as exc:
        assert exc.problem.file


BILLING = [k for k, spec in KINDS.items() if spec.is_billing]
TELEMETRY = [k for k, spec in KINDS.items() if not spec.is_billing]


def test_every_kind_has_a_sample_that_reads_unmutated(tmp_path: Path) -> None:
    """The properties below mean something only if each sample, as written, is read."""
    assert set(SAMPLES) == set(KINDS)
    for kind in KINDS:
        for which in range(1 + len(MORE.get(kind, []))):
            _check_unmutated(tmp_path / f"{kind}-{which}", kind, which)
    assert set(billing_reader("aws_cur", str(CUR_TREE)).discover().periods) == {"2026-10"}


def _check_unmutated(root: Path, kind: str, which: int) -> None:
    root.mkdir()
    sample, name = [SAMPLES[kind], *MORE.get(kind, [])][which]
    shutil.copy(sample, root / name)
    if KINDS[kind].is_billing:
        assert billing_reader(kind, str(root)).discover().periods, kind
    else:
        batch = read_telemetry(kind, str(root), host="h")
        assert not batch.unreadable and not batch.skipped, kind
        rows = sum(t.height for t in (batch.samples, batch.jobs, batch.pods, batch.nodes))
        assert rows > 0, kind


@pytest.mark.parametrize("kind", BILLING)
@SETTINGS
@given(how=st.sampled_from(MUTATIONS), seed=st.integers(0, 2**31), which=st.integers(0, 1))
def test_billing_parsers_read_or_refuse_mutated_files(
    tmp_path: Path, kind: str, how: str, seed: int, which: int
) -> None:
    load_billing_kind(tmp_path, kind, place(tmp_path / "bills", kind, how, seed, which))


@SETTINGS
@given(
    how=st.sampled_from(MUTATIONS),
    seed=st.integers(0, 2**31),
    target=st.sampled_from(["data", "manifest"]),
)
def test_a_mutated_cur_manifest_tree_is_read_or_refused(
    tmp_path: Path, how: str, seed: int, target: str
) -> None:
    """The manifest's JSON or its gzip CSV (decompressed, mutated, compressed again unless
    the mutation is itself a cut gzip) spoiled once, inside AWS's folder layout."""
    root = tmp_path / "cur"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(CUR_TREE, root / CUR_TREE.name)
    if target == "manifest":
        path = root / CUR_TREE.name / "cur-Manifest.json"
        body, packed = mutate(path.read_bytes(), how, random.Random(seed))
        path.write_bytes(gzip.compress(body) if packed else body)
    else:
        path = next((root / CUR_TREE.name).glob("*/*.csv.gz"))
        body, packed = mutate(gzip.decompress(path.read_bytes()), how, random.Random(seed))
        path.write_bytes(body if packed else gzip.compress(body))
    load_billing_kind(tmp_path, "aws_cur", root)


@pytest.mark.parametrize("kind", TELEMETRY)
@SETTINGS
@given(how=st.sampled_from(MUTATIONS), seed=st.integers(0, 2**31), which=st.integers(0, 1))
def test_telemetry_parsers_record_problems_never_raise(
    tmp_path: Path, kind: str, how: str, seed: int, which: int
) -> None:
    root = place(tmp_path / "logs", kind, how, seed, which)
    batch = read_telemetry(kind, str(root), host="h")
    for problem in batch.unreadable + batch.skipped:
        assert problem.file.startswith(str(root))  # names the file it is about
    if how == "gzip_truncated":
        assert batch.unreadable or batch.skipped  # a cut stream is never read as whole
