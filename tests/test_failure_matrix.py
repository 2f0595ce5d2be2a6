"""Every malformed-file variant x every source kind, through the real ``aispend run`` in a
subprocess (issue 25: one broken part never stops the rest).

Each variant is one file written next to a good file of the same kind, in its own source, so a
kind's variants run in one ``aispend run`` (one subprocess per kind keeps the matrix fast) and
each source's lines of the output are checked on their own. A BOM-prefixed copy of the good file
runs alone, because it must load with exit 0. Nothing may print a traceback, the exit code is 0
or 1 (never a usage/config code or a crash), and a cut or empty gzip stream and text in a number
fail their source naming the file.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
import yaml

from connectors.registry import KINDS
from tests.conftest import run_aispend

DATA = Path(__file__).resolve().parent / "data"
CONF = DATA / "conformance"
LONG = 5 * 1024 * 1024  # a 5 MB line: past any line limit, small enough to stay fast

#: kind -> (a complete file as the tool writes it, its format, the numeric field to spoil).
#: Provenance of each file: SOURCES.md in its folder.
GOOD: dict[str, tuple[Path, str, str]] = {
    "focus": (DATA / "focus/commitment_discount_usage_scenario_1.csv", "csv", "BilledCost"),
    "aws_cur": (DATA / "aws/2023-06-01.csv", "csv", "lineItem/UnblendedCost"),
    "gcp_billing": (CONF / "gcp_billing/nise/export/gcp_billing_1.csv", "csv", "cost"),
    "azure_cost": (
        CONF / "azure_cost/nise/export/costreport_1.csv",
        "csv",
        "CostInBillingCurrency",
    ),
    "nvidia_smi": (
        DATA / "nvidia/nvidia-smi_query-gpu_loop_1s_with_load.csv",
        "smi",
        "utilization.gpu [%]",
    ),
    "dcgm": (CONF / "dcgm/dcgm-exporter_2026-11-23T034110Z.prom", "prom", ""),
    "slurm": (CONF / "slurm/accounting-logs_header.log", "psv", "Elapsed"),
    "kubernetes": (CONF / "kubernetes/plain/pods-2026-11-03T12-00-00Z.json", "json", ""),
    "openai": (CONF / "openai/grouped/costs_2026-11-02_rerun.json", "page", "amount"),
    "anthropic": (CONF / "anthropic/grouped/cost_report_2026-11-02_rerun.json", "page", "amount"),
}


def _first_result(doc: object) -> dict[str, object]:
    """The first result of a model-API page file (one page or an array of pages)."""
    page = doc[0] if isinstance(doc, list) else doc
    assert isinstance(page, dict)
    result: dict[str, object] = page["data"][0]["results"][0]
    return result


def _edit_row(text: str, fmt: str, column: str, edit: Callable[[list[str], int], None]) -> str:
    """``text`` with its first data row changed by ``edit(values, index of column)``."""
    lines = text.splitlines(keepends=True)
    if fmt == "psv":
        header, row = lines[0].rstrip("\n").split("|"), lines[1].rstrip("\n").split("|")
        edit(row, header.index(column))
        lines[1] = "|".join(row) + "\n"
    elif fmt == "smi":
        header = [v.strip() for v in lines[0].split(",")]
        row = [v.strip() for v in lines[1].split(",")]
        edit(row, header.index(column))
        lines[1] = ", ".join(row) + "\n"
    else:
        header = next(csv.reader([lines[0]]))
        row = next(csv.reader([lines[1]]))
        edit(row, header.index(column))
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(row)
        lines[1] = out.getvalue()
    return "".join(lines)


def _first_sample(text: str) -> int:
    """Line index of the first metric sample of a Prometheus exposition."""
    return next(i for i, line in enumerate(text.splitlines()) if not line.startswith("#"))


def _text_in_number(text: str, fmt: str, column: str) -> str:
    if fmt == "prom":  # the utilization sample, which the reader loads
        lines = text.splitlines(keepends=True)
        at = next(i for i, line in enumerate(lines) if line.startswith("DCGM_FI_DEV_GPU_UTIL{"))
        lines[at] = lines[at].rsplit(" ", 1)[0] + " abc\n"
        return "".join(lines)
    if fmt == "json":
        return text.replace('"nvidia.com/gpu": "4"', '"nvidia.com/gpu": "abc"', 1)
    if fmt == "page":  # the cost: OpenAI's amount.value, Anthropic's amount
        doc = json.loads(text)
        result = _first_result(doc)
        if isinstance(result["amount"], dict):
            result["amount"]["value"] = "abc"
        else:
            result["amount"] = "abc"
        return json.dumps(doc)

    def spoil(row: list[str], i: int) -> None:
        row[i] = "abc"

    return _edit_row(text, fmt, column, spoil)


def _extra_fields(text: str, fmt: str, column: str) -> str:
    if fmt == "prom":
        lines = text.splitlines(keepends=True)
        at = _first_sample(text)
        lines[at] = lines[at].rstrip("\n") + " 1791194400000 extra\n"
        return "".join(lines)
    if fmt == "json":
        doc = json.loads(text)
        doc["items"][0]["extra"] = {"field": 1}
        doc["extra"] = [1, 2, 3]
        return json.dumps(doc, indent=2)
    if fmt == "page":
        doc = json.loads(text)
        _first_result(doc)["extra"] = {"field": 1}
        doc["extra"] = [1, 2, 3]
        return json.dumps(doc, indent=2)

    def extend(row: list[str], i: int) -> None:
        row.extend(["extra", "more"])

    return _edit_row(text, fmt, column, extend)


def _long_line(text: str, fmt: str) -> str:
    if fmt == "json":
        doc = json.loads(text)
        doc["items"][0]["metadata"]["annotations"] = {"long": "x" * LONG}
        return json.dumps(doc)
    if fmt == "page":
        doc = json.loads(text)
        _first_result(doc)["note"] = "x" * LONG
        return json.dumps(doc)
    lines = text.splitlines(keepends=True)
    at = _first_sample(text) if fmt == "prom" else 1
    return "".join(lines[:at] + ["x" * LONG + "\n"] + lines[at:])


def _non_utf8(text: str) -> bytes:
    lines = text.encode().splitlines(keepends=True)
    middle = len(lines) // 2
    lines[middle] = lines[middle][:5] + b"\xe9\xff\xfe" + lines[middle][5:]
    return b"".join(lines)


#: variant -> (what the file is, as (name suffix, bytes) from the good file's text and kind)
VARIANTS: dict[str, Callable[[str, str, str], tuple[str, bytes]]] = {
    "empty": lambda text, fmt, col: ("", b""),
    "header_only": lambda text, fmt, col: ("", text.splitlines(keepends=True)[0].encode()),
    "gzip_truncated": lambda text, fmt, col: (".gz", gzip.compress(text.encode())[:200]),
    "gzip_empty": lambda text, fmt, col: (".gz", b""),
    "non_utf8": lambda text, fmt, col: ("", _non_utf8(text)),
    "extra_fields": lambda text, fmt, col: ("", _extra_fields(text, fmt, col).encode()),
    "text_in_number": lambda text, fmt, col: ("", _text_in_number(text, fmt, col).encode()),
    "long_line": lambda text, fmt, col: ("", _long_line(text, fmt).encode()),
    "deep_json": lambda text, fmt, col: ("", b"[" * 200_000 + b"]" * 200_000),
}
JSON_ONLY = {"deep_json"}
#: These must fail their source (exit 1) and name the file.
MUST_FAIL = {"gzip_truncated", "gzip_empty", "text_in_number"}


def _bad_name(kind: str, variant: str, suffix: str) -> str:
    """The bad file's name: the good file's, made distinct, in the kind's format (a .json for
    deeply nested JSON, which the CSV and text kinds then read as whatever they read)."""
    name = GOOD[kind][0].name
    if variant == "deep_json":
        name = name.rsplit(".", 1)[0] + ".json"
    return f"bad-{variant}-{name}{suffix}".replace("bad-", "bad_", 1)


def _cases() -> list[tuple[str, str]]:
    return [
        (kind, variant)
        for kind in KINDS
        for variant in VARIANTS
        if variant not in JSON_ONLY
        or GOOD[kind][1] in ("json", "page")
        or kind in ("gcp_billing", "dcgm")
    ]


def _write(folder: Path, kind: str, names: dict[str, list[tuple[str, bytes]]]) -> None:
    sources = []
    for source, files in names.items():
        (folder / source).mkdir(parents=True)
        for name, body in files:
            (folder / source / name).write_bytes(body)
        entry = {"name": source, "kind": kind, "path": source}
        if kind == "nvidia_smi":
            entry["host"] = "gpu-01"
        sources.append(entry)
    (folder / "aispend.yaml").write_text(
        yaml.safe_dump({"warehouse": "wh.duckdb", "sources": sources})
    )


@cache
def _run_kind(kind: str, base: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One ``aispend run`` over every variant of ``kind``, each its own source ``v_<variant>``
    holding the good file and the bad one."""
    folder = base / kind
    good, fmt, column = GOOD[kind]
    text = good.read_text(encoding="utf-8")
    files = {}
    for k, variant in _cases():
        if k == kind:
            suffix, body = VARIANTS[variant](text, fmt, column)
            files[f"v_{variant}"] = [
                (good.name, good.read_bytes()),
                (_bad_name(kind, variant, suffix), body),
            ]
    _write(folder, kind, files)
    return run_aispend(folder, "run"), folder


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("matrix")


def _lines_of(output: str, source: str) -> list[str]:
    """The run's lines about one source (``v_x 2026-10: ...`` or ``v_x: ...``), timings out."""
    return [
        re.sub(r"\(\d+\.\d+ s\b[^)]*\)", "(time)", line)
        for line in output.splitlines()
        if line.strip().startswith((f"{source} ", f"{source}:", f"{source}."))
    ]


TELEMETRY = [k for k, spec in KINDS.items() if not spec.is_billing]


def _matrix() -> list[object]:
    return [pytest.param(kind, variant) for kind, variant in _cases()]


@pytest.mark.parametrize("kind", TELEMETRY)
def test_text_in_a_telemetry_number_is_skipped(base: Path, kind: str) -> None:
    """The parser half of text in a number: the bad line is skipped and counted, the good
    file and the bad file's other lines still load."""
    result, _ = _run_kind(kind, base)
    lines = _lines_of(result.stdout, "v_text_in_number")
    assert any("1 unreadable line(s) skipped" in line for line in lines), lines


@pytest.mark.parametrize(("kind", "variant"), _matrix())
def test_malformed_file_fails_cleanly(base: Path, kind: str, variant: str) -> None:
    result, folder = _run_kind(kind, base)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-4000:]
    assert result.returncode in (0, 1), (result.returncode, output[-4000:])
    if variant in MUST_FAIL:
        suffix = VARIANTS[variant]("", "", "")[0] if variant != "text_in_number" else ""
        name = _bad_name(kind, variant, suffix)
        lines = _lines_of(result.stdout, f"v_{variant}")
        assert result.returncode == 1
        assert any("FAILED" in line and name in line for line in lines), (name, lines, output)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_bom_before_a_good_file_loads_like_the_file(tmp_path: Path, kind: str) -> None:
    good = GOOD[kind][0]
    _write(
        tmp_path,
        kind,
        {"plain": [(good.name, good.read_bytes())]},
    )
    plain = run_aispend(tmp_path, "run")
    assert plain.returncode == 0, plain.stdout + plain.stderr
    bom = tmp_path / "bom"
    _write(bom, kind, {"plain": [(good.name, b"\xef\xbb\xbf" + good.read_bytes())]})
    with_bom = run_aispend(bom, "run")
    assert with_bom.returncode == 0, with_bom.stdout + with_bom.stderr
    assert "Traceback" not in with_bom.stdout + with_bom.stderr
    # the same rows load: the per-partition lines match once the folder is taken out
    assert _lines_of(plain.stdout, "plain") == _lines_of(with_bom.stdout, "plain")
