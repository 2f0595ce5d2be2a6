"""`spark: {remote: sc://...}` runs the models on a Spark Connect server: the models step is a
thin client with no JVM of its own, and the marts are the ones DuckDB builds, to the cent.

The server is Spark's own (`sbin/start-connect-server.sh` from the pyspark package) in a process
of its own, on a free port of 127.0.0.1, as a shared cluster would serve it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aispend.store.engines import _LOG4J
from tests.conftest import free_port
from tests.test_spark_engine import assert_same_tables, build_with_duckdb, write_demo_config


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import pyspark

    home = Path(pyspark.__file__).parent
    folder = tmp_path_factory.mktemp("spark-connect")
    port = free_port()
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOG_DIR": str(folder),
        "SPARK_PID_DIR": str(folder),
    }
    log = open(folder / "server.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [
            "bash",
            str(home / "sbin" / "start-connect-server.sh"),
            "--wait",
            "--conf",
            f"spark.connect.grpc.binding.port={port}",
            "--conf",
            "spark.connect.grpc.binding.address=127.0.0.1",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.sql.shuffle.partitions=2",
            "--conf",
            f"spark.sql.warehouse.dir={folder / 'warehouse'}",
            "--driver-java-options",
            f"-Dlog4j2.configurationFile=file:{_LOG4J}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (folder / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "Spark Connect did not start in 180 s"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        yield f"sc://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def test_models_run_on_a_spark_connect_server(tmp_path: Path, connect_server: str) -> None:
    duck_file = build_with_duckdb(tmp_path / "duckdb")
    config = write_demo_config(
        tmp_path / "connect", store="store", engine="spark", spark={"remote": connect_server}
    )
    # `aispend run` as a user runs it, with no Java: a local Spark could not start there, so the
    # marts below can only have been built by the server.
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java")}
    aispend = Path(sys.executable).with_name("aispend")
    result = subprocess.run(
        [str(aispend), "--config", str(config), "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # 11, energy_accounted, and ai_usage_gaps passing on a demo with no model spend
    assert "checks: 13 passed, 0 failed" in result.stdout, result.stdout[-3000:]
    assert_same_tables(duck_file, tmp_path / "connect" / "store")


def test_without_java_a_local_session_cannot_start(tmp_path: Path) -> None:
    """The control for the test above: in the same environment, a local Spark fails."""
    probe = (
        "from aispend.config import SparkConfig; from aispend.store.engines import "
        "spark_session; spark_session(SparkConfig(master='local[1]'))"
    )
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java")}
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "JAVA_GATEWAY_EXITED" in result.stderr or "no-java" in result.stderr, result.stderr
