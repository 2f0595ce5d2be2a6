"""The ``aispend`` command's subcommands: set up, load, query and inspect the warehouse."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from aispend.cli.exit_codes import ConfigProblem, GuardedGroup
from aispend.config import CONFIG_NAME, AispendConfig, find_config, load_config
from aispend.errors import ConfigError

EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "example_config.yaml"


class Context:
    def __init__(self, config_option: str | None):
        self.config_option = config_option

    def config(self, required: bool = True) -> AispendConfig:
        path = find_config(self.config_option)
        if path is None:
            if required:
                raise ConfigProblem(
                    f"no {CONFIG_NAME} found (looked at --config, $AISPEND_CONFIG and ./"
                    f"{CONFIG_NAME}); write one with `aispend init` or try `aispend demo`"
                )
            return AispendConfig(base_dir=Path.cwd())
        try:
            return load_config(path)
        except ConfigError as exc:
            raise ConfigProblem(str(exc)) from exc


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Path to aispend.yaml (else $AISPEND_CONFIG, else ./aispend.yaml).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and library warnings.")
@click.version_option(package_name="aispend")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, debug: bool) -> None:
    """aispend: a warehouse for cloud AI spend.

    \b
    Exit codes: 0 ok; 1 data (a partition, file, check or alert sink failed; the rest
    loaded); 2 config or usage; 3 anything else (--debug shows the traceback).

    \b
    Example:
      aispend demo
      aispend sql "select provider, sum(billed_cost) from marts.cost_lines group by 1"
    """
    ctx.obj = Context(config_path)


@main.command()
@click.argument("path", default=CONFIG_NAME, type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: str, force: bool) -> None:
    """Write a commented example config.

    \b
    Example:
      aispend init            # writes ./aispend.yaml
    """
    target = Path(path)
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists (use --force to overwrite)")
    target.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    click.echo(f"Wrote {target}. Edit its sources, then run `aispend run`.")


@main.command()
@click.option(
    "--period",
    "periods",
    multiple=True,
    metavar="YYYY-MM",
    help="Billing period to load (repeatable), whether or not its files changed. Default: "
    "every period new or changed since its last load.",
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Reload every period and telemetry day the sources hold and rebuild every model.",
)
@click.pass_obj
def run(obj: Context, periods: tuple[str, ...], full_refresh: bool) -> None:
    """Load what is new or changed into the warehouse, rebuild the models, run the checks.

    A (source, billing period) loads when its delivery changed (new files, a new manifest, the
    same names rewritten), a telemetry day when its content changed; a rerun with nothing new
    loads and builds nothing.

    \b
    Example:
      aispend run                   # nightly: what changed (the first run loads everything)
      aispend run --period 2026-10  # reload one period
      aispend run --full-refresh    # reload everything, rebuild every model
    """
    from aispend.cli.run import run_pipeline
    from aispend.periods import parse_period
    from aispend.storage import open_warehouse

    try:
        wanted = [parse_period(p) for p in periods] or None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from exc
    config = obj.config()
    click.echo(f"Warehouse: {open_warehouse(config).describe()}")
    summary = run_pipeline(config, wanted, click.echo, full_refresh=full_refresh)
    click.echo(
        f"Done: {len(summary.loaded)} partition(s) loaded, {len(summary.failed)} failed; "
        f"checks: {summary.passed_checks} passed, {len(summary.failed_checks)} failed."
    )
    if not summary.ok:
        sys.exit(1)


@main.command()
@click.option(
    "--warehouse",
    default="aispend.duckdb",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="DuckDB file to build.",
)
def demo(warehouse: str) -> None:
    """Build a warehouse from the bundled FOCUS sample and print the headline answers.

    \b
    Example:
      aispend demo && aispend sql "select * from marts.cost_by_provider"
    """
    from aispend.alerts import check_budgets
    from aispend.cli.run import run_pipeline
    from aispend.demo import demo_config, print_headlines
    from aispend.demo_scenario import DAY
    from aispend.report.build import write_report

    config = demo_config(warehouse)
    click.echo(
        f"Building {config.warehouse_path} from the bundled FOCUS 1.0 sample and the "
        "demo scenario ..."
    )
    summary = run_pipeline(config, None, click.echo)
    click.echo(f"Checks: {summary.passed_checks} passed, {len(summary.failed_checks)} failed.")
    # the scenario's budget as it stood on the scenario's day, not today
    check_budgets(config, month=f"{DAY:%Y-%m}", as_of=DAY.date())
    print_headlines(config, click.echo, _command_name())
    report = config.warehouse_path.with_name("report.html")
    write_report(config, report, f"{DAY:%Y-%m}")
    click.echo(f"\nThe same answers as a page: {report} (aispend report --period {DAY:%Y-%m})")
    if not summary.ok:
        sys.exit(1)


@main.command()
@click.argument("query")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.pass_obj
def sql(obj: Context, query: str, fmt: str) -> None:
    """Run a read-only query against the warehouse (QUERY '-' reads it from stdin).

    With ``store:`` set, the parquet store is read whichever engine built it.

    \b
    Example:
      aispend sql "select provider, sum(billed_cost) from marts.cost_lines group by 1"
      aispend sql --format json "select * from marts.cost_by_provider"
    """
    import duckdb

    from aispend.output import render
    from aispend.storage import open_warehouse
    from aispend.warehouse import WarehouseMissing

    config = obj.config(required=False)
    text = sys.stdin.read() if query == "-" else query
    try:
        con = open_warehouse(config).reader()
    except WarehouseMissing as exc:
        raise click.ClickException(str(exc)) from exc
    except duckdb.IOException as exc:
        raise click.ClickException(f"cannot open {config.warehouse_path}: {exc}") from exc
    try:
        cursor = con.execute(text)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall() if columns else []
    except (duckdb.PermissionException, duckdb.InvalidInputException) as exc:
        raise click.ClickException(
            f"refused: `aispend sql` is read-only and cannot touch files ({_first_line(exc)})"
        ) from exc
    except duckdb.Error as exc:
        raise click.ClickException(_first_line(exc)) from exc
    finally:
        con.close()
    click.echo(render(columns, rows, fmt))


@main.command()
@click.option("--period", metavar="YYYY-MM", help="Billing period (default: the latest loaded).")
@click.option(
    "--out",
    default="report.html",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the page.",
)
@click.pass_obj
def report(obj: Context, period: str | None, out: str) -> None:
    """Write one self-contained HTML page: spend, budgets, runs, idle waste, savings, freshness.

    \b
    Example:
      aispend report --period 2026-10 --out report.html
    """
    from aispend.periods import parse_period
    from aispend.report.build import NothingToReport, write_report
    from aispend.warehouse import WarehouseMissing

    if period is not None:
        try:
            parse_period(period)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--period") from exc
    try:
        shown = write_report(obj.config(required=False), Path(out), period)
    except (WarehouseMissing, NothingToReport) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Wrote {out} ({shown}).")


@main.command()
@click.option(
    "--dialect",
    type=click.Choice(["spark", "trino", "athena"]),
    required=True,
    help="The engine to register the store's tables in.",
)
@click.option("--database", default="aispend", show_default=True)
@click.pass_obj
def ddl(obj: Context, dialect: str, database: str) -> None:
    """Print the statements that register the parquet store's tables in Spark, Trino or Athena.

    \b
    Example:
      aispend ddl --dialect trino > register.sql    # then run it in the Trino CLI
      aispend ddl --dialect spark | spark-sql -f /dev/stdin
    """
    from aispend.sql_models import sql_project
    from aispend.storage import open_warehouse

    try:
        found = open_warehouse(obj.config()).ddl(sql_project(), dialect, database)
    except ValueError as exc:
        raise ConfigProblem(str(exc)) from exc
    for statement in found:
        click.echo(statement + ";")


@main.command()
@click.option("--spark-sql", metavar="MODEL", help="Print MODEL transpiled to Spark SQL.")
@click.pass_obj
def models(obj: Context, spark_sql: str | None) -> None:
    """List the SQL models and checks, with what each depends on.

    \b
    Example:
      aispend models
      aispend models --spark-sql marts.run_cost   # the model as engine: spark runs it
    """
    from aispend.sql_models import sql_project
    from dbt_like.spark_sql import to_spark

    project = sql_project()
    if spark_sql:
        if spark_sql not in project.models:
            raise click.ClickException(f"no model named {spark_sql!r} (see `aispend models`)")
        node = project.models[spark_sql]
        click.echo(
            f"-- {node.name} as Spark SQL; tables are views named schema__table, "
            "parameters are :name"
        )
        click.echo(to_spark(node.sql, pretty=True))
        return
    click.echo("Models (in run order):")
    for node in project.ordered():
        reads = project.dependencies(node) + project.external_tables(node)
        click.echo(f"  {node.name}  [{node.materialized}]  grain: {node.grain or '-'}")
        click.echo(f"      reads: {', '.join(reads) or '-'}")
    click.echo("Checks (zero rows returned = pass):")
    for check in project.checks:
        scope = " per source" if "source" in check.params else ""
        click.echo(f"  {check.name}  [{check.severity}{scope}]  on {project.check_target(check)}")


@main.command()
def kinds() -> None:
    """List the source kinds this version reads, how each is partitioned, and its options.

    \b
    Example:
      aispend kinds
    """
    from connectors.registry import COMMON_OPTIONS, KINDS

    click.echo(f"Every source takes: {', '.join(sorted(COMMON_OPTIONS))}.")
    for kind in KINDS.values():
        partition = "by billing period" if kind.is_billing else "by UTC day"
        click.echo(f"  {kind.name:<12} {partition:<18} {kind.reads}")
        click.echo(f"  {'':<12} {'options:':<18} {', '.join(sorted(kind.options)) or '-'}")


@main.command()
@click.pass_obj
def status(obj: Context) -> None:
    """Show the last load of each (source, period) and the errors of failed ones.

    \b
    Example:
      aispend status
    """
    from aispend.status import status_report
    from aispend.warehouse import WarehouseMissing

    try:
        click.echo(status_report(obj.config(required=False)))
    except WarehouseMissing as exc:
        raise click.ClickException(str(exc)) from exc


def _command_name() -> str:
    """How the user can call us again: plain ``aispend`` if it is on PATH, else its path."""
    import shutil

    if shutil.which("aispend"):
        return "aispend"
    invoked = Path(sys.argv[0])
    try:
        return str(invoked.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(invoked)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0]
