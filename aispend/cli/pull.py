"""``aispend pull``: fetch the last days of a model API's cost and usage pages into a source's
folder, for the nightly run to load. The admin key comes from the environment only."""

from __future__ import annotations

import os
from pathlib import Path

import click

from aispend.cli.commands import Context, main
from aispend.cli.exit_codes import AispendFailure, ConfigProblem
from aispend.redact import redact
from connectors.model_api.pull import PullError, pull


@main.command(name="pull")
@click.argument("source_name", metavar="SOURCE")
@click.option(
    "--days",
    type=click.IntRange(1, 31),
    default=3,
    show_default=True,
    help="Whole UTC days to fetch before today (today so far is fetched too).",
)
@click.pass_obj
def pull_command(obj: Context, source_name: str, days: int) -> None:
    """Fetch a source's pages from its provider's admin API into the source's folder.

    The admin key is read from the environment variable the kind names (OPENAI_ADMIN_KEY,
    ANTHROPIC_ADMIN_KEY); it is sent over https only and never printed or stored. A day pulled
    again replaces the earlier pull of that day when loaded.

    \b
    Example:
      export OPENAI_ADMIN_KEY=...   # an admin key, not a project key
      aispend pull openai_org --days 3 && aispend run
    """
    config = obj.config()
    source = next((s for s in config.sources if s.name == source_name), None)
    if source is None:
        known = ", ".join(s.name for s in config.sources) or "none"
        raise ConfigProblem(f"no source named {source_name!r} in the config (sources: {known})")
    spec = source.source_kind.pull
    if spec is None:
        raise ConfigProblem(f"source {source_name!r} ({source.kind}) has no API to pull from")
    key = os.environ.get(spec.key_env, "").strip()
    if not key:
        raise ConfigProblem(f"set {spec.key_env} to an admin key to pull {source_name!r}")
    folder = config.source_path(source)
    if "://" in folder:
        raise ConfigProblem(f"source {source_name!r}: pull writes to a local folder, not {folder}")
    try:
        files = pull(spec, key, Path(folder), days, base_url=source.endpoint_url)
    except PullError as exc:
        raise AispendFailure(redact(f"{source_name}: {exc}", [key])) from None
    for path in files:
        click.echo(f"Wrote {path}")
