"""OpenAI and Anthropic admin-API pages (tests/data/conformance/openai, anthropic; see their
SOURCES.md): loaded into marts.cost_lines with totals per provider, month, model and project
equal to hand sums of the recorded pages, Anthropic's cents divided once, overlapping pages
counted once, usage pages as tokens beside the cost, and bad pages refused by file, item and
field while the source's other periods load."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from aispend.billing_load import load_billing_partition
from aispend.config import AispendConfig, load_config
from aispend.errors import InputError
from tests.conftest import write_config

CONFORMANCE = Path(__file__).parent / "data" / "conformance"
D = Decimal


def _load(tmp_path: Path, kind: str, pages: Path, periods: list[str]) -> AispendConfig:
    shutil.copytree(pages, tmp_path / "pages")
    config = load_config(
        write_config(tmp_path, [{"name": "api", "kind": kind, "path": str(tmp_path / "pages")}])
    )
    for period in periods:
        load_billing_partition(config, config.sources[0], period)
    return config


def _query(config: AispendConfig, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_openai_costs_per_month_model_and_project_equal_hand_sums(tmp_path: Path) -> None:
    config = _load(tmp_path, "openai", CONFORMANCE / "openai" / "grouped", ["2026-10", "2026-11"])
    by_month = _query(
        config,
        "select provider, x_billing_period, sum(billed_cost), count(*) from marts.cost_lines "
        "where x_ai_report = 'cost' group by all order by 2",
    )
    # 2026-10: 1.25 + 3.5 + 0.06 = 4.81 (3 lines);
    # 2026-11: 2.5 + 0.3125 + 0.24 + 7 + 0.04 = 10.0925 (5 lines: the re-pulled 11-02 bucket
    # and page 2 of the first pull are one bucket, counted once)
    assert by_month == [("OpenAI", "2026-10", D("4.81"), 3), ("OpenAI", "2026-11", D("10.0925"), 5)]
    by_model = _query(
        config,
        "select x_ai_model, sum(billed_cost) from marts.cost_lines "
        "where x_billing_period = '2026-11' and x_ai_report = 'cost' group by 1 order by 1",
    )
    # gpt-4o: 2.5 + 0.3125 + 7 = 9.8125; mini: 0.24; "Image models" names no model: 0.04
    assert by_model == [
        ("gpt-4o-2024-08-06", D("9.8125")),
        ("gpt-4o-mini-2024-07-18", D("0.24")),
        (None, D("0.04")),
    ]
    by_project = _query(
        config,
        "select sub_account_id, x_tags_normalized['project_id'], sum(billed_cost) "
        "from marts.cost_lines where x_billing_period = '2026-11' group by all order by 1",
    )
    # research: 2.5 + 0.3125 + 7 = 9.8125; support: 0.24 + 0.04 = 0.28 (usage lines cost 0)
    assert by_project == [
        ("proj_research", "proj_research", D("9.8125")),
        ("proj_support", "proj_support", D("0.28")),
    ]
    currencies = _query(
        config, "select distinct billing_currency from marts.cost_lines where x_ai_report = 'cost'"
    )
    assert currencies == [("USD",)]


def test_openai_usage_pages_land_as_tokens_by_type(tmp_path: Path) -> None:
    config = _load(tmp_path, "openai", CONFORMANCE / "openai" / "grouped", ["2026-11"])
    rows = _query(
        config,
        "select cast(charge_period_start as date)::varchar, x_ai_model, x_token_type, "
        "usage_quantity, usage_unit, billed_cost from marts.cost_lines "
        "where x_ai_report = 'usage' and usage_quantity > 0 order by 1, 2, 3",
    )
    # 11-01 gpt-4o: input_tokens 1,250,000 include 250,000 cached: 1,000,000 uncached
    assert rows == [
        ("2026-11-01", "gpt-4o-2024-08-06", "cache_read", D(250_000), "tokens", D(0)),
        ("2026-11-01", "gpt-4o-2024-08-06", "input", D(1_000_000), "tokens", D(0)),
        ("2026-11-01", "gpt-4o-mini-2024-07-18", "input", D(100_000), "tokens", D(0)),
        ("2026-11-01", "gpt-4o-mini-2024-07-18", "output", D(400_000), "tokens", D(0)),
        ("2026-11-02", "gpt-4o-2024-08-06", "output", D(700_000), "tokens", D(0)),
    ]


def test_openai_ungrouped_pages_of_every_endpoint(tmp_path: Path) -> None:
    config = _load(tmp_path, "openai", CONFORMANCE / "openai" / "ungrouped", ["2024-11"])
    rows = _query(
        config,
        "select x_line_item_type, x_token_type, usage_quantity, usage_unit, billed_cost "
        "from marts.cost_lines where coalesce(usage_quantity, 1) > 0 order by 1, 2",
    )
    assert rows == [
        ("costs", None, None, None, D("0.06")),
        ("usage.audio_speeches", "characters", D(45), "characters", D(0)),
        ("usage.audio_transcriptions", "seconds", D(20), "seconds", D(0)),
        # input_tokens 1000 include 800 cached: 200 uncached
        ("usage.completions", "cache_read", D(800), "tokens", D(0)),
        ("usage.completions", "input", D(200), "tokens", D(0)),
        ("usage.completions", "output", D(500), "tokens", D(0)),
        ("usage.embeddings", "input", D(16), "tokens", D(0)),
        ("usage.images", "images", D(2), "images", D(0)),
    ]


def test_anthropic_cents_are_converted_once_and_sum_by_month_and_model(tmp_path: Path) -> None:
    folder = CONFORMANCE / "anthropic" / "grouped"
    config = _load(tmp_path, "anthropic", folder, ["2026-10", "2026-11"])
    by_month = _query(
        config,
        "select provider, x_billing_period, sum(billed_cost), count(*) from marts.cost_lines "
        "where x_ai_report = 'cost' group by all order by 2",
    )
    # cents / 100: 2026-10: "300.00" = 3.00;
    # 2026-11: ("150" + "750" + "3.3" + "37.5" + "12.34" + "60" + "100") / 100
    #        = 1113.14 / 100 = 11.1314 (7 lines; the re-pulled 11-02 bucket counted once)
    assert by_month == [
        ("Anthropic", "2026-10", D("3.00"), 1),
        ("Anthropic", "2026-11", D("11.1314"), 7),
    ]
    by_model = _query(
        config,
        "select x_ai_model, sum(billed_cost) from marts.cost_lines "
        "where x_billing_period = '2026-11' and x_ai_report = 'cost' group by 1 order by 1",
    )
    # sonnet: (150 + 750 + 3.3 + 37.5 + 60) / 100 = 10.008; haiku: 12.34 / 100 = 0.1234;
    # web search names no model: 100 / 100 = 1.00
    assert by_model == [
        ("claude-3-5-haiku-20241022", D("0.1234")),
        ("claude-sonnet-4-20250514", D("10.008")),
        (None, D("1.00")),
    ]
    totals = _query(
        config,
        "select period, billed_cost from meta.control_totals "
        "where billing_currency = 'USD' order by 1",
    )
    # the pages' own total, summed from the cents as written, apart from the load
    assert totals == [("2026-10", D("3.00")), ("2026-11", D("11.1314"))]


def test_anthropic_usage_tokens_by_type(tmp_path: Path) -> None:
    config = _load(tmp_path, "anthropic", CONFORMANCE / "anthropic" / "grouped", ["2026-11"])
    rows = _query(
        config,
        "select x_ai_model, x_token_type, sum(usage_quantity), any_value(usage_unit) "
        "from marts.cost_lines where x_ai_report = 'usage' group by 1, 2 "
        "having sum(usage_quantity) > 0 order by 1, 2",
    )
    assert rows == [
        ("claude-3-5-haiku-20241022", "output", D(30_850), "tokens"),
        ("claude-sonnet-4-20250514", "cache_read", D(110_000), "tokens"),
        ("claude-sonnet-4-20250514", "cache_write_1h", D(100_000), "tokens"),
        ("claude-sonnet-4-20250514", "cache_write_5m", D(100_000), "tokens"),
        ("claude-sonnet-4-20250514", "input", D(500_000), "tokens"),
        ("claude-sonnet-4-20250514", "output", D(500_000), "tokens"),
        ("claude-sonnet-4-20250514", "web_search", D(100), "requests"),
    ]


def test_anthropic_ungrouped_pages(tmp_path: Path) -> None:
    config = _load(tmp_path, "anthropic", CONFORMANCE / "anthropic" / "ungrouped", ["2025-08"])
    cost = _query(
        config, "select sum(billed_cost) from marts.cost_lines where x_ai_report = 'cost'"
    )
    # "123.45" cents = 1.2345 dollars
    assert cost == [(D("1.2345"),)]
    tokens = _query(
        config,
        "select sum(usage_quantity) from marts.cost_lines where usage_unit = 'tokens'",
    )
    # 1500 + 200 + 1000 + 0 + 500
    assert tokens == [(D(3200),)]


def _bad(tmp_path: Path, kind: str, name: str, text: str) -> AispendConfig:
    folder = CONFORMANCE / kind / "grouped"
    shutil.copytree(folder, tmp_path / "pages")
    (tmp_path / "pages" / name).write_text(text)
    return load_config(
        write_config(tmp_path, [{"name": "api", "kind": kind, "path": str(tmp_path / "pages")}])
    )


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda r: r["amount"].update(value="1.25"), "result 2: 'amount.value' must be a number"),
        (lambda r: r.pop("amount"), "result 2: 'amount.value' must be a number"),
        (lambda r: r.update(project_id=7), "result 2: 'project_id' must be a string"),
        (lambda r: r.update(object="organization.nonsense.result"), "result 2: 'object'"),
    ],
)
def test_a_bad_openai_result_names_file_item_and_field(
    tmp_path: Path, change: Any, where: str
) -> None:
    page = json.loads((CONFORMANCE / "openai/grouped/costs_2026-11-02_rerun.json").read_text())
    page["data"][0]["start_time"] = 1793491200 + 86400 * 20  # 2026-11-21, a bucket of its own
    page["data"][0]["end_time"] = 1793491200 + 86400 * 21
    change(page["data"][0]["results"][1])
    config = _bad(tmp_path, "openai", "late.json", json.dumps(page))
    with pytest.raises(InputError) as failed:
        load_billing_partition(config, config.sources[0], "2026-11")
    assert str(failed.value).startswith(f"{tmp_path / 'pages' / 'late.json'}, row 2")
    assert where in str(failed.value)


def test_anthropic_amount_as_a_number_is_refused(tmp_path: Path) -> None:
    page = json.loads(
        (CONFORMANCE / "anthropic/grouped/cost_report_2026-11-02_rerun.json").read_text()
    )
    page["data"][0]["results"][0]["amount"] = 60
    config = _bad(tmp_path, "anthropic", "cost_report_2026-11-02_rerun.json", json.dumps(page))
    with pytest.raises(InputError, match=r"row 1, column 'amount'.*decimal string"):
        load_billing_partition(config, config.sources[0], "2026-11")


def test_an_unreadable_page_fails_its_source_and_names_the_file(tmp_path: Path) -> None:
    config = _bad(tmp_path, "openai", "cut.json", '{"object": "page", "data": [')
    with pytest.raises(InputError, match=r"cut\.json: is not JSON"):
        load_billing_partition(config, config.sources[0], "2026-11")


def test_a_later_pull_of_a_day_replaces_it_whatever_its_grouping(tmp_path: Path) -> None:
    page = json.loads((CONFORMANCE / "openai/grouped/costs_2026-11-02_rerun.json").read_text())
    page["data"][0]["results"] = [
        {
            "object": "organization.costs.result",
            "amount": {"value": 7.5, "currency": "usd"},
            "line_item": None,
            "project_id": None,
        }
    ]
    # 11-02 pulled again the next night, ungrouped: it replaces the day, never adds to it
    config = _bad(tmp_path, "openai", "zz_costs_2026-11-02_next_night.json", json.dumps(page))
    loaded = load_billing_partition(config, config.sources[0], "2026-11")
    # 2.5 + 0.3125 + 0.24 (11-01) + 7.5 (11-02, the later pull's one line) = 10.5525
    assert loaded.billed_by_currency["USD"] == D("10.5525")


def test_a_bad_result_fails_its_month_and_the_other_month_loads(tmp_path: Path) -> None:
    # one file with both months (the recorded pull), its 11-01 gpt-4o input amount made text
    name = "costs_2026-10-31_2026-11-03.json"
    pages = json.loads((CONFORMANCE / "openai/grouped" / name).read_text())
    pages[0]["data"][1]["results"][0]["amount"]["value"] = "2.5"
    config = _bad(tmp_path, "openai", name, json.dumps(pages))
    with pytest.raises(InputError, match=r"row 4, column 'amount\.value': result 4: "):
        load_billing_partition(config, config.sources[0], "2026-11")
    october = load_billing_partition(config, config.sources[0], "2026-10")
    assert october.status == "loaded" and october.billed_by_currency == {"USD": D("4.81")}


def test_a_bucket_without_its_time_fails_the_source_naming_it(tmp_path: Path) -> None:
    page = json.loads((CONFORMANCE / "openai/grouped/costs_2026-11-02_rerun.json").read_text())
    page["data"][0]["start_time"] = "2026-11-02"  # documented as unix seconds
    config = _bad(tmp_path, "openai", "bad.json", json.dumps(page))
    # its month is unknown, so every month of the source waits for it (as for any bill)
    with pytest.raises(InputError, match=r"bad\.json, column 'start_time': bucket 1: "):
        load_billing_partition(config, config.sources[0], "2026-10")


def test_a_page_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connectors.model_api import pages

    monkeypatch.setattr(pages, "MAX_BYTES", 100)
    config = _bad(
        tmp_path, "openai", "big.json", json.dumps({"data": [], "has_more": False}) + " " * 200
    )
    with pytest.raises(InputError, match=r"big\.json: is over the 100-byte limit"):
        load_billing_partition(config, config.sources[0], "2026-11")


def test_deeply_nested_json_is_refused_not_crashed(tmp_path: Path) -> None:
    config = _bad(tmp_path, "openai", "deep.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match=r"deep\.json: JSON is nested too deeply"):
        load_billing_partition(config, config.sources[0], "2026-11")


def test_openai_usage_grouped_by_api_key_keeps_keys_and_batch_as_tags(tmp_path: Path) -> None:
    config = _load(tmp_path, "openai", CONFORMANCE / "openai" / "by_api_key", ["2026-11"])
    rows = _query(
        config,
        "select x_tags_normalized['api_key_id'], x_tags_normalized['batch'], x_token_type, "
        "usage_quantity from marts.cost_lines where usage_quantity > 0 order by 1, 3",
    )
    assert rows == [
        # key_abc: input_tokens 3000 include 1000 cached: 2000 uncached
        ("key_abc", "false", "cache_read", D(1000)),
        ("key_abc", "false", "input", D(2000)),
        ("key_abc", "false", "input_audio", D(40)),
        ("key_abc", "false", "output", D(1200)),
        ("key_abc", "false", "output_audio", D(60)),
        ("key_def", "true", "input", D(500)),
        ("key_def", "true", "output", D(100)),
    ]


def test_an_amount_in_exponent_notation_is_read_exactly(tmp_path: Path) -> None:
    late = 1793491200 + 86400 * 20  # 2026-11-21
    text = (
        '{"object": "page", "has_more": false, "next_page": null, "data": [{"object": "bucket", '
        f'"start_time": {late}, "end_time": {late + 86400}, "results": [{{"object": '
        '"organization.costs.result", "amount": {"value": 1.5e-3, "currency": "usd"}, '
        '"line_item": null, "project_id": null}]}]}'
    )
    config = _bad(tmp_path, "openai", "late.json", text)
    loaded = load_billing_partition(config, config.sources[0], "2026-11")
    # 10.0925 (the recorded pages) + 0.0015
    assert loaded.billed_by_currency["USD"] == D("10.0940")


def test_gzip_and_zstd_pages_load_like_the_plain_ones(tmp_path: Path) -> None:
    import gzip

    import zstandard

    folder = tmp_path / "pages"
    shutil.copytree(CONFORMANCE / "anthropic" / "grouped", folder)
    for name, pack in [
        ("cost_report_2026-10-31_2026-11-03.json", lambda b: gzip.compress(b)),
        ("usage_report_messages_2026-11.json", zstandard.ZstdCompressor().compress),
    ]:
        suffix = ".gz" if name.startswith("cost") else ".zst"
        (folder / (name + suffix)).write_bytes(pack((folder / name).read_bytes()))
        (folder / name).unlink()
    config = load_config(
        write_config(tmp_path, [{"name": "api", "kind": "anthropic", "path": str(folder)}])
    )
    loaded = load_billing_partition(config, config.sources[0], "2026-11")
    # the same 11.1314 USD as the plain pages
    assert loaded.billed_by_currency["USD"] == D("11.1314")
    tokens = _query(config, "select sum(usage_quantity) from marts.cost_lines")
    # 500,000 + 110,000 + 100,000 + 500,000 + 30,850 + 100,000 tokens + 100 web searches
    assert tokens == [(D(1_340_950),)]
