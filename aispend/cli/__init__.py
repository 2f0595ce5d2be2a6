"""The ``aispend`` command: the top layer. Its run entry (run.py) drives the Dagster graph in
process; every other command talks to the warehouse core directly."""

from aispend.cli import budgets as _budgets  # noqa: F401  (registers the subcommand)
from aispend.cli import pull as _pull  # noqa: F401  (registers the subcommand)
from aispend.cli.commands import main

__all__ = ["main"]
