"""The ISO 10002 checks. Importing this package registers every check, in this order."""

from compliance_checks.checks import (  # noqa: F401 - imported for registration
    acknowledgement,
    closure,
    improvement,
    intake,
    response,
    tracking,
)
