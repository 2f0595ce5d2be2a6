from pathlib import Path

import pytest

from aispend.config import find_config, load_config
from aispend.errors import ConfigError


def test_example_config_from_init_loads(cli, tmp_path: Path) -> None:
    result = cli("init")
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "aispend.yaml")
    assert config.sources[0].kind == "focus"
    assert config.sources[0].timezone == "UTC"
    assert config.warehouse_path == tmp_path / "aispend.duckdb"
    assert config.runs.idle_util_pct == 1
    again = cli("init")
    assert again.exit_code != 0 and "already exists" in again.output


def test_typo_in_a_key_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "aispend.yaml"
    path.write_text("sources:\n  - {name: bills, kind: focus, pathh: x.csv}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert str(path) in message
    assert "sources[0] (name: bills).pathh: unknown key" in message
    assert "sources[0] (name: bills).path: Field required" in message


def test_unknown_kind_bad_timezone_and_duplicate_names_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "aispend.yaml"
    path.write_text(
        "sources:\n"
        "  - {name: a, kind: fokus, path: x}\n"
        "  - {name: b, kind: nvidia_smi, path: y, timezone: Mars/Olympus}\n"
    )
    message = str(pytest.raises(ConfigError, load_config, path).value)
    assert "sources[0] (name: a).kind" in message and "'focus'" in message
    assert "unknown time zone 'Mars/Olympus'" in message
    path.write_text(
        "sources:\n  - {name: a, kind: focus, path: x}\n  - {name: a, kind: focus, path: y}\n"
    )
    assert "two sources are named 'a'" in str(pytest.raises(ConfigError, load_config, path).value)


def test_budget_keys_and_alert_references_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "aispend.yaml"
    path.write_text(
        "budgets:\n"
        "  - name: research-gpu\n"
        "    scope: {team: research}\n"
        "    amount: 50000\n"
        "    thresholds: [{percent: 80, on: actual}, {percent: 100, on: forecast}]\n"
        "    notify: [ml-slack]\n"
        "alerts:\n"
        "  ml-slack: {kind: slack, webhook_url_env: SLACK_WEBHOOK_URL}\n"
        "  finance: {kind: email, smtp_host: localhost, smtp_port: 25, from: a@example.com,"
        " to: [b@example.com]}\n"
        "  log: {kind: file, path: alerts.jsonl}\n"
    )
    config = load_config(path)
    assert config.budgets[0].thresholds[1].on == "forecast"
    assert config.alerts["finance"].kind == "email"
    path.write_text("budgets:\n  - {name: x, amount: 5, notify: [nowhere]}\n")
    assert "notifies unknown alert 'nowhere'" in str(
        pytest.raises(ConfigError, load_config, path).value
    )
    path.write_text("alerts:\n  log: {kind: file, path: a.jsonl, colour: red}\n")
    assert "alerts.log.colour: unknown key" in str(
        pytest.raises(ConfigError, load_config, path).value
    )


def test_config_is_found_by_flag_then_env_then_cwd(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AISPEND_CONFIG", raising=False)
    assert find_config() is None
    (tmp_path / "aispend.yaml").write_text("warehouse: here.duckdb\n")
    assert find_config() == tmp_path / "aispend.yaml"
    monkeypatch.setenv("AISPEND_CONFIG", str(tmp_path / "env.yaml"))
    assert find_config() == tmp_path / "env.yaml"
    assert find_config("flag.yaml") == Path("flag.yaml")


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    path = tmp_path / "conf" / "aispend.yaml"
    path.write_text(
        "warehouse: db/w.duckdb\nsources:\n  - {name: a, kind: focus, path: bills/}\n"
        "  - {name: b, kind: focus, path: 's3://bucket/focus/'}\n"
    )
    config = load_config(path)
    assert config.warehouse_path == tmp_path / "conf" / "db" / "w.duckdb"
    assert config.source_path(config.sources[0]) == str(tmp_path / "conf" / "bills")
    assert config.source_path(config.sources[1]) == "s3://bucket/focus/"


def test_cli_reports_config_errors_without_a_traceback(cli, tmp_path: Path) -> None:
    (tmp_path / "aispend.yaml").write_text("warehose: x.duckdb\n")
    result = cli("run")
    assert result.exit_code == 2  # config errors exit 2 (aispend/exit_codes.py)
    assert "warehose: unknown key" in result.output
    assert "Traceback" not in result.output


def test_engine_and_store_settings(tmp_path: Path) -> None:
    path = tmp_path / "aispend.yaml"
    path.write_text("engine: spark\n")
    with pytest.raises(ConfigError, match="set 'store:'"):
        load_config(path)
    path.write_text("engine: flink\nstore: lake\n")
    with pytest.raises(ConfigError, match="engine"):
        load_config(path)
    path.write_text(
        "engine: spark\nstore: lake/\nspark:\n  master: spark://head:7077\n"
        "  conf: {spark.executor.memory: 8g}\n"
    )
    config = load_config(path)
    assert config.store_uri == str(tmp_path / "lake")
    assert config.spark.master == "spark://head:7077"
    assert config.spark.conf == {"spark.executor.memory": "8g"}
    path.write_text("store: s3://bucket/warehouse/\n")
    config = load_config(path)
    assert (config.engine, config.store_uri) == ("duckdb", "s3://bucket/warehouse")
    assert load_config_default_store(tmp_path) is None


def test_spark_connect_is_named_instead_of_a_master(tmp_path: Path) -> None:
    path = tmp_path / "aispend.yaml"
    path.write_text("engine: spark\nstore: lake\nspark: {remote: 'sc://connect:15002'}\n")
    assert load_config(path).spark.remote == "sc://connect:15002"
    path.write_text(
        "engine: spark\nstore: lake\nspark: {remote: 'sc://connect:15002', master: 'local[2]'}\n"
    )
    with pytest.raises(ConfigError, match="either 'master'.*or 'remote'"):
        load_config(path)
    path.write_text("engine: spark\nstore: lake\nspark: {remote: 'connect:15002'}\n")
    with pytest.raises(ConfigError, match="Spark Connect URL"):
        load_config(path)


def load_config_default_store(tmp_path: Path) -> str | None:
    path = tmp_path / "plain.yaml"
    path.write_text("warehouse: wh.duckdb\n")
    return load_config(path).store_uri


def test_an_option_of_another_source_kind_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "aispend.yaml"
    path.write_text("sources:\n  - {name: bills, kind: focus, path: x, timezone: Europe/Berlin}\n")
    message = str(pytest.raises(ConfigError, load_config, path).value)
    assert "sources[0] (name: bills)" in message
    assert (
        "option 'timezone' does not apply to kind 'focus' (it applies to: nvidia_smi, "
        "slurm)" in message
    )
