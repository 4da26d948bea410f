"""ISO 10002 complaint record, compliance checks, policies and business calendar (pure)."""
