"""ISO 10002 complaint record, compliance checks, policies and business calendar (pure).

Importing the package registers every shipped check in ``REGISTRY``.
"""

from compliance_checks import checks as _checks  # noqa: F401 - registers the checks
from compliance_checks.calendar import BusinessCalendar, CalendarConfig, Duration
from compliance_checks.engine import context_for, evaluate
from compliance_checks.findings import Evidence, Finding, Status, findings_hash
from compliance_checks.model import ComplaintRecord, Event, Severity, Stage
from compliance_checks.policy import BASELINE_POLICY, Policy, load_policy, parse_policy
from compliance_checks.registry import REGISTRY, CheckContext, CheckResult
from compliance_checks.waivers import NO_WAIVERS, WaiverApplier, Waivers, load_waivers

__all__ = [
    "BASELINE_POLICY",
    "NO_WAIVERS",
    "REGISTRY",
    "BusinessCalendar",
    "CalendarConfig",
    "CheckContext",
    "CheckResult",
    "ComplaintRecord",
    "Duration",
    "Event",
    "Evidence",
    "Finding",
    "Policy",
    "Severity",
    "Stage",
    "Status",
    "WaiverApplier",
    "Waivers",
    "context_for",
    "evaluate",
    "findings_hash",
    "load_policy",
    "load_waivers",
    "parse_policy",
]
