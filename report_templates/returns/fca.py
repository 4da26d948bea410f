"""FCA complaint counts by product / service grouping: the DISP 1 Annex 1R return, and the
payment services and e-money groupings that DISP 1.10B sends to their own return (DISP 1 Annex 1AD).

Four sections, told apart by the ``Section`` column: the grouping rows, the product rows under
each Annex 1R grouping (``returns.fca.products``; they sum to their grouping row), the service rows
under each Annex 1AD grouping (``returns.fca.services``; they sum to their grouping row), and the
main causes of the complaints opened, per product (``returns.fca.causes``).

Closed = decided (final response or resolution) in the period. "Upheld" counts upheld and partly
upheld (DISP 1.10 guidance); redress sums the recorded redress of complaints closed in the period.
A complaint whose product group, category and product are all missing from the policy's table is
counted under the unmapped grouping and named in ``ReturnTable.unmapped`` (the CLI warns; with
``--strict`` it fails); so are products and categories missing from the product and cause tables.
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
GROUPING, PRODUCT, SECTION = "Product / service grouping", "Product", "Section"
GROUPINGS, PRODUCTS, SERVICES, CAUSES = "Groupings", "Products", "Services", "Main causes"
#: The main-cause headings of the complaints opened (DISP 1 Annex 1R, Table 1).
FORM_CAUSES = (
    "Advising, selling and arranging",
    "Terms and disputed sums/charges",
    "General admin/customer service",
    "Arrears related",
    "Other",
)
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
    SECTION,
    GROUPING,
    PRODUCT,
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


TABLES = ("product_groups", "payment_services_return", "products", "services", "causes")
Key = tuple[str, str, str]  # return, grouping, product (Annex 1R) or service (Annex 1AD)


@cache
def _pack_config() -> FcaReturnConfig:
    return load_policy(PACKS_DIR / f"{FCA_PACK}.yaml").spec.returns.fca


def _with_pack_tables(config: FcaReturnConfig) -> FcaReturnConfig:
    """The pack's code tables where the policy has none; the policy's return details kept."""
    pack = _pack_config()
    return config.model_copy(update={t: getattr(config, t) or getattr(pack, t) for t in TABLES})


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
            self.config = _with_pack_tables(self.config)
            tz = policy.spec.calendar.timezone
            self.warnings.append(
                f"policy {policy.spec.name} has no returns.fca.product_groups: the code tables (groupings, "
                f"products, causes) of the {FCA_PACK} pack are used, and the time bands use this "
                f"policy's calendar ({tz}); extend {FCA_PACK} for an FCA return"
            )
        self.counts: dict[Key, dict[str, Decimal | int]] = defaultdict(lambda: defaultdict(int))
        self.causes: dict[tuple[str, str | None], Counter[str]] = defaultdict(Counter)
        self.unmapped: Counter[str] = Counter()

    def _row_key(self, record: ComplaintRecord) -> Key:
        for value in (record.product_group, record.category, record.product):
            group = lookup(self.config.product_groups, value)
            if group is not None:
                if group in self.config.payment_services_return:
                    return ANNEX_1AD, group, self._service(record)
                return ANNEX_1R, group, self._product(record)
        return ANNEX_1R, self.config.unmapped_group, self._product(record)

    def _product(self, record: ComplaintRecord) -> str:
        product = lookup(self.config.products, record.product)
        if product is not None:
            return product
        shown = f"product {record.product!r}" if record.product else "no product"
        self.unmapped[f"{shown} (returns.fca.products)"] += 1
        return self.config.unmapped_product

    def _service(self, record: ComplaintRecord) -> str:
        """The Annex 1AD service grouping: the record's payment service, else product, else subcategory."""
        values = (
            ("payment service", record.payment_service),
            ("product", record.product),
            ("subcategory", record.subcategory),
        )
        for _name, value in values:
            service = lookup(self.config.services, value)
            if service is not None:
                return service
        shown = ", ".join(f"{name} {value!r}" for name, value in values if value)
        self.unmapped[f"{shown or 'no payment service, product or subcategory'} (returns.fca.services)"] += 1
        return self.config.unmapped_service

    def _count_cause(self, record: ComplaintRecord, key: Key) -> None:
        """The main cause of a complaint opened in the period (Annex 1R rows only)."""
        cause = lookup(self.config.causes, record.category)
        if cause is None:
            shown = f"category {record.category!r}" if record.category else "no category"
            self.unmapped[f"{shown} (returns.fca.causes)"] += 1
            cause = self.config.unmapped_cause
        self.causes[(key[1], key[2])][cause] += 1

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
            self.unmapped[f"{_described(record)} (returns.fca.product_groups)"] += 1
        row["Outstanding at start"] += int(outstanding)
        row["Opened"] += int(opened)
        if opened and key[0] == ANNEX_1R:
            self._count_cause(record, key)
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

    def _grouped(self) -> dict[tuple[str, str], dict[str, Decimal | int]]:
        """The grouping rows: the sums of their product rows."""
        groups: dict[tuple[str, str], dict[str, Decimal | int]] = defaultdict(lambda: defaultdict(int))
        for (ret, group, _product), values in self.counts.items():
            for column, value in values.items():
                groups[(ret, group)][column] += value
        return groups

    def _order(self, ret: str, group: str, product: str | None = None) -> tuple[bool, bool, str, bool, str]:
        config = self.config
        unmapped_product = product in (config.unmapped_product, config.unmapped_service)
        return ret != ANNEX_1R, group == config.unmapped_group, group, unmapped_product, product or ""

    @staticmethod
    def _cells(
        ret: str, section: str, group: str, product: str | None, values: dict[str, Decimal | int]
    ) -> dict[str, Cell]:
        other_bands = {column for r, bands in BANDS.items() if r != ret for column, _ in bands}
        cells: dict[str, Cell] = {"Return": ret, SECTION: section, GROUPING: group, PRODUCT: product}
        for column in COLUMNS[4:]:
            value = values.get(column, 0)
            if column in other_bands:
                cells[column] = None  # the other return's time bands
            else:
                cells[column] = f"{value:.2f}" if column == REDRESS else int(value)
        return cells

    def _cause_columns(self) -> tuple[str, ...]:
        seen = {cause for counts in self.causes.values() for cause in counts}
        unmapped = self.config.unmapped_cause
        extra = sorted(seen - set(FORM_CAUSES) - {unmapped})  # a policy's own cause names
        return (*FORM_CAUSES, *extra, *((unmapped,) if unmapped in seen else ()))

    def _rows(self, causes: tuple[str, ...]) -> list[dict[str, Cell]]:
        groups = self._grouped()
        rows = [
            self._cells(ret, GROUPINGS, group, None, groups[(ret, group)])
            for ret, group in sorted(groups, key=lambda k: self._order(*k))
        ]
        products = sorted(self.counts, key=lambda k: self._order(*k))
        rows += [
            self._cells(
                ret, PRODUCTS if ret == ANNEX_1R else SERVICES, group, item, self.counts[(ret, group, item)]
            )
            for ret, group, item in products
        ]
        for group, product in sorted(self.causes, key=lambda k: self._order(ANNEX_1R, *k)):
            counts = self.causes[(group, product)]
            cells: dict[str, Cell] = {"Return": ANNEX_1R, SECTION: CAUSES, GROUPING: group, PRODUCT: product}
            rows.append(cells | {cause: counts[cause] for cause in causes})
        return rows

    def _totals(self, section: str) -> str:
        """The return-level figures of the forms (complaints outstanding at the start, opened), or
        a nil return: a complaint closed in the period was outstanding at its start or opened in it."""
        rows = [values for (ret, *_), values in self.counts.items() if ret == section]
        if not rows:
            return f"{section}: nil return (no complaint outstanding at the start or opened in the period)."
        outstanding, opened, closed = (
            sum(int(v.get(c, 0)) for v in rows) for c in ("Outstanding at start", "Opened", "Closed")
        )
        return f"{section} totals: outstanding at start {outstanding}, opened {opened}, closed {closed}."

    def _details(self) -> list[str]:
        """The forms' return details: FRN, group reporting, nil return, consent to publish."""
        config = self.config
        frn = config.firm_reference or "NOT SET: fill in returns.fca.firm_reference"
        if config.group_firms is None:
            group = "NOT SET: fill in returns.fca.group_firms ([] when the return covers this firm only)"
        elif config.group_firms:
            group = f"Yes; additional FRNs {', '.join(config.group_firms)}"
        else:
            group = "No (this firm only)"
        consent = (
            "NOT SET: fill in returns.fca.consent_to_publish (never assumed yes)"
            if config.consent_to_publish is None
            else ("Yes" if config.consent_to_publish else "No")
        )
        nil = {
            ret: "Yes" if not any(k[0] == ret for k in self.counts) else "No" for ret in (ANNEX_1R, ANNEX_1AD)
        }
        return [
            f"Firm reference number (FRN): {frn}.",
            f"Group reporting (the return covers complaints of more than one entity): {group}.",
            f"Nil return declaration: {ANNEX_1R} {nil[ANNEX_1R]}; {ANNEX_1AD} {nil[ANNEX_1AD]}.",
            "Consent to the FCA publishing the complaints data before the firm does (DISP 1.10A; asked "
            f"of firms reporting 500 or more complaints, or 1000 or more): {consent}.",
        ]

    def table(self) -> ReturnTable:
        causes = self._cause_columns()
        rows = self._rows(causes)
        unmapped = dict(sorted(self.unmapped.items()))
        notes = [
            f"FCA complaints return counts, {self.start.isoformat()} to {self.end.isoformat()} "
            f"({self.policy.spec.calendar.timezone}).",
            "WORKING PAPER, not a submission: the FCA takes returns on its own system (RegData, formerly "
            "GABRIEL), not this file, and the forms' exact layout was not available. Rows "
            "'DISP 1 Annex 1R': the complaints return by product / service "
            "grouping; rows 'DISP 1 Annex 1AD': payment services and e-money complaints, reported in that "
            "separate return (DISP 1.10B). Not included: the detailed causes under each main-cause heading, "
            "contextualisation, Annex 1AD's tables other than Table 1 (e.g. payment volumes). PS25/19 "
            "replaces these returns with a consolidated one.",
            f"Four tables, told apart by the 'Section' column: '{GROUPINGS}' (one row per return and "
            f"grouping), '{PRODUCTS}' (Annex 1R: one row per product under its grouping, from "
            f"returns.fca.products; they sum to the grouping row), '{SERVICES}' (Annex 1AD: one row "
            "per service grouping, in the 'Product' column, under its grouping, from the record's "
            "payment service, else product, else subcategory through returns.fca.services; they sum to "
            "the grouping row; the service names are unconfirmed against the form), "
            f"'{CAUSES}' (Annex 1R: complaints "
            "opened in the period per product by main cause, from the record's category through "
            "returns.fca.causes; they sum to the product's opened).",
            "Groupings and products with no complaint in the period are not listed: on the form enter 0 "
            "where the firm does business in them, and leave them blank where it does not (FCA GABRIEL "
            "help, Complaints DISP 1 Ann 1R, Q2).",
            "Closed = decided in the period; 3 business days and 8 weeks (Annex 1R), 15 and 35 business days "
            "(Annex 1AD, DISP 1.6.2AR) counted from receipt with the policy's calendar; upheld includes "
            "partly upheld.",
            *self._details(),
            self._totals(ANNEX_1R),
            self._totals(ANNEX_1AD),
            *(f"Warning: {w}" for w in self.warnings),
            *(
                f"UNMAPPED: {count} complaint(s) with {value}: counted as unmapped; add the value there"
                for value, count in unmapped.items()
            ),
            *provenance_notes(self.policy),
        ]
        return ReturnTable(
            "FCA complaints return (DISP 1 Annex 1R; payment services and e-money: DISP 1 Annex 1AD)",
            (*COLUMNS, *causes),
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


KIND = return_kind(
    "fca-return", "the FCA complaints return (DISP 1 Annex 1R / 1AD)", FcaCounts, pack="fca-disp"
)
