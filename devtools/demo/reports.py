"""The demo's reports: register, KPI, audit and review, rendered by ``iso10002 report``.

Each one is a separate ``iso10002 report KIND -c iso10002.yaml`` command reading the history
store (the ticket versions and the findings the run recorded), for the whole period the
sandboxes cover, as of the time the run recorded (so the reports reproduce that evaluation
exactly, whatever the clock says when they are rendered). The register also goes out as XLSX.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

#: (kind, format) in the order they are rendered.
REPORTS = (("register", "html"), ("register", "xlsx"), ("kpi", "html"), ("audit", "html"),
           ("review", "html"))
Run = Callable[[list[str], Path], subprocess.CompletedProcess[str]]


def render_all(config: Path, out: Path, run: Run, *, as_of: datetime, days: int,
               logs: Path) -> tuple[list[Path], float]:
    """Render every report into ``out`` as of ``as_of``; returns the paths and the seconds taken."""
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    first = (as_of - timedelta(days=days)).date().isoformat()
    written: list[Path] = []
    for kind, fmt in REPORTS:
        target = out / f"{kind}.{fmt}"
        done = run(["report", kind, "-c", str(config), "--from", first,
                    "--to", as_of.date().isoformat(), "--as-of", as_of.isoformat(),
                    "--format", fmt, "--out", str(target)], logs / f"report-{kind}-{fmt}.log")
        if done.returncode != 0:
            raise RuntimeError(f"iso10002 report {kind} exited {done.returncode}; "
                               f"see {logs / f'report-{kind}-{fmt}.log'}")
        written.append(target)
    return written, time.monotonic() - started
