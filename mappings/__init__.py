"""Declarative mappings: raw helpdesk payloads -> ISO 10002 complaint records (pure)."""
