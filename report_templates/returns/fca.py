"""FCA complaint counts by product / service grouping: the DISP 1 Annex 1R return, and the
payment services and e-money groupings that DISP 1.10B sends to their own return (DISP 1 Annex 1AD).

Closed = decided (final response or resolution) in the period. "Upheld" counts upheld and partly
upheld (DISP 1.10 guidance); redress sums the recorded redress of complaints closed in the period.
A complaint whose product group, category and product are all missing from the policy's table is
counted under the unmapped grouping and named in ``ReturnTable.unmapped`` (the CLI warns; with
``--strict`` it fails).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import cache

from compliance_checks.calendar import Duration
from compliance_checks.findings import Finding
from compliance_checks.inherit import PACKS_DIR
from compliance_checks.model import ComplaintRecord, Outcome
from compliance_checks.policy import Policy, load_policy
from compliance_checks.returns_config import FcaReturnConfig, lookup
from report_templates.returns.builder import return_kind
from report_templates.returns.common import Cell, ReturnTable, in_period, local_day, provenance_notes

ANNEX_1R, ANNEX_1AD = "DISP 1 Annex 1R", "DISP 1 Annex 1AD"
GROUPING = "Product / service grouping"
WITHIN_3BD, WITHIN_8W, AFTER_8W = (
    "Closed within 3 business days",
    "Closed after 3 business days and within 8 weeks",
    "Closed after 8 weeks",
)
WITHIN_15BD, WITHIN_35BD, AFTER_35BD = (
    "Closed within 15 business days",
    "Closed after 15 and within 35 business days",
    "Closed after 35 business days",
)
REDRESS = "Redress paid"
COLUMNS = (
    "Return",
    GROUPING,
    "Outstanding at start",
    "Opened",
    "Closed",
    WITHIN_3BD,
    WITHIN_8W,
    AFTER_8W,
    WITHIN_15BD,
    WITHIN_35BD,
    AFTER_35BD,
    "Upheld (incl. partly upheld)",
    REDRESS,
)
#: The time bands of each return: DISP 1 Annex 1R (DISP 1.5, 1.6.2R) and, for payment services
#: and e-money complaints, 15 / 35 business days (DISP 1.6.2AR).
BANDS: dict[str, tuple[tuple[str, Duration | None], ...]] = {
    ANNEX_1R: (
        (WITHIN_3BD, Duration.parse("3 business days")),
        (WITHIN_8W, Duration.parse("8 weeks")),
        (AFTER_8W, None),
    ),
    ANNEX_1AD: (
        (WITHIN_15BD, Duration.parse("15 business days")),
        (WITHIN_35BD, Duration.parse("35 business days")),
        (AFTER_35BD, None),
    ),
}
FCA_PACK = "fca-disp"


@cache
def _pack_config() -> FcaReturnConfig:
    return load_policy(PACKS_DIR / f"{FCA_PACK}.yaml").spec.returns.fca


def _described(record: ComplaintRecord) -> str:
    """The values the grouping was looked up by, for the unmapped warning."""
    values = (
        ("product group", record.product_group),
        ("category", record.category),
        ("product", record.product),
    )
    shown = [f"{name} {value!r}" for name, value in values if value]
    return ", ".join(shown) or "no product group, category or product"


class FcaCounts:
    """The return's counts, one complaint at a time (streamed sources)."""

    def __init__(self, policy: Policy, start: date, end: date) -> None:
        self.policy, self.start, self.end = policy, start, end
        self.config = policy.spec.returns.fca
        self.warnings: list[str] = []
        if not self.config.product_groups:
            self.config = _pack_config()
            tz = policy.spec.calendar.timezone
            self.warnings.append(
                f"policy {policy.spec.name} has no returns.fca.product_groups: the groupings of the "
                f"{FCA_PACK} pack are used, and the time bands use this policy's calendar ({tz}); "
                f"extend {FCA_PACK} for an FCA return"
            )
        self.counts: dict[tuple[str, str], dict[str, Decimal | int]] = defaultdict(lambda: defaultdict(int))
        self.unmapped: Counter[str] = Counter()

    def _row_key(self, record: ComplaintRecord) -> tuple[str, str]:
        for value in (record.product_group, record.category, record.product):
            group = lookup(self.config.product_groups, value)
            if group is not None:
                separate = group in self.config.payment_services_return
                return (ANNEX_1AD if separate else ANNEX_1R), group
        return ANNEX_1R, self.config.unmapped_group

    def add(self, record: ComplaintRecord, findings: Iterable[Finding] = ()) -> None:
        """Count ``record`` (findings are not read: the same signature as every return)."""
        policy, start, end = self.policy, self.start, self.end
        received = local_day(policy, record.received_at)
        decided_at = record.decided.at if record.decided else None
        decided = local_day(policy, decided_at)
        outstanding = received is not None and received < start and (decided is None or decided >= start)
        opened = in_period(received, start, end)
        closed = decided_at is not None and in_period(decided, start, end)
        if not (outstanding or opened or closed):
            return  # nothing to report in the period
        key = self._row_key(record)
        row = self.counts[key]
        if key[1] == self.config.unmapped_group:
            self.unmapped[_described(record)] += 1
        row["Outstanding at start"] += int(outstanding)
        row["Opened"] += int(opened)
        if decided_at is None or not closed:
            return
        row["Closed"] += 1
        for column, within in BANDS[key[0]]:
            # DISP 1.5.1R / 1.5.2AR: within 3 business days only when accepted by then.
            closed_at = record.resolved_by_acceptance() if column == WITHIN_3BD else decided_at
            if within is None or (
                closed_at is not None and closed_at <= policy.calendar.due(record.received_at, within)
            ):
                row[column] += 1
                break
        if record.outcome in (Outcome.UPHELD, Outcome.PARTLY_UPHELD):
            row["Upheld (incl. partly upheld)"] += 1
        row[REDRESS] += record.redress_amount or Decimal(0)

    def _cells(self, key: tuple[str, str]) -> dict[str, Cell]:
        values = self.counts[key]
        other_bands = {column for ret, bands in BANDS.items() if ret != key[0] for column, _ in bands}
        cells: dict[str, Cell] = {"Return": key[0], GROUPING: key[1]}
        for column in COLUMNS[2:]:
            value = values.get(column, 0)
            if column in other_bands:
                cells[column] = None  # the other return's time bands
            else:
                cells[column] = f"{value:.2f}" if column == REDRESS else int(value)
        return cells

    def _totals(self, section: str) -> str:
        """The return-level figures of the forms (complaints outstanding at the start, opened), or
        a nil return: a complaint closed in the period was outstanding at its start or opened in it."""
        rows = [values for (ret, _group), values in self.counts.items() if ret == section]
        if not rows:
            return f"{section}: nil return (no complaint outstanding at the start or opened in the period)."
        outstanding, opened, closed = (
            sum(int(v.get(c, 0)) for v in rows) for c in ("Outstanding at start", "Opened", "Closed")
        )
        return f"{section} totals: outstanding at start {outstanding}, opened {opened}, closed {closed}."

    def table(self) -> ReturnTable:
        unmapped_group = self.config.unmapped_group
        order = sorted(self.counts, key=lambda k: (k[0] != ANNEX_1R, k[1] == unmapped_group, k[1]))
        rows = [self._cells(key) for key in order]
        unmapped = dict(sorted(self.unmapped.items()))
        notes = [
            f"FCA complaints return counts, {self.start.isoformat()} to {self.end.isoformat()} "
            f"({self.policy.spec.calendar.timezone}).",
            "WORKING PAPER, not a submission: the FCA takes returns on its own system (RegData, formerly "
            "GABRIEL), not this file, and the forms' exact layout was not available. Rows "
            "'DISP 1 Annex 1R': the complaints return by product / service "
            "grouping; rows 'DISP 1 Annex 1AD': payment services and e-money complaints, reported in that "
            "separate return (DISP 1.10B), whose service groupings (DISP 1 Annex 1AA) the record does not "
            "carry. Not included: product-level rows, the main-cause table, group-firm FRNs, "
            "consent to publish, contextualisation. PS25/19 replaces these returns with a consolidated one.",
            "Closed = decided in the period; 3 business days and 8 weeks (Annex 1R), 15 and 35 business days "
            "(Annex 1AD, DISP 1.6.2AR) counted from receipt with the policy's calendar; upheld includes "
            "partly upheld.",
            self._totals(ANNEX_1R),
            self._totals(ANNEX_1AD),
            *(f"Warning: {w}" for w in self.warnings),
            *(
                f"UNMAPPED: {count} complaint(s) counted under '{unmapped_group}' ({value}): add the value "
                "to returns.fca.product_groups"
                for value, count in unmapped.items()
            ),
            *provenance_notes(self.policy),
        ]
        return ReturnTable(
            "FCA complaints return (DISP 1 Annex 1R; payment services and e-money: DISP 1 Annex 1AD)",
            COLUMNS,
            rows,
            notes,
            warnings=list(self.warnings),
            unmapped=unmapped,
        )


def fca_return(records: Iterable[ComplaintRecord], policy: Policy, start: date, end: date) -> ReturnTable:
    counts = FcaCounts(policy, start, end)
    for record in records:
        counts.add(record)
    return counts.table()


KIND = return_kind("fca-return", "the FCA complaints return (DISP 1 Annex 1R / 1AD)", FcaCounts)
