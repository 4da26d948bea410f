"""End to end on realistic data: sandboxes -> sync -> store -> check -> reports (-> write-back).

    .venv/bin/python benchmarks/e2e.py --complaints 100000 [--writeback --changes 100] [--json F]

The Zendesk and Jira Cloud sandboxes run as their own processes (seeded by devtools.generator,
N complaints each over 180 days ending now), so their memory is not the connector's. Every
connector step runs in a fresh child process; its wall time and peak RSS (``wait4``) are
measured, and API calls are counted by the sandboxes. Zendesk's rate-limit waits are *virtual*:
the client's clock advances instead of sleeping (the time it would have waited at the
configured 30 requests/minute is reported separately), so the wall time is the connector's work.

Steps: full sync per source; check (every complaint, as ``iso10002 check``); reports from the
store (``iso10002 report``, one command per report, then register + KPI + audit again as one
command sharing one read and one pass); an incremental sync with nothing changed; a per-ticket read of a
sample (the approach the exports replace); with ``--writeback``: write-back of every flagged
ticket, then an agent replies on ``--changes`` flagged tickets per source and sync + check +
write-back run again (write calls per changed ticket).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.demo import sandboxes  # noqa: E402
from devtools.demo.config import write_config  # noqa: E402
from devtools.demo.sandboxes import Sandbox, Secrets  # noqa: E402
from devtools.demo.summary import split_calls  # noqa: E402
from devtools.generator.people import LEADS  # noqa: E402

SOURCES = ("zendesk", "jira")
SAMPLE = 200
REPORTS = (("register", "csv"), ("kpi", "html"), ("audit", "html"), ("review", "html"))
#: The reports target's kinds (register, KPI, audit), rendered again by one ``iso10002 report`` command.
SHARED = ("register", "kpi", "audit")


# -- child steps (run in a fresh process each) ----------------------------------------------


class VirtualTime:
    """A monotonic clock that jumps instead of sleeping; remembers how long it 'waited'."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += max(seconds, 0.0)


def _pipeline(config: Path, clock: VirtualTime) -> Any:
    from connector.pipeline import make_client, open_pipeline
    from connector.platforms.zendesk.commands import open_client
    from connector.platforms.zendesk.secrets import SecretSource

    def client(source: Any) -> Any:
        if source.platform == "zendesk":
            return open_client(source, secrets=SecretSource(source.secrets_file),
                               sleeper=clock.sleep, clock=clock.now)
        return make_client(source)

    return open_pipeline(config, client_factory=client)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(step: str, config: Path, source: str | None) -> dict[str, Any]:
    clock = VirtualTime()
    pipeline = _pipeline(config, clock)
    started = time.perf_counter()
    out: dict[str, Any] = {}
    try:
        if step == "sync" and source is not None:
            outcome = pipeline.syncer(source).sync(datetime.now(UTC))
            out = {"tickets": outcome.tickets, "versions": outcome.new_versions,
                   "client_calls": outcome.api_calls}
        elif step == "check":
            result = pipeline.check(kind="run")
            out = {"tickets": result.tickets, "statuses": dict(result.statuses)}
        elif step == "sync_then_check":
            # As `iso10002 run` and the service do: the check follows the sync in its process.
            from connector.evaluation import evaluate_store

            outcomes, errors = pipeline.sync()
            # First the check a new process would make (it maps every version: nothing vouches
            # for them yet), recording nothing, then the run's check, which reuses what the
            # sync mapped: the same store, one after the other.
            now, before = datetime.now(UTC), _cpu_seconds()
            fresh = evaluate_store(pipeline.store, pipeline.evaluator, as_of=now, now=now, kind="run",
                                   record="none")
            between = _cpu_seconds()
            result = pipeline.check(kind="run")
            out = {"tickets": result.tickets, "statuses": dict(result.statuses),
                   "synced": {o.source: o.tickets for o in outcomes}, "sync_errors": len(errors),
                   "new_process_check_cpu_s": round(between - before, 2),
                   "new_process_statuses": dict(fresh.statuses),
                   "check_cpu_s": round(_cpu_seconds() - between, 2)}
        elif step == "writeback":
            outcomes, errors = pipeline.writeback("apply")
            out = {"written": {o.source: o.written for o in outcomes},
                   "failed": {o.source: o.failed for o in outcomes}, "errors": len(errors)}
        else:
            raise SystemExit(f"unknown step {step}")
    finally:
        pipeline.close()
    out["seconds"] = round(time.perf_counter() - started, 1)
    out["virtual_wait_s"] = round(clock.offset, 1)
    return out


# -- the orchestrator ---------------------------------------------------------------------


class Bench:
    def __init__(self, complaints: int, work: Path, json_path: Path | None = None) -> None:
        self.n = complaints
        self.work = work
        self.json = json_path
        self.keys = Secrets()
        self.logs = work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.boxes: dict[str, Sandbox] = {}
        self.config = work / "iso10002.yaml"
        self.env = {**os.environ, **self.keys.connector_env()}
        self.results: dict[str, Any] = {"complaints_per_source": complaints, "steps": {}}

    def measure(self, name: str, command: list[str]) -> dict[str, Any]:
        """Run ``command``; its wall time, peak RSS and JSON output (if any) under ``name``."""
        calls = {k: b.calls() for k, b in self.boxes.items()}
        started = time.perf_counter()
        with (self.logs / f"{name}.log").open("w", encoding="utf-8") as errors:
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True,
                                    env=self.env, cwd=self.work)
            stdout = proc.stdout.read() if proc.stdout else ""
            # wait4, not wait: the child's own peak RSS (ru_maxrss, KiB on Linux).
            _pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        peak = usage.ru_maxrss
        after = {k: b.calls() for k, b in self.boxes.items()}
        # The 1-minute load average when the step ends: wall times on a shared machine.
        # The child's own CPU: steadier than wall time, and without the sandboxes' share.
        cpu = usage.ru_utime + usage.ru_stime
        result: dict[str, Any] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 2),
                                  "peak_mib": round(peak / 1024), "load": round(os.getloadavg()[0], 1)}
        if proc.returncode != 0:
            # Kept, not raised: a step killed for memory (exit -9) is a result too.
            result["failed"] = proc.returncode
        with contextlib.suppress(ValueError, IndexError):  # a CLI step prints no JSON
            result.update(json.loads(stdout.strip().splitlines()[-1]))
        for key in self.boxes:
            delta = after[key] - calls[key]
            reads, writes = split_calls(key, delta)
            if reads or writes:
                result[f"{key}_calls"] = {"reads": reads, "writes": writes, "by_endpoint": dict(delta)}
        self.results["steps"][name] = result
        failed = f"  FAILED (exit {result['failed']})" if "failed" in result else ""
        print(f"  {name:<28} {result['wall_s']:>8.1f} s  peak {result['peak_mib']:>6,} MiB{failed}",
              flush=True)
        self.save()
        return result

    def save(self) -> None:
        """Write the results so far (a long run that dies keeps its finished steps)."""
        if self.json is not None:
            self.json.write_text(json.dumps(self.results, indent=2), encoding="utf-8")

    def step(self, name: str, step: str, source: str | None = None) -> dict[str, Any]:
        command = [sys.executable, str(Path(__file__).resolve()), "--step", step,
                   "--config", str(self.config)]
        return self.measure(name, command + (["--source", source] if source else []))

    def cli(self, name: str, args: list[str]) -> dict[str, Any]:
        return self.measure(name, [str(Path(sys.executable).parent / "iso10002"), *args])

    def start(self) -> None:
        started = time.perf_counter()
        for platform in SOURCES:  # generation runs in parallel in the two processes
            self.boxes[platform] = sandboxes.start(
                platform, self.keys, complaints=self.n, seed=1, days=180, logs=self.logs,
                options=["--incremental-per-minute", "1000000", "--account-per-minute", "1000000",
                         "--hold-back", "2"] if platform == "zendesk" else [])
        self.results["sandbox_start_s"] = round(time.perf_counter() - started, 1)
        write_config(self.work, self.boxes["zendesk"], self.boxes["jira"], days=180)
        print(f"sandboxes up in {self.results['sandbox_start_s']} s", flush=True)

    def reports(self) -> None:
        now = datetime.now(UTC)  # untruncated: whole seconds can fall before the run just recorded
        first = (now - timedelta(days=180)).date().isoformat()
        for kind, fmt in REPORTS:
            self.cli(f"report_{kind}_{fmt}", [
                "report", kind, "-c", str(self.config), "--from", first, "--to",
                now.date().isoformat(), "--as-of", now.isoformat(), "--format", fmt,
                "--out", str(self.work / f"{kind}.{fmt}")])
            target = self.work / f"{kind}.{fmt}"
            if target.exists():
                self.results["steps"][f"report_{kind}_{fmt}"]["bytes"] = target.stat().st_size
        # What an auditor would run for the three: one command, one read of the store, one pass.
        shared = self.work / "shared"
        self.cli("shared_register_kpi_audit", [
            "report", *SHARED, "-c", str(self.config), "--from", first, "--to",
            now.date().isoformat(), "--as-of", now.isoformat(), "--format", "html",
            "--out", str(shared)])
        if shared.exists():
            self.results["steps"]["shared_register_kpi_audit"]["bytes"] = sum(
                p.stat().st_size for p in shared.iterdir())

    def per_ticket_sample(self) -> None:
        """Read a sample the per-ticket way and count calls per ticket (extrapolated later)."""
        import requests

        out: dict[str, Any] = {}
        zd, jira = self.boxes["zendesk"], self.boxes["jira"]
        auth = (f"{LEADS[0].email}/token", self.keys.zendesk_api_token)
        before = zd.calls()
        for tid in range(100_001, 100_001 + min(SAMPLE, self.n)):
            after: str | None = None
            while True:
                params: dict[str, Any] = {"page[size]": 100, **({"page[after]": after} if after else {})}
                page = requests.get(f"{zd.url}/api/v2/tickets/{tid}/audits.json", params=params,
                                    auth=auth, timeout=60).json()
                after = page["meta"]["after_cursor"] if page["meta"]["has_more"] else None
                if not after:
                    break
        out["zendesk"] = sum((zd.calls() - before).values()) / min(SAMPLE, self.n)
        jauth = (LEADS[0].email, self.keys.jira_agent_token)
        before = jira.calls()
        for n in range(1, 1 + min(SAMPLE, self.n)):
            requests.get(f"{jira.url}/rest/api/3/issue/CS-{n}", params={"expand": "changelog"},
                         auth=jauth, timeout=60).raise_for_status()
            start = 0
            while True:
                page = requests.get(f"{jira.url}/rest/api/3/issue/CS-{n}/comment", auth=jauth,
                                    params={"startAt": start, "maxResults": 100}, timeout=60).json()
                start += len(page["comments"])
                if start >= page["total"]:
                    break
        out["jira"] = sum((jira.calls() - before).values()) / min(SAMPLE, self.n)
        self.results["per_ticket_calls_per_ticket"] = out

    def changes(self, k: int) -> None:
        """An agent replies publicly on ``k`` open flagged tickets per source."""
        from connector.config import load_config
        from connector.store import Store
        from devtools.demo.summary import StoreView
        from devtools.demo.teamlead import REPLY_FIXES, Desk

        store = Store(load_config(self.config).store.url)
        view = StoreView.read(store)
        store.close()
        changed: dict[str, int] = {}
        for name, box in self.boxes.items():
            desk = Desk(box, self.keys)
            picked = [t for t in view.flagged(name)
                      if view.tickets[(name, t)].is_open
                      and any(view.statuses(name, t).get(c) in ("FAIL", "AT_RISK") for c in REPLY_FIXES)][:k]
            for ticket in picked:
                desk.reply(ticket)
            changed[name] = len(picked)
        time.sleep(sandboxes.ZENDESK_HOLD_BACK + 1)
        self.results["changed_tickets"] = changed

    def stop(self) -> None:
        for box in self.boxes.values():
            box.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100_000, help="per helpdesk")
    parser.add_argument("--writeback", action="store_true")
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--same-process", action="store_true",
                        help="only sync every source and check in one process (as `iso10002 run`), "
                             "after a dry check as a new process makes it; both checks' CPU seconds")
    parser.add_argument("--work", type=Path, default=None, help="working directory (default: a temp dir)")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(child(args.step, args.config, args.source)))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="iso10002-e2e-"))
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(args.complaints, work, args.json)
    print(f"e2e benchmark: {args.complaints:,} complaints per helpdesk, work dir {work}", flush=True)
    started = time.perf_counter()
    try:
        bench.start()
        if args.same_process:
            bench.step("sync_then_check", "sync_then_check")
        else:
            for source in SOURCES:
                bench.step(f"sync_full_{source}", "sync", source)
            bench.step("check", "check")
            bench.reports()
            for source in SOURCES:
                bench.step(f"sync_incremental_{source}", "sync", source)
            bench.per_ticket_sample()
            if args.writeback:
                bench.step("writeback_first", "writeback")
                bench.step("writeback_unchanged", "writeback")
                bench.changes(args.changes)
                for source in SOURCES:
                    bench.step(f"sync_after_changes_{source}", "sync", source)
                bench.step("check_after_changes", "check")
                bench.step("writeback_after_changes", "writeback")
        bench.results["store_bytes"] = (work / "store.db").stat().st_size
    finally:
        bench.stop()
    bench.results["total_s"] = round(time.perf_counter() - started, 1)
    bench.results["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    bench.save()
    print(json.dumps(bench.results, indent=2))


if __name__ == "__main__":
    main()
