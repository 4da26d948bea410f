"""What the demo prints: complaints, findings by check and status, flags, API calls.

Read from the store the run wrote (read-only queries) and from the sandboxes' own counters,
so the figures are what happened, not what the connector believes happened.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from connector.store import Store
from connector.store.models import TicketRow
from connector.store.runs import latest_findings
from connector.store.tickets import all_tickets
from devtools.demo.sandboxes import Sandbox

FLAGGED = ("FAIL", "AT_RISK")
STATUS_ORDER = ("PASS", "FAIL", "AT_RISK", "PENDING", "NOT_APPLICABLE", "WAIVED", "MANUAL", "ERROR")
SHORT = {"NOT_APPLICABLE": "N/A"}


@dataclass
class SourceFigures:
    complaints: int = 0
    open: int = 0
    flagged: int = 0
    written: int = 0  # tickets written back (labels/tags and note)
    reads: int = 0
    writes: int = 0


@dataclass
class StoreView:
    """The latest findings per ticket and the ticket rows, read once after a run."""

    findings: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    tickets: dict[tuple[str, str], TicketRow] = field(default_factory=dict)

    @classmethod
    def read(cls, store: Store) -> StoreView:
        view = cls()
        with store.session() as session:
            view.findings = {k: v for k, (_run, v) in latest_findings(session).items()}
            for row in all_tickets(session):
                session.expunge(row)
                view.tickets[(row.source, row.ticket)] = row
        return view

    def complaints(self, source: str) -> list[TicketRow]:
        return [r for (s, _t), r in self.tickets.items()
                if s == source and r.is_complaint and not r.deleted]

    def flagged(self, source: str) -> list[str]:
        return sorted(t for (s, t), fs in self.findings.items()
                      if s == source and any(f["status"] in FLAGGED for f in fs))

    def statuses(self, source: str, ticket: str) -> dict[str, str]:
        return {f["check"]: f["status"] for f in self.findings.get((source, ticket), [])}


def is_write(platform: str, endpoint: str) -> bool:
    """Whether a counted call changed the helpdesk (token requests and searches do not)."""
    method, _, path = endpoint.partition(" ")
    if method == "GET" or path.startswith("/oauth/"):
        return False
    return platform != "jira" or not any(word in path for word in ("search", "bulkfetch"))


def split_calls(platform: str, calls: Counter[str]) -> tuple[int, int]:
    writes = sum(n for e, n in calls.items() if is_write(platform, e))
    return sum(calls.values()) - writes, writes


def figures(view: StoreView, sandboxes: Iterable[Sandbox], calls: dict[str, Counter[str]],
            written: dict[str, int]) -> dict[str, SourceFigures]:
    out: dict[str, SourceFigures] = {}
    for sandbox in sandboxes:
        name = sandbox.platform  # the demo names each source after its platform
        rows = view.complaints(name)
        reads, writes = split_calls(sandbox.platform, calls[name])
        out[name] = SourceFigures(
            complaints=len(rows), open=sum(1 for r in rows if r.is_open),
            flagged=len(view.flagged(name)), written=written.get(name, 0), reads=reads,
            writes=writes,
        )
    return out


def check_table(view: StoreView) -> list[str]:
    """Findings by check (rows) and status (columns), over every source."""
    counts: Counter[tuple[str, str]] = Counter()
    for found in view.findings.values():
        for f in found:
            counts[(f["check"], f["status"])] += 1
    checks = sorted({c for c, _ in counts})
    statuses = [s for s in STATUS_ORDER if any(st == s for _, st in counts)]
    width = max([len(c) for c in checks] + [5])
    head = f"  {'check':<{width}}" + "".join(f"{SHORT.get(s, s):>9}" for s in statuses)
    lines = [head]
    for check in checks:
        lines.append(f"  {check:<{width}}" + "".join(f"{counts[(check, s)]:>9,}" for s in statuses))
    total = f"  {'all checks':<{width}}" + "".join(
        f"{sum(n for (_c, st), n in counts.items() if st == s):>9,}" for s in statuses)
    return [*lines, total]


def source_table(figs: dict[str, SourceFigures]) -> list[str]:
    lines = [f"  {'source':<9}{'complaints':>11}{'open':>7}{'flagged':>9}{'written':>9}"
             f"{'API calls':>11}{'reads':>8}{'writes':>8}"]
    for name, f in figs.items():
        lines.append(f"  {name:<9}{f.complaints:>11,}{f.open:>7,}{f.flagged:>9,}{f.written:>9,}"
                     f"{f.reads + f.writes:>11,}{f.reads:>8,}{f.writes:>8,}")
    return lines
