"""The one evaluation core: per-ticket bundles -> mapped record -> findings after waivers.

Export files (``connector.files``) and the store (``connector.evaluation``) differ only in how
they produce the bundles; both feed them through :class:`Checker`, so the same ticket gives
the same findings whichever source it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from compliance_checks import NO_WAIVERS, Policy, WaiverApplier, Waivers, context_for, evaluate
from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord
from mappings.assemble import MappedTicket
from mappings.values import MappingError

K = TypeVar("K")
#: Why a bundle without a ticket (a stored version with no primary document) is skipped.
NO_TICKET = "the bundle holds no ticket"


class Bundle(Protocol):
    """One ticket with everything needed to map it (its documents and history)."""

    def map(self) -> MappedTicket | None:
        """The mapped ticket (None: the bundle holds no ticket)."""
        ...


@dataclass
class TicketEvaluation:
    """One ticket's evaluation: its findings after waivers, or why it was skipped or not mapped."""

    ticket: str
    record: ComplaintRecord | None
    findings: list[Finding] = field(default_factory=list)
    error: MappingError | None = None
    #: Not a complaint, a duplicate, or received after the as-of time (no record, no error).
    skipped: str | None = None
    warning: str | None = None


class Checker:
    """Map, check and apply waivers as of one time, with one policy and one set of waivers."""

    def __init__(self, policy: Policy, as_of: datetime, waivers: Waivers = NO_WAIVERS) -> None:
        self.policy = policy
        self.as_of = as_of
        self._ctx = context_for(policy, as_of)
        self._applier = WaiverApplier(waivers, as_of.date())

    def evaluate(self, bundle: Bundle) -> TicketEvaluation:
        """Evaluate one bundle (one that holds no ticket is skipped)."""
        mapped = bundle.map()
        if mapped is None:
            return TicketEvaluation("", None, skipped=NO_TICKET)
        if mapped.skipped:
            return TicketEvaluation(mapped.ticket, None, skipped=mapped.skipped, warning=mapped.warning)
        if mapped.error is not None or mapped.record is None:
            error = mapped.error or MappingError(mapped.ticket, "payload", "no record produced")
            return TicketEvaluation(mapped.ticket, None, error=error)
        findings = self._applier.apply(evaluate(mapped.record, self.policy, self._ctx))
        return TicketEvaluation(mapped.ticket, mapped.record, findings)

    def run(self, bundles: Iterable[tuple[K, Bundle]]) -> Iterator[tuple[K, TicketEvaluation]]:
        """Evaluate a stream of ``(key, bundle)``, one at a time; ``key`` is the caller's own
        (what it needs to record the result), passed through."""
        for key, bundle in bundles:
            yield key, self.evaluate(bundle)

    def warnings(self, *, complete: bool) -> list[str]:
        """Waiver warnings; with ``complete`` (every ticket was evaluated) also the unused waivers."""
        return [*self._applier.warnings, *(self._applier.unused() if complete else ())]
