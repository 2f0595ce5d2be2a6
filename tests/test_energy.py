"""Energy, carbon and GPU efficiency per run, from measured power: numbers worked from the data.

The nvidia-smi case is the real H100 capture (tests/data/nvidia/); the DCGM case is scrapes
rendered by prometheus-client, as dcgm-exporter serves them, with an energy counter that resets
mid-run (the driver reloaded).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import statistics
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.core import CollectorRegistry, Metric
from prometheus_client.exposition import generate_latest

from tests.conftest import month_rows, write_focus

ROOT = Path(__file__).resolve().parent.parent
H100 = ROOT / "tests" / "data" / "nvidia" / "nvidia-smi_query-gpu_loop_1s_with_load.csv"
SACCT_HEADER = "JobID|User|Account|Start|End|Elapsed|State|AllocTRES|NodeList|JobName\n"


def _sql(cli: Any, query: str) -> list[dict[str, str]]:
    result = cli("sql", "--format", "csv", query)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def _config(folder: Path, sources: list[dict[str, Any]], **extra: Any) -> None:
    body = {"warehouse": "wh.duckdb", "sources": sources, **extra}
    (folder / "aispend.yaml").write_text(yaml.safe_dump(body))


# --- nvidia-smi: the H100 capture -------------------------------------------------------------


def _h100_spans() -> list[tuple[float, float, float, float]]:
    """(start, end, watts, utilization %) per sample, the rule worked directly on the file: a
    sample lasts until the next one, at most twice the median interval; the last one lasts the
    median interval."""
    with H100.open() as handle:
        rows = list(csv.reader(handle))[1:]
    times = [
        (
            datetime.strptime(r[0].strip(), "%Y/%m/%d %H:%M:%S.%f") - datetime(1970, 1, 1)
        ).total_seconds()
        for r in rows
    ]
    watts = [float(r[12].strip().removesuffix(" W")) for r in rows]
    util = [float(r[7].strip().removesuffix(" %")) for r in rows]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    interval = statistics.median(gaps)
    lengths = [min(g, 2 * interval) for g in gaps] + [interval]
    return [(t, t + n, w, u) for t, n, w, u in zip(times, lengths, watts, util, strict=True)]


def test_h100_capture_energy_is_power_times_span_and_runs_plus_unallocated_is_all(
    cli: Any, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(H100, logs / "h100-node.csv")
    # the matmul loop's busy part, 03:41:10 to 03:41:18 UTC, held by one Slurm job
    (tmp_path / "sacct.txt").write_text(
        SACCT_HEADER + "7|ann|research|2026-11-23T03:41:10|2026-11-23T03:41:18|00:00:08|"
        "COMPLETED|gres/gpu=1|h100-node|matmul\n"
    )
    _config(
        tmp_path,
        [
            {"name": "smi", "kind": "nvidia_smi", "path": "logs"},
            {"name": "slurm", "kind": "slurm", "path": "sacct.txt", "timezone": "UTC"},
        ],
        hosts=[{"host": "h100-node", "region": "us-east-1"}],
    )
    result = cli("run")
    assert result.exit_code == 0, result.output

    spans = _h100_spans()
    total_j = sum((end - start) * w for start, end, w, _ in spans)
    run_from = (datetime(2026, 11, 23, 3, 41, 10) - datetime(1970, 1, 1)).total_seconds()
    run_to = run_from + 8
    run_j = sum(max(0.0, min(e, run_to) - max(s, run_from)) * w for s, e, w, _ in spans)
    # the 03:41:09.828 sample (0 %, 123.27 W) lasts until 03:41:10.830: its first 0.83 s are the
    # run's, and idle
    idle_j = sum(max(0.0, min(e, run_to) - max(s, run_from)) * w for s, e, w, u in spans if u < 1)
    # 21 samples about 1.0025 s apart: 9 idle ones near 72-123 W, 12 busy ones near 600-697 W
    assert total_j == pytest.approx(9080.8237, abs=1e-3)
    assert 8 * 600 < run_j < 8 * 700

    rows = _sql(
        cli,
        "select kind, run_id, energy_kwh, idle_energy_kwh, estimated from marts.energy "
        "order by kind",
    )
    by_kind = {r["kind"]: r for r in rows}
    assert set(by_kind) == {"run", "unallocated"}
    assert by_kind["run"]["run_id"] == "slurm:7"
    assert float(by_kind["run"]["energy_kwh"]) * 3.6e6 == pytest.approx(run_j, rel=1e-9)
    assert float(by_kind["unallocated"]["energy_kwh"]) * 3.6e6 == pytest.approx(
        total_j - run_j, rel=1e-9
    )
    assert sum(float(r["energy_kwh"]) for r in rows) * 3.6e6 == pytest.approx(total_j, rel=1e-9)
    assert {r["estimated"] for r in rows} == {"false"}
    assert idle_j == pytest.approx(0.83 * 123.27, abs=0.5)
    assert float(by_kind["run"]["idle_energy_kwh"]) * 3.6e6 == pytest.approx(idle_j, rel=1e-9)

    (run,) = _sql(
        cli,
        "select energy_kwh, power_pct_of_limit, kwh_per_gpu_hour, sm_active_mean "
        "from marts.run_cost",
    )
    assert float(run["energy_kwh"]) * 3.6e6 == pytest.approx(run_j, rel=1e-9)
    # nvidia-smi's power.limit is 700 W: mean power over the 8 s as a share of it
    assert float(run["power_pct_of_limit"]) == pytest.approx(100 * run_j / 8 / 700, rel=1e-9)
    assert float(run["kwh_per_gpu_hour"]) == pytest.approx(run_j / 8 / 1000, rel=1e-9)
    assert run["sm_active_mean"] == ""  # nvidia-smi has no profiling metrics: null, not 0


# --- DCGM: the energy counter, profiling metrics, carbon -------------------------------------

_FAMILIES = {
    "DCGM_FI_DEV_GPU_UTIL": ("gauge", "GPU utilization (in %)."),
    "DCGM_FI_DEV_POWER_USAGE": ("gauge", "Power draw (in W)."),
    "DCGM_FI_DEV_POWER_MGMT_LIMIT": ("gauge", "Power management limit (in W)."),
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": (
        "counter",
        "Total energy consumption since boot (in mJ).",
    ),
    "DCGM_FI_PROF_SM_ACTIVE": ("gauge", "The ratio of cycles an SM has at least 1 warp assigned."),
    "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE": (
        "gauge",
        "Ratio of cycles the tensor (HMMA) pipe is active.",
    ),
    "DCGM_FI_PROF_DRAM_ACTIVE": ("gauge", "Ratio of cycles the device memory interface is active."),
}


class _Scrape:
    def __init__(self, labels: dict[str, str], values: dict[str, float]):
        self.labels, self.values = labels, values

    def collect(self) -> Any:
        for name, (kind, text) in _FAMILIES.items():
            if name in self.values:
                family = Metric(name, text, kind)
                family.add_sample(name, self.labels, self.values[name])
                yield family


def _write_scrape(folder: Path, host: str, second: int, values: dict[str, float]) -> None:
    """One exporter scrape taken ``second`` seconds after 04:00:00 UTC (the time in its name)."""
    registry = CollectorRegistry()
    labels = {
        "gpu": "0",
        "UUID": f"GPU-{host}-0",
        "device": "nvidia0",
        "modelName": "NVIDIA H100 80GB HBM3",
        "Hostname": host,
    }
    registry.register(_Scrape(labels, values))  # type: ignore[arg-type]
    name = f"{host}_2026-11-23T04{second // 60:02d}{second % 60:02d}Z.prom"
    (folder / name).write_bytes(generate_latest(registry))


#: dgx-1, one scrape every 10 s from 04:00:00 to 04:01:00: the counter climbs 4 kJ a span, is
#: reset to 1,000,000 mJ at 04:00:30 (driver reload), then climbs 4.5 kJ a span. The power
#: gauge reads 400 W, except 380 W at 04:00:20 and 450 W at 04:01:00.
DGX1_COUNTER = [5_000_000, 9_000_000, 13_000_000, 1_000_000, 5_500_000, 10_000_000, 14_500_000]
DGX1_POWER = [400, 400, 380, 400, 400, 400, 450]
#: by hand: 4000 + 4000 (counter) + 380 W x 10 s (the reset span: the gauge) + 3 x 4500
#: (counter) + 450 W x 10 s (the last sample: its gauge over the usual interval)
DGX1_J = 4000 + 4000 + 3800 + 3 * 4500 + 4500
#: dgx-2 has no counter: 300 W x 7 samples x 10 s
DGX2_J = 300 * 7 * 10


def dcgm_cluster(folder: Path, **extra: Any) -> None:
    scrapes = folder / "dcgm"
    scrapes.mkdir(parents=True)
    for i, stamp in enumerate(range(0, 70, 10)):
        _write_scrape(
            scrapes,
            "dgx-1",
            stamp,
            {
                "DCGM_FI_DEV_GPU_UTIL": 95,
                "DCGM_FI_DEV_POWER_USAGE": DGX1_POWER[i],
                "DCGM_FI_DEV_POWER_MGMT_LIMIT": 700,
                "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": DGX1_COUNTER[i],
                "DCGM_FI_PROF_SM_ACTIVE": 0.2,
                "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE": 0.01,
                "DCGM_FI_PROF_DRAM_ACTIVE": 0.1,
            },
        )
        _write_scrape(
            scrapes,
            "dgx-2",
            stamp,
            {
                "DCGM_FI_DEV_GPU_UTIL": 90,
                "DCGM_FI_DEV_POWER_USAGE": 300,
                "DCGM_FI_PROF_SM_ACTIVE": 0.8,
                "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE": 0.5,
                "DCGM_FI_PROF_DRAM_ACTIVE": 0.4,
            },
        )
    (folder / "sacct.txt").write_text(
        SACCT_HEADER + "1|ann|research|2026-11-23T03:59:00|2026-11-23T04:02:00|00:03:00|COMPLETED|"
        "gres/gpu=1|dgx-1|llm-pretrain\n"
        + "2|bob|vision|2026-11-23T03:59:00|2026-11-23T04:02:00|00:03:00|COMPLETED|"
        "gres/gpu=1|dgx-2|vit-finetune\n"
    )
    _config(
        folder,
        [
            {"name": "dcgm", "kind": "dcgm", "path": "dcgm"},
            {"name": "slurm", "kind": "slurm", "path": "sacct.txt", "timezone": "UTC"},
        ],
        hosts=[
            {"host": "dgx-1", "region": "us-east-1"},
            {"host": "dgx-2", "region": "us-central1"},
        ],
        **extra,
    )


def test_dcgm_energy_counter_resets_mid_run_and_efficiency_is_reported(
    cli: Any, tmp_path: Path
) -> None:
    dcgm_cluster(tmp_path)
    result = cli("run")
    assert result.exit_code == 0, result.output

    runs = {
        r["run_name"]: r
        for r in _sql(
            cli,
            "select run_name, energy_kwh, gpu_util_mean, sm_active_mean, tensor_active_mean, "
            "dram_active_mean, power_pct_of_limit, efficiency_note from marts.run_cost",
        )
    }
    pretrain, finetune = runs["llm-pretrain"], runs["vit-finetune"]
    assert float(pretrain["energy_kwh"]) * 3.6e6 == pytest.approx(DGX1_J, rel=1e-9)  # 29,800 J
    assert float(finetune["energy_kwh"]) * 3.6e6 == pytest.approx(DGX2_J, rel=1e-9)  # 21,000 J
    # 95 % "utilization" while only a fifth of the SMs had work: held, not used well
    assert float(pretrain["gpu_util_mean"]) == pytest.approx(95)
    assert float(pretrain["sm_active_mean"]) == pytest.approx(0.2)
    assert float(pretrain["tensor_active_mean"]) == pytest.approx(0.01)
    assert float(pretrain["dram_active_mean"]) == pytest.approx(0.1)
    assert pretrain["efficiency_note"] == "high utilization, low SM activity"
    assert float(finetune["sm_active_mean"]) == pytest.approx(0.8)
    assert finetune["efficiency_note"] == ""
    # 29,800 J over 70 s is 425.7 W on average, of DCGM's 700 W power limit
    assert float(pretrain["power_pct_of_limit"]) == pytest.approx(100 * DGX1_J / 70 / 700)
    # dgx-2 reports no limit: its H100 80GB HBM3's board power (700 W, meta.gpu_board_power)
    assert float(finetune["power_pct_of_limit"]) == pytest.approx(100 * 300 / 700)

    spans = _sql(
        cli,
        "select energy_basis, count(*) as n from staging.gpu_sample_spans "
        "where host = 'dgx-1' group by energy_basis order by energy_basis",
    )
    # five spans from the counter; the reset span and the last sample from the gauge
    assert spans == [{"energy_basis": "counter", "n": "5"}, {"energy_basis": "power", "n": "2"}]


def test_co2e_is_energy_times_pue_times_grid_from_the_tables_or_the_config(
    cli: Any, tmp_path: Path
) -> None:
    dcgm_cluster(tmp_path)
    assert cli("run").exit_code == 0
    query = (
        "select gpu_resource, provider, region, grid_gco2e_per_kwh, grid_source, pue, "
        "energy_kwh, co2e_kg from marts.energy where kind = 'run' order by gpu_resource"
    )
    dgx1, dgx2 = _sql(cli, query)
    # built in: us-east-1 is AWS's (the region names one provider), 379.069 g/kWh (CCF from EPA
    # eGRID 2020) and AWS's PUE 1.14; us-central1 412.72 g/kWh (Google, 2024) and PUE 1.10
    assert (dgx1["provider"], dgx1["grid_gco2e_per_kwh"], dgx1["pue"]) == ("AWS", "379.069", "1.14")
    assert dgx1["grid_source"] == "ccf-egrid2020-nerc (2020)"
    assert (dgx2["provider"], dgx2["grid_gco2e_per_kwh"], dgx2["pue"]) == (
        "Google Cloud",
        "412.72",
        "1.1",
    )
    assert float(dgx1["co2e_kg"]) == pytest.approx(DGX1_J / 3.6e6 * 1.14 * 379.069 / 1000)
    assert float(dgx2["co2e_kg"]) == pytest.approx(DGX2_J / 3.6e6 * 1.10 * 412.72 / 1000)

    overridden = tmp_path / "override"
    overridden.mkdir()
    dcgm_cluster(overridden, carbon={"pue": 1.25, "grid_gco2e_per_kwh": {"us-east-1": 400}})
    (tmp_path / "aispend.yaml").write_text((overridden / "aispend.yaml").read_text())
    assert cli("run").exit_code == 0
    dgx1, dgx2 = _sql(cli, query)
    assert (dgx1["grid_gco2e_per_kwh"], dgx1["grid_source"], dgx1["pue"]) == (
        "400.0",
        "config",
        "1.25",
    )
    # the PUE override is for every host; the grid override only for its region
    assert (dgx2["grid_gco2e_per_kwh"], dgx2["pue"]) == ("412.72", "1.25")
    for row in (dgx1, dgx2):
        assert float(row["co2e_kg"]) == pytest.approx(
            float(row["energy_kwh"]) * float(row["pue"]) * float(row["grid_gco2e_per_kwh"]) / 1000,
            rel=1e-12,
        )
    assert float(dgx1["co2e_kg"]) == pytest.approx(DGX1_J / 3.6e6 * 1.25 * 400 / 1000)


def test_energy_and_co2e_budgets_fire_alerts(cli: Any, tmp_path: Path) -> None:
    dcgm_cluster(
        tmp_path,
        budgets=[
            # research's run drew 29,800 J = 0.008278 kWh: over 0.008, under 0.009
            {
                "name": "research-kwh",
                "scope": {"team": "research"},
                "energy_kwh": "0.008",
                "notify": ["log"],
            },
            {"name": "research-kwh-ok", "scope": {"team": "research"}, "energy_kwh": "0.009"},
            # both runs: (29,800 x 1.14 x 379.069 + 21,000 x 1.10 x 412.72) / 3.6e9 = 0.006225 kg
            {"name": "all-co2e", "co2e_kg": "0.006", "notify": ["log"]},
        ],
        alerts={"log": {"kind": "file", "path": "alerts.jsonl"}},
    )
    ran = cli("run")
    assert ran.exit_code == 0, ran.output
    result = cli("budgets", "check", "--period", "2026-11")
    status = {
        r["budget"]: r
        for r in _sql(cli, "select budget, unit, actual, crossed from marts.budget_status")
    }
    assert status["research-kwh"]["unit"] == "energy_kwh"
    assert float(status["research-kwh"]["actual"]) == pytest.approx(0.0083, abs=1e-4)
    assert status["research-kwh"]["crossed"] != ""
    assert status["research-kwh-ok"]["crossed"] == ""
    assert status["all-co2e"]["unit"] == "co2e_kg"
    assert float(status["all-co2e"]["actual"]) == pytest.approx(0.0062, abs=1e-4)
    sent = (tmp_path / "alerts.jsonl").read_text()
    assert "research-kwh" in sent and "kWh" in sent
    assert "all-co2e" in sent and "kg CO2e" in sent
    assert "research-kwh-ok" not in sent
    assert result.exit_code == 0, result.output


def test_energy_budgets_refuse_scopes_energy_cannot_answer(cli: Any, tmp_path: Path) -> None:
    dcgm_cluster(
        tmp_path,
        budgets=[
            {"name": "x", "scope": {"service_name": "EC2"}, "energy_kwh": "1"},
        ],
    )
    result = cli("run")
    assert result.exit_code != 0
    assert "cannot be scoped by 'service_name'" in result.output


def test_the_report_shows_energy_and_co2e_per_run_and_team(cli: Any, tmp_path: Path) -> None:
    dcgm_cluster(tmp_path)
    write_focus(tmp_path / "bills" / "nov.csv", month_rows("2026-11", ["10.00"]))
    body = yaml.safe_load((tmp_path / "aispend.yaml").read_text())
    body["sources"].append({"name": "bills", "kind": "focus", "path": "bills"})
    (tmp_path / "aispend.yaml").write_text(yaml.safe_dump(body))
    assert cli("run").exit_code == 0
    result = cli("report", "--period", "2026-11", "--out", "report.html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text()
    runs = _table(html, "energy-runs")
    # 29,800 J = 0.008278 kWh; x 1.14 x 379.069 g/kWh = 3.5771 g; 21,000 J = 0.005833 kWh;
    # x 1.10 x 412.72 g/kWh = 2.6484 g
    assert runs[0][:5] == ["llm-pretrain", "research", "0.008", "0.000", "0.004"]
    assert runs[0][5:] == ["20.0", "60.8", "measured", "high utilization, low SM activity"]
    assert runs[1][:6] == ["vit-finetune", "vision", "0.006", "0.000", "0.003", "80.0"]
    assert _table(html, "energy-teams") == [
        ["research", "0.008", "0.000", "0.004"],
        ["vision", "0.006", "0.000", "0.003"],
    ]


def _table(html: str, table_id: str) -> list[list[str]]:
    """The body cells of one of the page's tables, as text."""
    start = html.index(f'id="{table_id}"')
    body = html[start : html.index("</table>", start)]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S) for row in rows]
    return [c for c in cells if c]


def test_every_factor_names_a_documented_source() -> None:
    """Each row's source key is explained (publisher, link, year) in CARBON_SOURCES.md, which
    the README links; the spot values are the sources' own."""
    from connectors.carbon_factors import board_power, cloud_pue, grid_intensity

    doc = (ROOT / "connectors" / "data" / "CARBON_SOURCES.md").read_text()
    keys = {g.source for g in grid_intensity()} | {p.source for p in cloud_pue()}
    keys |= {b.source for b in board_power()}
    assert keys and all(f"`{key}`" in doc for key in keys), sorted(k for k in keys if k not in doc)
    assert "connectors/data/CARBON_SOURCES.md" in (ROOT / "README.md").read_text()
    grid = {(g.provider, g.region): g for g in grid_intensity()}
    assert grid[("AWS", "us-east-1")].grid_gco2e_per_kwh == 379.069  # CCF, EPA eGRID 2020 SRVC
    assert grid[("Google Cloud", "us-central1")].grid_gco2e_per_kwh == 412.72  # Google, 2024
    assert grid[("Microsoft", "westeurope")].grid_gco2e_per_kwh == 328.4  # CCF, EEA
    assert {p.provider for p in cloud_pue()} == {"AWS", "Google Cloud", "Microsoft"}
    assert {b.gpu_model: b.board_power_w for b in board_power()}["NVIDIA H100 80GB HBM3"] == 700


def test_the_parsers_read_power_limit_energy_counter_and_profiling_ratios(tmp_path: Path) -> None:
    from connectors.telemetry.dcgm.scrape import parse_scrape
    from connectors.telemetry.nvidia_smi.query_gpu import parse_query_gpu

    smi = parse_query_gpu(H100).frame
    assert smi["power_limit_w"].to_list() == [700.0] * 21
    # nvidia-smi 535+: the one-second mean is read in preference to the instant power.draw
    log = tmp_path / "node.csv"
    log.write_text(
        "timestamp, index, power.draw [W], power.draw.average [W], power.limit [W]\n"
        "2026/11/23 03:41:01.800, 0, 690.00 W, 650.50 W, [N/A]\n"
    )
    row = parse_query_gpu(log).frame.row(0, named=True)
    assert (row["power_w"], row["power_limit_w"]) == (650.5, None)

    corpus = ROOT / "tests" / "data" / "conformance" / "dcgm"
    scrape = parse_scrape(corpus / "dcgm-exporter_2026-11-23T034110Z.prom").frame
    by_gpu = {r["gpu_index"]: r for r in scrape.iter_rows(named=True)}
    assert by_gpu[0]["energy_mj"] == 912345678 and by_gpu[1]["energy_mj"] == 123456789
    assert by_gpu[0]["power_w"] == 689.59
    dcgm_cluster(tmp_path / "cluster")
    first = parse_scrape(tmp_path / "cluster" / "dcgm" / "dgx-1_2026-11-23T040000Z.prom").frame
    assert first.select(
        "power_limit_w", "energy_mj", "sm_active", "tensor_active", "dram_active"
    ).row(0) == (700.0, 5_000_000.0, 0.2, 0.01, 0.1)


def test_carbon_and_host_config_refuse_what_cannot_be_meant(cli: Any, tmp_path: Path) -> None:
    dcgm_cluster(tmp_path, carbon={"grid_gco2e_per_kwh": {"us-east-1": 40000}})
    result = cli("run")
    assert result.exit_code != 0
    assert "grids emit 0 to 2000 g/kWh" in result.output
    body = yaml.safe_load((tmp_path / "aispend.yaml").read_text())
    body["carbon"] = {}
    body["hosts"] = [{"host": "dgx-1"}]
    (tmp_path / "aispend.yaml").write_text(yaml.safe_dump(body))
    result = cli("run")
    assert result.exit_code != 0
    assert "give its resource_id, its region, or both" in result.output


def test_a_billed_host_takes_its_region_from_the_bill_and_unobserved_gpus_are_estimated(
    cli: Any, tmp_path: Path
) -> None:
    dcgm_cluster(tmp_path)
    body = yaml.safe_load((tmp_path / "aispend.yaml").read_text())
    body["hosts"] = [{"host": "dgx-2", "region": "us-central1"}]  # dgx-1: from its bill
    body["sources"].append({"name": "bills", "kind": "focus", "path": "bills"})
    (tmp_path / "aispend.yaml").write_text(yaml.safe_dump(body))
    line = {
        "BillingPeriodStart": "2026-11-01T00:00:00Z",
        "BillingPeriodEnd": "2026-12-01T00:00:00Z",
        "ChargePeriodStart": "2026-11-23T04:00:00Z",
        "ChargePeriodEnd": "2026-11-23T05:00:00Z",
        "ProviderName": "AWS",
        "ChargeCategory": "Usage",
        "ServiceName": "Amazon Elastic Compute Cloud",
        "ConsumedQuantity": "1",
        "ConsumedUnit": "Hours",
        "BilledCost": "98.32",
        "EffectiveCost": "98.32",
        "BillingCurrency": "USD",
        "RegionId": "us-west-2",
        "SkuPriceDetails": '{"InstanceType": "p5.48xlarge"}',
    }
    write_focus(
        tmp_path / "bills" / "nov.csv",
        [{**line, "ResourceId": "dgx-1"}, {**line, "ResourceId": "i-0unwatched"}],
        columns=[*line, "ResourceId"],
    )
    result = cli("run")
    assert result.exit_code == 0, result.output
    rows = {
        r["gpu_resource"]: r
        for r in _sql(
            cli,
            "select gpu_resource, kind, estimated, region, provider, grid_gco2e_per_kwh, "
            "energy_kwh, gpu_hours from marts.energy where kind in ('run', 'estimated')",
        )
    }
    from connectors.carbon_factors import grid_intensity

    us_west_2 = {(g.provider, g.region): g for g in grid_intensity()}[("AWS", "us-west-2")]
    dgx1 = rows["dgx-1"]
    assert (dgx1["kind"], dgx1["region"], dgx1["provider"]) == ("run", "us-west-2", "AWS")
    assert float(dgx1["grid_gco2e_per_kwh"]) == us_west_2.grid_gco2e_per_kwh
    # a p5.48xlarge hour no telemetry watched: 8 H100 x 1 h x 700 W board power = 5.6 kWh
    unwatched = rows["i-0unwatched"]
    assert (unwatched["kind"], unwatched["estimated"]) == ("estimated", "true")
    assert float(unwatched["gpu_hours"]) == 8
    assert float(unwatched["energy_kwh"]) == pytest.approx(5.6)
