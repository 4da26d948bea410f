"""The ISO 10002 checks. Importing this package registers every check, in this order.

``letters``, ``regulatory`` and ``regulatory_timing`` hold the regulatory-pack checks (docs/regulatory.md).
"""

from compliance_checks.checks import (  # noqa: F401 - imported for registration
    acknowledgement,
    closure,
    improvement,
    intake,
    letters,
    regulatory,
    regulatory_timing,
    response,
    tracking,
)
