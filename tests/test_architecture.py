"""ARCHITECTURE.md kept true: imports point one way, each source kind and the storage choice are
named in one place, modules stay small, and SQL layers read downward."""

from __future__ import annotations

import ast
from pathlib import Path

from aispend.sql_models import sql_project
from connectors.registry import KINDS

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("connectors", "dbt_like", "aispend", "pipelines")
#: Which layers each layer may import (ARCHITECTURE.md, "The layers").
ALLOWED = {
    "connectors": {"connectors"},
    "dbt_like": {"dbt_like"},
    "core": {"core", "connectors", "dbt_like"},
    "pipelines": {"pipelines", "core", "connectors", "dbt_like"},
    "cli": {"cli", "pipelines", "core", "connectors", "dbt_like"},
}
DAGSTER_ALLOWED = (
    "pipelines/",
    "aispend/cli/run.py",
    "aispend/cli/run_steps.py",
    "aispend/cli/run_telemetry.py",
)


def package_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def layer(module: str) -> str | None:
    top = module.split(".")[0]
    if top == "aispend":
        return "cli" if module == "aispend.cli" or module.startswith("aispend.cli.") else "core"
    return top if top in PACKAGES else None


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth (function-level imports included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_import_points_down_the_layers() -> None:
    against = []
    for path in package_files():
        importer = layer(module_of(path))
        assert importer is not None
        for line, module in imports(path):
            imported = layer(module)
            if imported is not None and imported not in ALLOWED[importer]:
                against.append(
                    f"{path.relative_to(ROOT)}:{line} ({importer}) imports {module} ({imported})"
                )
    assert against == []


def test_only_pipelines_and_the_cli_run_entry_import_dagster() -> None:
    users = sorted(
        str(path.relative_to(ROOT))
        for path in package_files()
        if any(m.split(".")[0] == "dagster" for _, m in imports(path))
    )
    assert users and all(u.startswith(DAGSTER_ALLOWED) for u in users), users


def test_the_layer_walk_sees_a_wrong_arrow(tmp_path: Path) -> None:
    """The walk itself can fail: a connector importing the core is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from aispend.config import load_config\n")
    assert imports(bad) == [(2, "aispend.config")]
    assert layer("aispend.config") not in ALLOWED["connectors"]


def string_literals(path: Path) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_each_source_kind_is_named_in_at_most_two_files() -> None:
    """Its registration, and the demo config that uses it; everything else reads the
    registry."""
    literals = {path: string_literals(path) for path in package_files()}
    for kind in KINDS:
        naming = sorted(str(p.relative_to(ROOT)) for p, found in literals.items() if kind in found)
        assert "connectors/registry.py" in naming and len(naming) <= 2, (kind, naming)


def test_the_storage_choice_is_read_in_at_most_two_files() -> None:
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in package_files()
        if any(
            isinstance(node, ast.Attribute) and node.attr == "store_uri"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    )
    # config.py declares the setting; storage.py alone reads it to choose the warehouse
    assert readers == ["aispend/storage.py"]


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in package_files()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}


def test_sql_layers_read_downward() -> None:
    """Staging models read loaded tables and other staging models; marts read staging and
    marts; no model reads a layer above its own."""
    project = sql_project()
    wrong = []
    for node in project.models.values():
        schema = node.name.split(".")[0]
        for dependency in project.dependencies(node):
            if schema == "staging" and dependency.split(".")[0] == "marts":
                wrong.append(f"{node.name} reads {dependency}")
    assert wrong == []


def test_the_cli_and_the_readme_list_exactly_the_registered_kinds() -> None:
    from click.testing import CliRunner

    from aispend.cli import main

    listed = CliRunner().invoke(main, ["kinds"])
    assert listed.exit_code == 0
    shown = [line.split()[0] for line in listed.output.splitlines()[1::2]]
    assert shown == list(KINDS)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Supported inputs") :].split("\n\n")[2]
    assert [row.split("`")[1] for row in table.splitlines()[2:]] == list(KINDS)
