"""Reports benchmark: register + KPI + audit for N complaints with 12 months of history.

    .venv/bin/python benchmarks/reports.py [--complaints 100000] [--out DIR]

Records and findings are synthesised by a seeded generator (realistic-looking records, the
baseline policy's 11 findings each) and streamed into a report spool: the scratch SQLite table the
offline and store adapters write before rendering (``connector/reports/spool.py``). That part is
not timed. Every timed step then reads the spool back one complaint at a time (the JSON parsing of
records and findings is included), as a report from an export or the store does. The KPI
report gets 12 monthly earlier evaluations (cuts of the same data) for its backlog trend.

Each step runs in its own process (the collector set as ``iso10002 report`` sets it:
``connector.gc_tuning.tune_gc_for_batch``), so its peak RSS is its own; it prints wall time, CPU time
(user + system of that process: less sensitive to other load on the machine) and the load
average. Steps: every report alone
(one pass each, like separate ``iso10002 report`` commands), then register CSV + KPI HTML +
audit HTML from one shared pass (``render_reports``, as the service renders its schedule), and
a pass that only parses (the source's share of the time).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compliance_checks import BASELINE_POLICY, REGISTRY, load_policy
from compliance_checks.findings import Evidence, Finding, Status
from compliance_checks.model import (
    ActorRole,
    ComplaintRecord,
    Event,
    EventKind,
    EvidenceRef,
    Outcome,
    Party,
    Severity,
    SourceKind,
    Stage,
)
from connector.gc_tuning import tune_gc_for_batch
from connector.reports.spool import Spool
from report_templates.env import RenderContext
from report_templates.input import FileRef, Item, Period, Provenance, ReportInput, ReportOptions
from report_templates.kinds import Fmt
from report_templates.render import Job, render_reports

END = datetime(2026, 11, 1, tzinfo=UTC)
CHANNELS = ("email", "web", "phone", "chat", "app")
CATEGORIES = ("payments", "fees", "service", "account", "digital", "complaints_handling")
CAUSES = (None, None, "policy", "staff_error", "process_error", "system_defect", "third_party")
GROUPS = ("Complaints", "Billing", "Digital", "Mortgages", "Escalations")


def synthesise(n: int, seed: int) -> Iterator[Item]:
    """``n`` complaints with their findings, one at a time."""
    rnd = random.Random(seed)
    policy_checks = [c.id for c in load_policy(BASELINE_POLICY).checks]
    specs = {c: REGISTRY.get(c) for c in policy_checks}
    for i in range(n):
        ident = f"CS-{i + 1}"
        received = END - timedelta(seconds=rnd.randrange(365 * 86400))
        ack = received + timedelta(hours=rnd.expovariate(1 / 20))
        decided = received + timedelta(days=rnd.expovariate(1 / 12)) if rnd.random() < 0.9 else None
        closed = decided + timedelta(days=rnd.random() * 4) if decided and rnd.random() < 0.95 else None
        if closed and closed > END:
            closed = None
        if decided and decided > END:
            decided = None

        def ev(at: datetime, kind: EventKind, sid: str, text: str | None = None) -> Event:
            return Event(
                at=at,
                kind=kind,
                source_kind=SourceKind.COMMENT,
                source_id=sid,
                actor_role=ActorRole.AGENT,
                public=True,
                text=text,
            )

        timeline = [
            ev(received, EventKind.RECEIVED, f"{ident}-r"),
            ev(ack, EventKind.COMMENT, f"{ident}-a", "Thanks"),
        ]
        if decided:
            timeline.append(ev(decided, EventKind.DECISION, f"{ident}-d"))
        if closed:
            timeline.append(ev(closed, EventKind.CLOSURE, f"{ident}-c"))
        stage = Stage.CLOSED if closed else (Stage.RESOLVED if decided else Stage.INVESTIGATING)
        record = ComplaintRecord(
            id=ident,
            platform="jira",
            url=f"https://example.atlassian.net/browse/{ident}",
            received_at=received,
            channel=rnd.choice(CHANNELS),
            category=rnd.choice(CATEGORIES),
            severity=rnd.choice(list(Severity)),
            complainant=Party(id=f"P{rnd.randrange(n // 2)}", name="Customer", contact="c@example.net"),
            summary="Charged twice for the same order",
            group=rnd.choice(GROUPS),
            assignee=f"agent{rnd.randrange(40)}",
            stage=stage,
            acknowledged=EvidenceRef(at=ack, source_kind=SourceKind.COMMENT, source_id=f"{ident}-a"),
            decided=EvidenceRef(at=decided, source_kind=SourceKind.COMMENT, source_id=f"{ident}-d")
            if decided
            else None,
            closed=EvidenceRef(at=closed, source_kind=SourceKind.COMMENT, source_id=f"{ident}-c")
            if closed
            else None,
            outcome=rnd.choice(list(Outcome)) if decided else None,
            root_cause=rnd.choice(CAUSES) if decided else None,
            satisfaction=rnd.choice(("good", "bad", None)),
            reopen_count=int(rnd.random() < 0.03),
            timeline=tuple(timeline),
        )
        out = []
        for check, spec in specs.items():
            status = (
                Status.PASS
                if rnd.random() < 0.9
                else rnd.choice((Status.FAIL, Status.AT_RISK, Status.PENDING))
            )
            out.append(
                Finding(
                    ticket=ident,
                    platform="jira",
                    check=check,
                    title=spec.title,
                    status=status,
                    clauses=spec.clauses,
                    severity=spec.severity,
                    due_at=received + timedelta(days=10),
                    message=f"{spec.title}: {status.value}",
                    url=record.url,
                    evidence=(Evidence(kind="event", ref=f"comment:{ident}-a", note="reply"),),
                )
            )
        yield Item(record, tuple(out))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


STEPS: dict[str, tuple[tuple[str, Fmt], ...]] = {
    "register-csv": (("register", Fmt.csv),),
    "register-xlsx": (("register", Fmt.xlsx),),
    "register-html": (("register", Fmt.html),),
    "kpi-html": (("kpi", Fmt.html),),
    "audit-html": (("audit", Fmt.html),),
    "audit-json": (("audit", Fmt.json),),
    "shared-pass": (("register", Fmt.csv), ("kpi", Fmt.html), ("audit", Fmt.html)),
}


def report_input(spool: Spool) -> ReportInput:
    policy = load_policy(BASELINE_POLICY)
    month_ends = [END - timedelta(days=30 * k) for k in range(12, 0, -1)]
    return ReportInput(
        current=spool.source(END),
        period=Period(date(2025, 11, 1), date(2026, 10, 31), "Europe/London"),
        policy=policy,
        provenance=Provenance(
            source="benchmark",
            data_freshness=END,
            policy=FileRef("baseline", policy.sha256),
            mappings=(),
            waivers=FileRef("(none)", ""),
        ),
        history=tuple(spool.source(at, until=at) for at in month_ends),
        options=ReportOptions(),
    )


def run_step(name: str, spool_path: Path, out: Path) -> None:
    """One step in this process: prints ``name seconds peak_MiB sizes``."""
    tune_gc_for_batch()  # as `iso10002 report` does
    data = report_input(Spool.existing(spool_path))
    render = RenderContext(generated_at=END, version="bench")
    cpu = time.process_time()
    t = time.perf_counter()
    if name == "parse-only":
        count = sum(1 for _ in data.current.items())
        sizes = f"{count} complaints"
    else:
        jobs = [Job(kind, fmt, out / f"{name}-{kind}.{fmt.value}") for kind, fmt in STEPS[name]]
        paths = render_reports(jobs, data, render=render)
        sizes = ", ".join(f"{p.suffix[1:]} {p.stat().st_size / 1e6:.1f} MB" for p in paths)
    spent = time.perf_counter() - t
    cpu = time.process_time() - cpu
    load = os.getloadavg()[0]
    figures = f"{spent:7.2f} s wall {cpu:7.2f} s CPU  peak {peak_mib():6.0f} MiB  load {load:4.1f}"
    print(f"{name:14s} {figures}  {sizes}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--steps", default=",".join([*STEPS, "parse-only"]))
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--spool", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="iso10002-bench-"))
    if args.step:
        run_step(args.step, args.spool, out)
        return
    t0 = time.perf_counter()
    spool = Spool()
    spool.write(synthesise(args.complaints, args.seed))
    t_data = time.perf_counter() - t0
    print(
        f"synthesised and spooled {spool.count:,} complaints in {t_data:.1f} s "
        f"({spool.path.stat().st_size / 1e6:.0f} MB spool; peak RSS {peak_mib():.0f} MiB; not timed below)",
        flush=True,
    )
    script = Path(__file__).resolve()
    for name in args.steps.split(","):
        subprocess.run(
            [sys.executable, str(script), "--step", name, "--spool", str(spool.path), "--out", str(out)],
            check=True,
        )
    spool.close()
    print(f"files in {out}")


if __name__ == "__main__":
    main()
