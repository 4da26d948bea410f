"""Reading an ``Authorization`` header, as both sandboxes do."""

from __future__ import annotations

import base64


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``(login, password)`` of a Basic header (the scheme in any case, RFC 7235), else None."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        login, _, password = base64.b64decode(value).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return login, password
