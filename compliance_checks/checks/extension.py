"""Holding and extension letters that move a regulatory deadline.

A letter moves the deadline only when it is sent before it and shows what the regime requires
(Housing Ombudsman: reasons and a new date). The new deadline is the ``extended_target`` limit
or, with ``extend_to_new_date``, the date promised in the letter (close of that business day for a
business-day clock), never later than the limit when there is one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from compliance_checks.calendar import END_OF_DAY
from compliance_checks.checks.regime_common import Content, RegimeTarget, fmt, missing_content
from compliance_checks.model import ComplaintRecord, Letter
from compliance_checks.registry import CheckContext


def promised_deadline(ctx: CheckContext, day: date, business: bool) -> datetime:
    """The end of a promised day: close of business on a business day of a business-day clock."""
    span = ctx.calendar.working_span(day) if business else None
    if span is not None:
        return span[1]
    return datetime.combine(day, END_OF_DAY, tzinfo=ctx.calendar.tz).astimezone(UTC)


def extended_deadline(
    record: ComplaintRecord,
    letter: Letter,
    *,
    start_at: datetime,
    due_at: datetime,
    business: bool,
    extended_target: RegimeTarget | None,
    extend_to_new_date: bool,
    requires: list[Content],
    ctx: CheckContext,
    used: list[str],
) -> tuple[datetime | None, str | None]:
    """The moved deadline (None: not moved) and a sentence saying why (None: no extension applies
    to this complaint, e.g. an FCA complaint outside the payment-services groups); appends the
    figures used."""
    extended = extended_target.for_record(record) if extended_target is not None else None
    if extended is None and not extend_to_new_date:
        return None, None
    if letter.sent.at > due_at:
        return (
            None,
            f"letter sent {fmt(letter.sent.at, ctx)}, after the deadline {fmt(due_at, ctx)}: not moved",
        )
    missing = missing_content(letter, requires)
    if missing:
        return None, f"letter does not show {', '.join(missing)}: not moved"
    limit = None
    if extended_target is not None and extended is not None:
        limit = ctx.calendar.due(start_at, extended)
        used.append(f"extended_target.{extended_target.key_for(record)}")
    promised = None
    if extend_to_new_date and letter.new_date is not None:
        promised = promised_deadline(ctx, letter.new_date, business)
    if promised is None:
        if limit is None:
            return None, "letter gives no new date: not moved"
        return limit, f"moved to {fmt(limit, ctx)} ({extended})"
    if limit is not None and promised > limit:
        return limit, (
            f"new date {letter.new_date} is after the {extended} limit: moved to the limit {fmt(limit, ctx)}"
        )
    if promised <= due_at:
        return due_at, f"new date {letter.new_date} is not after the deadline: not moved"
    return promised, f"moved to the new date {letter.new_date} ({fmt(promised, ctx)})"
