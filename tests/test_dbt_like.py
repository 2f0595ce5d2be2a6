"""The SQL model runner: headers, dependencies from SQL, order, bound parameters, portability."""

from pathlib import Path

import duckdb
import pytest
import sqlglot

from aispend.sql_models import SQL_DIR
from dbt_like import discover, run_check, run_models
from dbt_like.project import ProjectError


def _write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_dependencies_come_from_the_sql_and_models_run_in_order(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "marts/b.sql",
        "-- model: marts.b\n-- grain: one row\n"
        "with a as (select * from staging.a) select sum(x) as total from a",
    )
    _write(
        tmp_path,
        "staging/a.sql",
        "-- model: staging.a\n-- materialized: view\nselect x from raw.numbers",
    )
    _write(
        tmp_path,
        "checks/b_positive.sql",
        "-- check: b_positive\nselect * from marts.b where total <= $floor",
    )
    project = discover(tmp_path)
    assert [n.name for n in project.ordered()] == ["staging.a", "marts.b"]
    assert project.dependencies(project.models["marts.b"]) == ["staging.a"]
    assert project.external_tables(project.models["staging.a"]) == ["raw.numbers"]
    [check] = project.checks
    assert check.params == {"floor"} and project.check_target(check) == "marts.b"

    con = duckdb.connect()
    con.execute("create schema raw; create table raw.numbers as select * from range(1, 5) t(x)")
    # a view is not counted (that would compute it), a table is
    assert run_models(con, project, {}) == [("staging.a", None), ("marts.b", 1)]
    assert con.execute(
        "select table_type from information_schema.tables where table_name = 'a'"
    ).fetchall() == [("VIEW",)]
    assert run_check(con, check, {"floor": 0}).passed  # 1+2+3+4 = 10 > 0
    failing = run_check(con, check, {"floor": 10})
    assert (failing.passed, failing.failures, failing.sample) == (False, 1, [(10,)])
    with pytest.raises(ProjectError, match="no value for parameter"):
        run_check(con, check, {})


def test_a_bound_parameter_is_data_not_sql(tmp_path: Path) -> None:
    _write(tmp_path, "checks/c.sql", "-- check: c\nselect name from meta.t where name = $name")
    [check] = discover(tmp_path).checks
    con = duckdb.connect()
    con.execute("create schema meta; create table meta.t as select 'a' as name")
    assert run_check(con, check, {"name": "x' or '1'='1"}).passed
    assert run_check(con, check, {"name": "a"}).failures == 1


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"m.sql": "select 1"}, "must start with '-- model: <name>'"),
        ({"m.sql": "-- model: Marts.M\nselect 1"}, "must be schema.table"),
        ({"m.sql": "-- model: marts.m\nselect 1; select 2"}, "exactly one statement"),
        (
            {"m.sql": "-- model: marts.m\n-- materialized: view\nselect $p"},
            "cannot take parameters",
        ),
        (
            {
                "a.sql": "-- model: marts.a\nselect * from marts.b",
                "b.sql": "-- model: marts.b\nselect * from marts.a",
            },
            "cycle",
        ),
    ],
)
def test_bad_model_files_are_named(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        _write(tmp_path, name, text)
    with pytest.raises(ProjectError, match=message):
        discover(tmp_path).ordered()


@pytest.mark.parametrize("dialect", ["spark", "trino"])
def test_every_shipped_model_and_check_transpiles(dialect: str) -> None:
    project = discover(SQL_DIR)
    nodes = [*project.models.values(), *project.checks]
    assert len(nodes) >= 6
    for node in nodes:
        for statement in sqlglot.transpile(
            node.sql, read="duckdb", write=dialect, unsupported_level=sqlglot.ErrorLevel.RAISE
        ):
            assert statement.strip()
