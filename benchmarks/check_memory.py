"""Memory and CPU of a store ``check`` against the number of stored complaints.

    .venv/bin/python benchmarks/check_memory.py --complaints 2000 20000 [--json F] [--work DIR]

For each N: the in-process Zendesk sandbox is seeded by ``devtools.generator`` (N realistic
complaints over 180 days) and synced into a fresh SQLite store (not measured); then, each in a
fresh child process so its peak RSS (``ru_maxrss``) is its own:

- ``evaluate``: ``Pipeline.check`` as ``iso10002 check`` runs it (every complaint mapped from
  its stored version, checked, the run appended to the hash chain);
- ``verify``: ``verify_chain`` over the store (two runs by then).

Peak RSS is the child's ``VmHWM``; CPU seconds its user+system time (steadier than wall time
on a shared machine; the 1-minute load average is recorded with each wall time).
With ``--baseline DIR`` (an older checkout, e.g. ``git archive <commit> | tar -x -C DIR``)
the store is also copied, migrated down to revision 0002, checked by that code (``evaluate``
as before), migrated up again and verified by this code (``verify_old_runs``: runs appended
by the old code must still verify). Prints one JSON document (also written to ``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _usage() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # VmHWM, not ru_maxrss: a forked child inherits its parent's ru_maxrss (and the parent
    # holds the sandbox it built the store from).
    with open("/proc/self/status", encoding="utf-8") as status:
        peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    return {"cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "peak_mib": round(peak_kib / 1024)}


def _pipeline(work: Path) -> Any:
    from connector.config import AppConfig
    from connector.pipeline import Pipeline, load_evaluator
    from connector.store import Store

    config = AppConfig.model_validate(json.loads((work / "config.json").read_text(encoding="utf-8")))
    as_of = datetime.fromisoformat((work / "as_of.txt").read_text(encoding="utf-8").strip())
    return Pipeline(config, Store(f"sqlite:///{work / 'store.db'}"), load_evaluator(config),
                    clock=lambda: as_of)


def build(complaints: int, work: Path) -> dict[str, Any]:
    """Seed a realistic sandbox and sync it into ``work/store.db`` (in this process)."""
    from connector.config import AppConfig
    from connector.pipeline import Pipeline, load_evaluator
    from connector.store import Store
    from devtools.generator import GeneratorConfig
    from devtools.sandboxes.zendesk import SandboxServer, SandboxState
    from tests.zendesk import scenarios as sc

    end = datetime.fromtimestamp(sc.START, UTC) - timedelta(hours=1)
    state = SandboxState.realistic(GeneratorConfig(complaints=complaints, end=end, seed=1), start=sc.START)
    state.limits.incremental_per_minute = 30  # virtual clock: waits cost no wall time
    state.limits.account_per_minute = 100_000
    server = SandboxServer(state).start()
    try:
        source = sc.sandbox_source(server, include_metric_events=False, per_page=1000,
                                   events_per_page=1000,
                                   rate_limits={"account_per_minute": 100_000,
                                                "incremental_per_minute": 30})
        client = sc.sandbox_client(server, source)
        config = AppConfig.model_validate({"sources": [source.model_dump(mode="json")],
                                           "sync": {"initial_since": "2025-01-01T00:00:00Z"}})
        store = Store(f"sqlite:///{work / 'store.db'}")
        pipeline = Pipeline(config, store, load_evaluator(config), clock=lambda: sc.virtual_now(server),
                            client_factory=lambda _s: client)
        started = time.perf_counter()
        outcomes, errors = pipeline.sync()
        if errors:
            raise SystemExit(f"sync failed: {errors}")
        (work / "config.json").write_text(json.dumps(config.model_dump(mode="json")), encoding="utf-8")
        (work / "as_of.txt").write_text(sc.virtual_now(server).isoformat(), encoding="utf-8")
        store.close()
        return {"tickets": outcomes[0].tickets, "sync_wall_s": round(time.perf_counter() - started, 1)}
    finally:
        server.stop()


def child(step: str, work: Path) -> dict[str, Any]:
    started = time.perf_counter()
    pipeline = _pipeline(work)
    out: dict[str, Any] = {}
    try:
        if step == "evaluate":
            outcome = pipeline.check(kind="check")
            out = {"tickets": outcome.tickets, "stored": outcome.stored}
        elif step == "verify":
            from connector.store.runs import verify_chain

            with pipeline.store.session() as session:
                runs, problems = verify_chain(session)
            out = {"runs": runs, "problems": len(problems)}
        else:
            raise SystemExit(f"unknown step {step}")
    finally:
        pipeline.close()
    return {**out, "wall_s": round(time.perf_counter() - started, 1), **_usage()}


def measure(step: str, work: Path, code: Path = ROOT) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", step, "--work", str(work),
                           "--code", str(code)],
                          capture_output=True, text=True, check=True, cwd=code,
                          env={**os.environ, "PYTHONPATH": str(code)})
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_1m"] = os.getloadavg()[0]
    return result


def _migrate(store: Path, revision: str, *, down: bool) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from connector.store.engine import _alembic_config

    engine = create_engine(f"sqlite:///{store}")
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
    engine.dispose()


def compare(work: Path, baseline: Path) -> dict[str, Any]:
    """The baseline code's check on a copy of the store (schema of revision 0002)."""
    old = work / "baseline"
    old.mkdir(exist_ok=True)
    for name in ("config.json", "as_of.txt", "store.db"):
        shutil.copyfile(work / name, old / name)
    _migrate(old / "store.db", "0002", down=True)
    print("baseline: evaluate…", file=sys.stderr, flush=True)
    result = {"evaluate": measure("evaluate", old, baseline)}
    _migrate(old / "store.db", "head", down=False)
    result["verify_old_runs"] = measure("verify", old)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--complaints", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--baseline", type=Path, default=None, help="older code to compare with")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(args.code if args.child else ROOT))
    if args.child:
        print(json.dumps(child(args.child, args.work)))
        return
    base = args.work or Path(tempfile.mkdtemp(prefix="check-memory-"))
    results: dict[str, Any] = {"date": datetime.now(UTC).date().isoformat(), "sizes": {}}
    for n in args.complaints:
        work = base / str(n)
        work.mkdir(parents=True, exist_ok=True)
        entry: dict[str, Any] = {}
        if not (work / "store.db").exists():
            print(f"building a store of {n:,} complaints…", file=sys.stderr, flush=True)
            entry["build"] = build(n, work)
        if not args.build_only:
            for step in ("evaluate", "verify"):
                print(f"{n:,}: {step}…", file=sys.stderr, flush=True)
                entry[step] = measure(step, work)
            if args.baseline:
                entry["baseline"] = compare(work, args.baseline)
        results["sizes"][str(n)] = entry
        print(json.dumps({n: entry}), file=sys.stderr, flush=True)
    text = json.dumps(results, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
