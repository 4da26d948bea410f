"""Map + check benchmark. Run on demand; not a test.

    .venv/bin/python benchmarks/map_check.py [--platform jira zendesk] [--complaints 100000]
        [--seed 1] [--profile]

Generates N realistic complaints (about 20 events each) as raw API pages to
``benchmarks/data/`` (git-ignored; reused when present), then measures, each in a fresh
subprocess so peak RSS belongs to that measurement alone:

(a) ``json.loads`` of every line of the file;
(b) the full offline pipeline, ``connector.files.evaluate_files`` with the baseline policy
    (streamed: results are counted, never kept), with the collector set as ``iso10002 check``
    sets it (``connector.gc_tuning.tune_gc_for_batch``).

Prints wall times, the ratio (b)/(a), the same in CPU time (``getrusage``: steadier than wall
time on a shared machine) and the peak RSS of each. Targets: ratio <= 3, peak < 1 GiB.
``--profile`` also runs (b) under cProfile on a smaller file and prints the top hotspots.
``--phases`` splits the CPU of (b) without a profiler (which inflates Python calls about 3x):
reading (both passes over the file, JSON and history compaction), mapping, checks (with waivers).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
END = "2026-11-20T17:00:00+00:00"
AS_OF = "2026-11-22T09:00:00+00:00"
MAPPING_PLATFORM = {"jira": "jira", "jira-dc": "jira", "zendesk": "zendesk"}


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure_loads(path: Path) -> dict[str, float]:
    start, cpu = time.perf_counter(), _cpu_seconds()
    lines = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            json.loads(line)
            lines += 1
    return {"seconds": time.perf_counter() - start, "cpu_seconds": _cpu_seconds() - cpu,
            "peak_mib": _peak_mib(), "lines": lines}


def measure_pipeline(path: Path, platform: str) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from compliance_checks import BASELINE_POLICY, load_policy
    from connector.files import RunSummary, evaluate_files
    from connector.gc_tuning import tune_gc_for_batch
    from mappings.loader import default_mapping_path, load_mapping

    tune_gc_for_batch()  # as `iso10002 check` does
    mapping = load_mapping(default_mapping_path(MAPPING_PLATFORM[platform]))
    policy = load_policy(BASELINE_POLICY)
    summary = RunSummary()
    start, cpu = time.perf_counter(), _cpu_seconds()
    findings = 0
    for result in evaluate_files(
        [path], mapping, policy, as_of=datetime.fromisoformat(AS_OF), summary=summary
    ):
        findings += len(result.findings)
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": _cpu_seconds() - cpu,
        "peak_mib": _peak_mib(),
        "complaints": summary.complaints,
        "findings": findings,
        "mapping_errors": len(summary.mapping_errors),
    }


def measure_phases(path: Path, platform: str) -> dict[str, float]:
    """(b) split by step, CPU seconds: the same pieces ``evaluate_files`` streams, timed apart."""
    sys.path.insert(0, str(ROOT))
    from compliance_checks import BASELINE_POLICY, load_policy
    from connector.checking import Checker
    from connector.gc_tuning import tune_gc_for_batch
    from connector.inputs import file_bundles
    from mappings.assemble import Assembler
    from mappings.loader import default_mapping_path, load_mapping

    tune_gc_for_batch()
    mapping = load_mapping(default_mapping_path(MAPPING_PLATFORM[platform]))
    policy = load_policy(BASELINE_POLICY)
    as_of = datetime.fromisoformat(AS_OF)
    checker = Checker(policy, as_of)
    spent = {"reading": 0.0, "mapping": 0.0, "checks": 0.0}
    complaints = 0
    bundles = file_bundles([path], Assembler(mapping.spec, as_of=as_of))
    while True:
        started = _cpu_seconds()
        ticket = next(bundles, None)
        spent["reading"] += _cpu_seconds() - started
        if ticket is None:
            break
        started = _cpu_seconds()
        mapped = ticket[1].map()
        spent["mapping"] += _cpu_seconds() - started
        if mapped.record is None:
            continue
        complaints += 1
        started = _cpu_seconds()
        checker.evaluate(_Mapped(mapped))  # the checks and waivers of Checker.evaluate
        spent["checks"] += _cpu_seconds() - started
    return {**spent, "cpu_seconds": sum(spent.values()), "complaints": complaints}


class _Mapped:
    """A bundle already mapped (its mapping was timed apart)."""

    def __init__(self, mapped: Any) -> None:
        self._mapped = mapped

    def map(self) -> Any:
        return self._mapped


def _child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", *args], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def dataset(platform: str, complaints: int, seed: int) -> Path:
    """The generated file for these parameters (generated once, then reused)."""
    sys.path.insert(0, str(ROOT))
    from devtools.generator import GeneratorConfig, write_jsonl

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"{platform}-{complaints}-seed{seed}.jsonl"
    if not path.exists():
        started = time.perf_counter()
        config = GeneratorConfig(complaints=complaints, end=datetime.fromisoformat(END), seed=seed)
        partial = path.with_suffix(".partial")
        write_jsonl(partial, platform, config)
        partial.rename(path)
        print(f"  generated {path.name} in {time.perf_counter() - started:.0f} s")
    return path


def profile(path: Path, platform: str, top: int = 25) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    measure_pipeline(path, platform)
    profiler.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--platform", nargs="+", default=["jira", "zendesk"], choices=sorted(MAPPING_PLATFORM)
    )
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile (b) on a 5,000-complaint file")
    parser.add_argument("--phases", action="store_true", help="CPU of (b) by step: reading, mapping, checks")
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)  # internal: child process
    args = parser.parse_args()
    if args.measure:
        kind, path, *rest = args.measure
        measures = {"pipeline": measure_pipeline, "phases": measure_phases}
        result = measure_loads(Path(path)) if kind == "loads" else measures[kind](Path(path), rest[0])
        print(json.dumps(result))
        return
    for platform in args.platform:
        print(f"{platform}: {args.complaints:,} complaints")
        path = dataset(platform, args.complaints, args.seed)
        size_mib = path.stat().st_size / 2**20
        loads = _child("loads", str(path))
        pipeline = _child("pipeline", str(path), platform)
        ratio = pipeline["seconds"] / loads["seconds"]
        print(f"  file              {size_mib:,.0f} MiB, {loads['lines']:,.0f} pages")
        print(f"  (a) json.loads    {loads['seconds']:.1f} s   peak RSS {loads['peak_mib']:,.0f} MiB")
        print(
            f"  (b) map + check   {pipeline['seconds']:.1f} s   peak RSS {pipeline['peak_mib']:,.0f} MiB   "
            f"({pipeline['complaints']:,.0f} complaints, {pipeline['findings']:,.0f} findings, "
            f"{pipeline['mapping_errors']:,.0f} mapping errors)"
        )
        print(
            f"  ratio (b)/(a)     {ratio:.2f} (target <= 3)  peak (b) < 1 GiB: {pipeline['peak_mib'] < 1024}"
        )
        cpu_ratio = pipeline["cpu_seconds"] / loads["cpu_seconds"]
        print(
            f"  cpu ratio (b)/(a) {cpu_ratio:.2f} ((a) {loads['cpu_seconds']:.1f} s, "
            f"(b) {pipeline['cpu_seconds']:.1f} s CPU; load average {os.getloadavg()[0]:.1f})"
        )
        if args.phases:
            split = _child("phases", str(path), platform)
            print(
                f"  (b) by step, CPU  reading {split['reading']:.2f} s, mapping {split['mapping']:.2f} s, "
                f"checks {split['checks']:.2f} s (of {split['cpu_seconds']:.2f} s)"
            )
        if args.profile:
            small = dataset(platform, 5_000, args.seed)
            print(profile(small, platform))


if __name__ == "__main__":
    main()
