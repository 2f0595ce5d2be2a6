"""Errors of the warehouse core; the input errors are the connectors' own, re-exported."""

from __future__ import annotations

from connectors.errors import InputError, InputProblem, InputProblemError

__all__ = ["ConfigError", "InputError", "InputProblem", "InputProblemError"]


class ConfigError(Exception):
    """aispend.yaml is missing, unreadable or invalid; the message names the file and key."""
