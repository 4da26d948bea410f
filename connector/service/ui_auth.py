"""Who may see the ``/ui`` dashboard: users with argon2-hashed passwords and a signed session
cookie, or a trusted reverse proxy (oauth2-proxy) naming the user in a header; and the CSRF
guard of its one state-changing action (a per-session token plus a same-origin check)."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from functools import cache
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from starlette.requests import Request

from connector.service_config import UiConfig

_HASHER = PasswordHasher()
#: Browsers send ``Sec-Fetch-Site``; only these values are a same-site (or typed-in) request.
_SAME_SITE = {"same-origin", "none"}
MIN_SECRET = 32


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


@cache
def _dummy_hash() -> str:
    """Checked when the user is unknown, so that a wrong name costs as long as a wrong password.
    Made when the dashboard starts, not at import: every CLI command imports this module, and
    one argon2 hash is more CPU than a small report."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _networks(addresses: tuple[str, ...]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(a, strict=False) for a in addresses]


class UiAuth:
    def __init__(self, config: UiConfig) -> None:
        self.config = config
        self.proxies = _networks(config.trusted_proxies)
        _dummy_hash()  # ready before the first sign-in, so the first unknown name is not faster

    def check_password(self, user: str, password: str) -> bool:
        entry = self.config.users.get(user)
        try:
            _HASHER.verify(entry.password_hash if entry else _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return entry is not None

    def _from_proxy(self, request: Request) -> bool:
        host = request.client.host if request.client else None
        if host is None or not self.proxies:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in net for net in self.proxies)

    def user(self, request: Request) -> str | None:
        """The signed-in user, or None. A proxy header counts only from a trusted proxy address;
        a session counts only for a user still configured (or still named by the proxy)."""
        header = self.config.trusted_header
        if header is not None and self._from_proxy(request):
            named = request.headers.get(header, "").strip()
            if named:
                return named
        session_user = request.session.get("user")
        if isinstance(session_user, str) and session_user in self.config.users:
            return session_user
        return None

    @staticmethod
    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not isinstance(token, str) or not token:
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return token

    @staticmethod
    def cross_site(request: Request) -> bool:
        """True for a request another site made the browser send (Fetch Metadata, then Origin)."""
        site = request.headers.get("sec-fetch-site")
        if site is not None and site not in _SAME_SITE:
            return True
        origin = request.headers.get("origin")
        if origin is None:
            return False
        parts = urlsplit(origin)
        return origin == "null" or parts.netloc != request.url.netloc

    @staticmethod
    def csrf_ok(request: Request, submitted: str | None) -> bool:
        expected = request.session.get("csrf")
        if not isinstance(expected, str) or not expected or not submitted:
            return False
        return hmac.compare_digest(expected.encode(), submitted.encode())
