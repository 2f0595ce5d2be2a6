"""What the ``aispend`` command prints and returns when something goes wrong.

A nightly job is read by a scheduler and a person: the scheduler needs an exit code that says
whose move it is (fix the config, or look at the data), the person one line that names what and
where. Tracebacks and library chatter (Dagster's beta warnings, DuckDB's nanobind leak report at
interpreter exit) bury that line, so they are shown only with ``--debug``.

Exit codes:
  0  everything loaded and every check passed
  1  data: a partition, file, check or alert sink failed (the rest was loaded or sent)
  2  config or usage: no config, an invalid key, a bad option
  3  anything else (a bug or the environment: disk full, warehouse locked); ``--debug`` shows
     the traceback
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import warnings
from typing import Any

import click

from aispend.redact import redact

OK, DATA, CONFIG, OTHER = 0, 1, 2, 3


class AispendFailure(click.ClickException):
    """An error the user acts on, with its exit code (DATA unless said otherwise)."""

    def __init__(self, message: str, exit_code: int = DATA):
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click declares it on the class


class ConfigProblem(AispendFailure):
    def __init__(self, message: str):
        super().__init__(message, CONFIG)


def quiet_libraries() -> None:
    """Silence what libraries print on their own: warnings (Dagster's Beta/Preview/Deprecation
    notices among them) and Dagster's own log lines below errors."""
    warnings.filterwarnings("ignore")
    logging.getLogger("dagster").setLevel(logging.CRITICAL)
    os.environ.setdefault("PYTHONWARNINGS", "ignore")  # inherited by spawned load workers


def silence_exit_noise() -> None:
    """Send stderr to /dev/null once every atexit handler has run (this one is registered
    first, so it runs last): DuckDB's bindings report objects still alive at interpreter
    teardown ("nanobind: leaked ...") after the command's own output is complete."""

    def _close_stderr() -> None:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
        except OSError:
            pass

    atexit.register(_close_stderr)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def classify(exc: BaseException) -> tuple[int, str]:
    """The exit code and one line for an exception no command caught itself, secrets masked."""
    code, line = _classify(exc)
    return code, redact(line)


def _classify(exc: BaseException) -> tuple[int, str]:
    from aispend.errors import ConfigError, InputError, InputProblemError

    if isinstance(exc, ConfigError):
        return CONFIG, first_line(exc)
    if isinstance(exc, InputError | InputProblemError):
        return DATA, first_line(exc)
    if isinstance(exc, FileNotFoundError):
        return DATA, first_line(exc)
    if isinstance(exc, PermissionError):
        return DATA, f"permission denied: {exc.filename or first_line(exc)}"
    return OTHER, f"{type(exc).__name__}: {first_line(exc)} (run with --debug for the traceback)"


class GuardedGroup(click.Group):
    """A click group whose standalone run turns an uncaught exception into one line and its
    exit code (tracebacks and library noise only with ``--debug``). CliRunner goes through
    it too, so tests see what a user sees."""

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv
        if not debug:
            quiet_libraries()
            silence_exit_noise()
        try:
            super().main(argv, prog_name, complete_var, False, **extra)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            if isinstance(exc, click.UsageError):
                exc.show()
            else:
                click.echo(f"Error: {redact(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except Exception as exc:  # noqa: BLE001 - the last line of defence, by design
            if debug:
                raise
            code, line = classify(exc)
            click.echo(f"Error: {line}", err=True)
            sys.exit(code)
        sys.exit(OK)
