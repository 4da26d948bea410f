"""Reports benchmark (issue 6): register + KPI + audit for N complaints with 12 months of history.

    .venv/bin/python benchmarks/reports.py [--complaints 100000] [--out DIR]

Records and findings are synthesised directly (a seeded generator of realistic-looking
records), as the history store would hand them over: the benchmark measures the reports, not
mapping or checking. The 12 monthly history snapshots reuse the current records and findings
(a store returns earlier evaluations the same shape). Prints wall time per step and peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
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
from connector.reports.render import Fmt, Kind, render_report
from report_templates.env import RenderContext
from report_templates.input import FileRef, Period, Provenance, ReportInput, ReportOptions, Snapshot

END = datetime(2026, 11, 1, tzinfo=UTC)
CHANNELS = ("email", "web", "phone", "chat", "app")
CATEGORIES = ("payments", "fees", "service", "account", "digital", "complaints_handling")
CAUSES = (None, None, "policy", "staff_error", "process_error", "system_defect", "third_party")
GROUPS = ("Complaints", "Billing", "Digital", "Mortgages", "Escalations")


def synthesise(n: int, seed: int) -> tuple[list[ComplaintRecord], dict[str, tuple[Finding, ...]]]:
    rnd = random.Random(seed)
    policy_checks = [c.id for c in load_policy(BASELINE_POLICY).checks]
    specs = {c: REGISTRY.get(c) for c in policy_checks}
    records, findings = [], {}
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
        records.append(record)
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
        findings[ident] = tuple(out)
    return records, findings


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="iso10002-bench-"))
    t0 = time.perf_counter()
    records, findings = synthesise(args.complaints, args.seed)
    t_data = time.perf_counter() - t0
    policy = load_policy(BASELINE_POLICY)
    month_ends = [END - timedelta(days=30 * k) for k in range(12, 0, -1)]
    history = tuple(
        Snapshot(at, tuple(r for r in records if r.received_at <= at), findings) for at in month_ends
    )
    data = ReportInput(
        current=Snapshot(END, tuple(records), findings),
        period=Period(date(2025, 11, 1), date(2026, 10, 31), "Europe/London"),
        policy=policy,
        provenance=Provenance(
            source="benchmark",
            data_freshness=END,
            policy=FileRef("baseline", policy.sha256),
            mappings=(),
            waivers=FileRef("(none)", ""),
        ),
        history=history,
        options=ReportOptions(),
    )
    render = RenderContext(generated_at=END, version="bench")
    print(
        f"synthesised {args.complaints:,} complaints, {12} history snapshots in {t_data:.1f} s; "
        f"peak RSS so far {peak_mib():.0f} MiB"
    )
    total = 0.0
    for kind, fmt in (
        (Kind.register, Fmt.csv),
        (Kind.register, Fmt.xlsx),
        (Kind.register, Fmt.html),
        (Kind.kpi, Fmt.html),
        (Kind.audit, Fmt.html),
        (Kind.audit, Fmt.json),
    ):
        t = time.perf_counter()
        path = render_report(kind, data, fmt, out / f"{kind.value}.{fmt.value}", render=render)
        spent = time.perf_counter() - t
        total += spent
        size = path.stat().st_size / 1e6
        print(f"{kind.value:9s} {fmt.value:5s} {spent:6.1f} s  {size:7.1f} MB  peak {peak_mib():.0f} MiB")
    print(f"reports total {total:.1f} s; peak RSS {peak_mib():.0f} MiB; files in {out}")


if __name__ == "__main__":
    main()
