"""Zendesk Support connector: auth, rate-limited HTTP, incremental read, idempotent write-back.

Mapping stays in ``mappings/``; this package only moves raw payloads in and plans out.
"""
