"""Generator settings: size, seed, date range, mixes and the share of each pattern."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from devtools.generator.model import Pattern

#: Default share of each non-compliance pattern; the rest of the complaints are compliant.
DEFAULT_SHARES: dict[Pattern, float] = {
    Pattern.LATE_ACK: 0.06,
    Pattern.INTERNAL_ACK: 0.04,
    Pattern.URGENT_NOT_ESCALATED: 0.03,
    Pattern.LONG_SILENCE: 0.06,
    Pattern.DECISION_NOT_COMMUNICATED: 0.04,
    Pattern.CLOSED_WITHOUT_OUTCOME: 0.05,
    Pattern.REJECTED_NO_RECOURSE: 0.03,
    Pattern.REOPENED: 0.05,
    Pattern.EMPLOYMENT: 0.02,
}

#: (value, weight) mixes. Channels are neutral names; renderers translate them.
CHANNELS = (("web", 38), ("email", 30), ("phone", 14), ("chat", 12), ("app", 4), ("api", 2))
SEVERITIES = (("low", 18), ("medium", 50), ("high", 24), ("critical", 8))
PRODUCTS = (
    ("Current account", 30),
    ("Credit card", 22),
    ("Mortgage", 10),
    ("Savings", 10),
    ("Personal loan", 8),
    ("Mobile app", 12),
    ("Home insurance", 8),
)
CATEGORIES = (
    ("Fees and charges", ("Unexpected fee", "Interest rate", "Refund delay")),
    ("Service quality", ("Staff attitude", "Waiting time", "Wrong information")),
    ("Payments", ("Failed payment", "Duplicate payment", "Fraud dispute")),
    ("Digital channels", ("Login problem", "App crash", "Statement missing")),
    ("Account management", ("Account closure", "Address change", "Data protection")),
    ("Complaints handling", ("No reply", "Not kept informed", "Outcome disputed")),
)


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that decides the generated data. Same config and seed -> same bytes."""

    complaints: int
    end: datetime
    seed: int = 1
    days: int = 180  # complaints are received over the ``days`` before ``end``
    timezone: str = "Europe/London"  # working hours are shaped in this zone
    shares: dict[Pattern, float] = field(default_factory=lambda: dict(DEFAULT_SHARES))
    #: Mean number of history events per complaint (comments + changes); about 20 is realistic.
    events_mean: float = 20.0
    #: Size of the complainant pool relative to ``complaints`` (< 1 -> some repeat complainants).
    repeat_pool: float = 0.85

    def __post_init__(self) -> None:
        if not 1 <= self.complaints <= 10_000_000:
            raise ValueError("complaints must be between 1 and 10,000,000")
        if self.end.tzinfo is None:
            raise ValueError("end must be timezone-aware")
        if self.days < 1:
            raise ValueError("days must be at least 1")
        total = sum(self.shares.values())
        if any(v < 0 for v in self.shares.values()) or total > 1.0 + 1e-9:
            raise ValueError(f"pattern shares must be >= 0 and sum to at most 1 (got {total:.3f})")
        if Pattern.COMPLIANT in self.shares:
            raise ValueError("the compliant share is the remainder; do not set it")
