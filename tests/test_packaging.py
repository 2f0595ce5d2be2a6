"""A built wheel carries everything the code reads at run time: the SQL models beside
pipelines/, the demo data, the example config and the connectors' reference tables. An editable
install reads them from the checkout, so without this a `pip install` would start without models.
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("aispend", "connectors", "pipelines", "dbt_like", "sql")


def project_files(*paths: str) -> set[str]:
    """The files git tracks, or would (not ignored), under ``paths``: the working tree as a
    commit of it would hold it."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *paths],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return {name for name in listed.stdout.split() if (ROOT / name).is_file()}


def test_the_wheel_ships_every_file_of_the_packages(tmp_path: Path) -> None:
    source = tmp_path / "src"
    for name in project_files(*PACKAGES, "pyproject.toml", "README.md"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("aispend-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    committed = project_files(*PACKAGES)
    assert {
        "sql/marts/run_cost.sql",
        "aispend/example_config.yaml",
        "aispend/demo_data/scenario/bill/focus_2026-10.csv",
    } <= committed
    assert sorted(committed - shipped) == []
    assert not [name for name in shipped if name.startswith("tests/")]

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    probe = (
        "from aispend.sql_models import SQL_DIR; from dbt_like.project import discover; "
        "p = discover(SQL_DIR); print(SQL_DIR, len(p.models) + len(p.checks))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(target)},
    ).stdout
    sql_dir, models = out.split()
    assert Path(sql_dir) == target / "sql"
    assert int(models) == len(list((ROOT / "sql").glob("*/*.sql")))
