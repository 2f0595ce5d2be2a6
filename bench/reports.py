"""Where every benchmark keeps its figures: one dated JSON file per benchmark and day under
``bench/results/`` (or ``--results``), so runs on different days sit side by side."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def add_results_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help="folder for the JSON results (default bench/results)",
    )


def write_results(folder: Path, name: str, report: dict[str, Any]) -> Path:
    """Writes ``report`` (which carries an ISO ``date``) as ``<name>_<day>.json``."""
    out = folder / f"{name}_{report['date'][:10]}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return out
