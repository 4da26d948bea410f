"""Run every benchmark and write benchmarks/README.md (``make bench``).

    .venv/bin/python benchmarks/run_all.py [--only NAME ...] [--skip NAME ...] [--render-only]

Each benchmark runs as its own process; its raw output is kept in ``benchmarks/data/results/``
(git-ignored), and the README is rendered from those files: the machine (nproc, memory, CPU,
Python), the date, a headline table, then one section per benchmark. A benchmark that did not
run this time keeps its last section (from the results file, or the README as it was), marked
with the date it was measured. Nothing in the README is typed by hand: every figure comes from
a results file. Slow: the whole suite takes one to two hours on a 2-vCPU machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.sections import (  # noqa: E402
    e2e_section,
    headline,
    jira_section,
    map_check_section,
    reports_section,
    traffic_sections,
)

BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "data" / "results"
README = BENCH / "README.md"
PY = sys.executable


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str  # the README section heading (without "## ")
    command: list[str]
    #: results text -> section body (without the heading); None: the output *is* the section.
    render: Callable[[str], str] | None
    output: str  # file in RESULTS holding the raw output


# Run from the repository root with PYTHONPATH set to it (see ``run``).
ZENDESK_SECTION = (
    "from benchmarks.zendesk_api_calls import measure, render; print(render(measure(10_000, 1_000, 7)))"
)

BENCHMARKS = (
    # 100,000 complaints end to end: 50,000 in each helpdesk.
    Benchmark("e2e", "End to end at 100,000 complaints",
              [PY, str(BENCH / "e2e.py"), "--complaints", "50000",
               "--json", str(RESULTS / "e2e-100000.json")], e2e_section, "e2e-100000.json"),
    Benchmark("traffic", "End to end, API calls and write-back at 2 x 10,000 complaints",
              [PY, str(BENCH / "e2e.py"), "--complaints", "10000", "--writeback", "--changes", "100",
               "--json", str(RESULTS / "e2e-10000.json")], traffic_sections, "e2e-10000.json"),
    Benchmark("map_check", "Map + check",
              [PY, str(BENCH / "map_check.py"), "--platform", "jira", "zendesk",
               "--complaints", "100000"], map_check_section, "map_check.txt"),
    Benchmark("zendesk_api_calls", "Zendesk API calls",
              [PY, "-c", ZENDESK_SECTION], None, "zendesk_api_calls.md"),
    Benchmark("jira_api_calls", "Jira API calls",
              [PY, "-m", "benchmarks.jira_api_calls", "--issues", "10000"], jira_section,
              "jira_api_calls.json"),
    Benchmark("reports", "Reports",
              [PY, str(BENCH / "reports.py"), "--complaints", "100000"], reports_section, "reports.txt"),
    Benchmark("service", "Service", [PY, str(BENCH / "service.py")], None, "service.md"),
    Benchmark("dashboard", "Dashboard", [PY, str(BENCH / "dashboard.py")], None, "dashboard.md"),
)


def _shown(command: list[str]) -> str:
    """The command as a reader would type it from the repository root (no absolute paths)."""
    root = f"{ROOT}/"
    return " ".join(["python", *(c.removeprefix(root) for c in command[1:])])


def described(m: dict[str, str]) -> str:
    """A machine as a section's stamp names it (sections may come from different machines)."""
    return f"{m['nproc']} vCPUs, {m['cpu']}, {m['memory']} RAM, Python {m['python']}"


def merged_headline(new: str, previous: str | None) -> str:
    """The headline table: rows measured now replace the previous README's rows of the same
    figure; rows whose results file is absent (not re-measured) are carried over."""
    def rows(text: str | None) -> dict[str, str]:
        found = re.findall(r"^\| (?!what \|)(.+?) \| (.+) \|$", text or "", flags=re.MULTILINE)
        return {what: value for what, value in found if not set(what) <= set("-|")}

    table = rows(previous) | rows(new)
    if not table:
        return ""
    body = "\n".join(f"| {what} | {value} |" for what, value in table.items())
    return f"## Headline figures\n\n| what | measured |\n|---|---|\n{body}\n"


def machine() -> dict[str, str]:
    """nproc, memory, CPU model, Python, OS: what the figures were measured on."""
    mem = "unknown"
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 2**20:.0f} GiB"
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"nproc": str(os.cpu_count()), "memory": mem, "cpu": cpu,
            "python": platform.python_version(), "os": platform.platform(terse=True)}


def run(bench: Benchmark) -> None:
    """Run one benchmark; its output goes to RESULTS (and a ``.meta.json`` with date/machine)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / bench.output
    log = RESULTS / f"{bench.name}.log"
    print(f"== {bench.name}: {' '.join(bench.command[1:])}", flush=True)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as errors:
        done = subprocess.run(bench.command, stdout=subprocess.PIPE, stderr=errors, text=True,
                              cwd=ROOT, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(f"   FAILED (exit {done.returncode}) after {seconds:.0f} s; see {log}", flush=True)
        return
    if bench.name not in ("e2e", "traffic"):  # those write their JSON file themselves
        target.write_text(done.stdout, encoding="utf-8")
    meta = {"date": datetime.now(UTC).date().isoformat(), "seconds": round(seconds),
            "machine": machine(), "command": _shown(bench.command)}
    (RESULTS / f"{bench.name}.meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    print(f"   done in {seconds:.0f} s", flush=True)


def old_sections(text: str) -> dict[str, str]:
    """The README's current sections by heading (for benchmarks that have no results file)."""
    parts = re.split(r"^## ", text, flags=re.MULTILINE)
    return {p.split("\n", 1)[0].strip(): "## " + p.rstrip() + "\n" for p in parts[1:]}


def section(bench: Benchmark, previous: dict[str, str]) -> str | None:
    target = RESULTS / bench.output
    meta_path = RESULTS / f"{bench.name}.meta.json"
    if not (target.exists() and meta_path.exists()):
        old = previous.get(bench.title)
        if old is None:
            return None
        # Our own earlier note is not a measurement date: drop it, then look for one.
        old = re.sub(r"\n_Not re-measured by `benchmarks/run_all.py`[^\n]*\n?", "\n", old)
        dated = re.search(r"\b20\d\d-\d\d-\d\d\b", old)
        note = ("" if dated else "\n_Not re-measured by `benchmarks/run_all.py` (no results file): "
                "carried over from the previous README, measured 2026-11-22 or earlier on a "
                "2-vCPU machine._\n")
        return old.rstrip() + "\n" + note
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    raw = target.read_text(encoding="utf-8")
    body = bench.render(raw) if bench.render else raw.split("\n", 1)[1] if raw.startswith("## ") else raw
    note = f" {meta['note']}" if meta.get("note") else ""
    stamp = (f"_Measured {meta['date']} with `{meta['command']}` ({meta['seconds'] / 60:.0f} min) "
             f"on {described(meta['machine'])}.{note}_\n")
    return f"## {bench.title}\n\n{stamp}\n{body.strip()}\n"


def render_readme() -> str:
    previous = old_sections(README.read_text(encoding="utf-8")) if README.exists() else {}
    m = machine()
    metas = [json.loads(p.read_text(encoding="utf-8")) for p in RESULTS.glob("*.meta.json")]
    dates = sorted({meta["date"] for meta in metas})
    head = f"""# Benchmarks

`make bench` (= `.venv/bin/python benchmarks/run_all.py`) runs every benchmark below, each in
its own process, and rewrites this file from their results (kept in `benchmarks/data/results/`,
not committed). Every figure here comes from a measurement; a section that was not re-measured
says when it was.

Each section names the machine it was measured on (`nproc` vCPUs, CPU model, RAM, Python);
this run's: {described(m)}, {m['os']}. Measured {', '.join(dates) if dates else 'never'} (UTC).
The machines are shared with other jobs, so wall times are upper bounds; compare figures
measured on different CPUs with care.

{merged_headline(headline(RESULTS), previous.get("Headline figures"))}
"""
    sections = [s for b in BENCHMARKS if (s := section(b, previous))]
    known = {b.title for b in BENCHMARKS}
    sections += [text for title, text in previous.items()
                 if title not in known and title != "Headline figures"]
    return head.rstrip() + "\n\n" + "\n".join(sections)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    names = [b.name for b in BENCHMARKS]
    parser.add_argument("--only", nargs="+", choices=names, default=None)
    parser.add_argument("--skip", nargs="+", choices=names, default=[])
    parser.add_argument("--render-only", action="store_true", help="only rewrite the README")
    args = parser.parse_args()
    if not args.render_only:
        # The longest one last, so the others are done if it has to be stopped.
        for bench in sorted(BENCHMARKS, key=lambda b: b.name == "e2e"):
            if (args.only is None or bench.name in args.only) and bench.name not in args.skip:
                run(bench)
    README.write_text(render_readme(), encoding="utf-8")
    print(f"wrote {README}")


if __name__ == "__main__":
    main()
