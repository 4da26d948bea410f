"""A regulator return fed by the same streamed pass as every other report (offline export or
store), and ``return_kind``, which declares one. The header notes say where the official layout
was not available, which figures of the policy are unconfirmed, and where the data came from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Protocol, cast

from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord
from compliance_checks.policy import Policy
from report_templates.input import AnyFinding, ReportInput
from report_templates.kinds import RETURN_FORMATS, Fmt, PassContext, ReportKind
from report_templates.returns.common import ReturnTable


class ReturnRows(Protocol):
    """A return's own accumulator (``FcaCounts``, ``AsicRows``, ``CfpbRows``)."""

    def add(self, record: ComplaintRecord, findings: tuple[Finding, ...]) -> None: ...

    def table(self) -> ReturnTable: ...


class ReturnBuilder:
    """A return for the report's period and policy, with the data note appended.

    Returns read only a finding's ``check`` and ``facts`` (the CFPB return's timely-response
    fact), which a ``FindingHead`` carries too; their accumulators are typed for full findings,
    hence the cast."""

    def __init__(self, rows: ReturnRows, data: ReportInput) -> None:
        self.rows = rows
        self.data = data

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> None:
        self.rows.add(record, cast("tuple[Finding, ...]", findings))

    def finish(self) -> ReturnTable:
        table = self.rows.table()
        prov = self.data.provenance
        fresh = prov.data_freshness.isoformat() if prov.data_freshness else "unknown"
        data_note = (
            f"Data: {prov.source}; evaluated as of {self.data.as_of.isoformat()}; data as fresh as {fresh}; "
            f"policy {prov.policy.name} sha256 {prov.policy.sha256}; code {prov.code_version}."
        )
        notes = [*table.notes, data_note, *prov.notes]
        return replace(table, notes=notes)


def return_kind(
    name: str, title: str, rows: Callable[[Policy, date, date], ReturnRows], *, pack: str | None = None
) -> ReportKind:
    """A regulator return as a report kind: ``rows(policy, start, end)`` per pass, built for the
    regulatory ``pack`` (``compliance_checks/policies/packs/<pack>.yaml``), if any."""

    def start(ctx: PassContext) -> ReturnBuilder:
        period = ctx.data.period
        return ReturnBuilder(rows(ctx.data.policy, period.start, period.end), ctx.data)

    return ReportKind(
        name=name,
        title=title,
        start=start,
        formats=RETURN_FORMATS,
        default_format=Fmt.csv,
        regulator_return=True,
        pack=pack,
    )
