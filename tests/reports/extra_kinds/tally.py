"""A regulator return declared in one module: complaints received per channel."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord
from compliance_checks.policy import Policy
from report_templates.returns.builder import return_kind
from report_templates.returns.common import ReturnTable


class ChannelTally:
    def __init__(self, policy: Policy, start: date, end: date) -> None:
        self.start, self.end = start, end
        self.counts: Counter[str] = Counter()

    def add(self, record: ComplaintRecord, findings: Iterable[Finding] = ()) -> None:
        self.counts[record.channel or "unknown"] += 1

    def table(self) -> ReturnTable:
        rows: list[dict[str, str | int | None]] = [
            {"channel": k, "complaints": v} for k, v in sorted(self.counts.items())
        ]
        return ReturnTable("Complaints by channel", ("channel", "complaints"), rows)


KIND = return_kind("channel-tally", "complaints by channel", ChannelTally)
