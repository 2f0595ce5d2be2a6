"""One benchmark step in a fresh child process: its seconds, and its peak memory from VmHWM
(``ru_maxrss`` would report the parent's size at fork)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: Appended to a step's code, which sets SECONDS; prints the step's result as its last line.
PEAK = (
    "import json, re; print(json.dumps({'peak_mib': int(re.search(r'VmHWM:\\s+(\\d+)', "
    "open('/proc/self/status').read()).group(1)) // 1024, 'seconds': SECONDS}))"
)


def child(code: str, show: int = 0, cwd: Path = ROOT, only: tuple[str, ...] = ()) -> dict[str, Any]:
    """Runs a step; ``show``: how many of its last output lines to print (what it did). The
    result carries the step's ``Done:`` line, if it printed one, as ``summary``. ``cwd``: the
    source tree the step imports from (another checkout, to time an earlier version); ``only``:
    of the lines shown, those holding one of these strings."""
    done = subprocess.run(
        [sys.executable, "-c", code + "\n" + PEAK], cwd=cwd, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"step failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    for line in lines[-show - 1 : -1] if show else []:
        if not only or any(part in line for part in only):
            print(f"    | {line}")
    result: dict[str, Any] = json.loads(lines[-1])
    result["summary"] = next((line.strip() for line in lines if line.startswith("Done:")), "")
    return result
