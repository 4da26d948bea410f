"""Authentication: OAuth bearer tokens first, API-token basic auth as a retiring fallback.

Secrets live in ``SecretStr`` and are revealed only while building a request header or token
request body; they never reach logs, exception messages or reprs.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, NoReturn, Protocol

import requests
from pydantic import SecretStr

from connector.platforms.zendesk.secrets import SecretSource
from connector.platforms.zendesk.settings import (
    AccessTokenAuth,
    ApiTokenAuth,
    ClientCredentialsAuth,
    ZendeskSourceConfig,
)

log = logging.getLogger(__name__)

#: Zendesk: "all API tokens stop working" on this day (oauth-migration guide).
API_TOKEN_SUNSET = date(2027, 4, 30)
#: Renew a bearer token this many seconds before it expires.
EXPIRY_SKEW_SECONDS = 60.0


class AuthError(RuntimeError):
    """Credentials are missing, rejected or not good enough. Never carries a secret."""


class Authenticator(Protocol):
    def headers(self) -> dict[str, str]:
        """The ``Authorization`` header for the next request."""
        ...

    def refresh(self) -> bool:
        """Renew after a 401; False when this kind of credential cannot be renewed."""
        ...


class BasicTokenAuth:
    """``{email}/token`` basic auth. Works until 2027-04-30; warns on construction."""

    def __init__(self, email: SecretStr, token: SecretStr) -> None:
        self._email = email
        self._token = token
        log.warning(
            "Zendesk API-token auth is a fallback: Zendesk retires all API tokens on %s; "
            "switch this source to OAuth (auth.type: oauth_client_credentials)",
            API_TOKEN_SUNSET.isoformat(),
        )

    def headers(self) -> dict[str, str]:
        pair = f"{self._email.get_secret_value()}/token:{self._token.get_secret_value()}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii")}

    def refresh(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "BasicTokenAuth(email=**********, token=**********)"


@dataclass
class _Token:
    access: SecretStr
    refresh: SecretStr | None
    expires_at: float | None


class OAuthBearer:
    """Bearer tokens: pre-issued, refreshed with a refresh token, or via client credentials."""

    def __init__(
        self,
        token_url: str,
        session: requests.Session,
        *,
        client_id: SecretStr | None = None,
        client_secret: SecretStr | None = None,
        scopes: tuple[str, ...] = (),
        client_credentials: bool = False,
        access_token: SecretStr | None = None,
        refresh_token: SecretStr | None = None,
        timeout: tuple[float, float] = (10.0, 30.0),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = token_url
        self._session = session
        self._client_id = client_id
        self._client_secret = client_secret
        self._scopes = scopes
        self._client_credentials = client_credentials
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._token: _Token | None = (
            _Token(access_token, refresh_token, None) if access_token is not None else None
        )
        self.token_requests = 0

    def __repr__(self) -> str:
        return f"OAuthBearer(token_url={self._url!r}, scopes={self._scopes!r})"

    def headers(self) -> dict[str, str]:
        with self._lock:
            token = self._token
            if token is None or (
                token.expires_at is not None and self._clock() >= token.expires_at
            ):
                token = self._renew(token)
            return {"Authorization": f"Bearer {token.access.get_secret_value()}"}

    def refresh(self) -> bool:
        with self._lock:
            if self._token is None or self._can_renew(self._token):
                self._renew(self._token)
                return True
            return False

    def _can_renew(self, token: _Token) -> bool:
        has_client = self._client_id is not None and self._client_secret is not None
        return has_client and (token.refresh is not None or self._client_credentials)

    def _renew(self, token: _Token | None) -> _Token:
        if self._client_id is None or self._client_secret is None:
            raise AuthError("the OAuth access token expired or was rejected and cannot be renewed")
        body: dict[str, Any] = {
            "client_id": self._client_id.get_secret_value(),
            "client_secret": self._client_secret.get_secret_value(),
        }
        if token is not None and token.refresh is not None:
            body["grant_type"] = "refresh_token"
            body["refresh_token"] = token.refresh.get_secret_value()
        elif self._client_credentials:
            body |= {"grant_type": "client_credentials", "scope": " ".join(self._scopes)}
        else:
            raise AuthError("the OAuth access token expired or was rejected and cannot be renewed")
        self.token_requests += 1
        try:
            resp = self._session.post(self._url, json=body, timeout=self._timeout)
        except requests.RequestException as exc:
            reason = type(exc).__name__
            raise AuthError(f"could not reach the OAuth token endpoint: {reason}") from None
        if resp.status_code != 200:
            if token is not None and token.refresh is not None and self._client_credentials:
                # Refresh tokens rotate and expire: fall back to a fresh grant once.
                self._token = None
                return self._renew(None)
            self._reject(resp)
        data = resp.json()
        expires_in = data.get("expires_in")
        refresh = data.get("refresh_token")
        self._token = _Token(
            access=SecretStr(str(data["access_token"])),
            refresh=SecretStr(str(refresh)) if refresh else None,
            expires_at=(
                self._clock() + float(expires_in) - EXPIRY_SKEW_SECONDS if expires_in else None
            ),
        )
        return self._token

    @staticmethod
    def _reject(resp: requests.Response) -> NoReturn:
        code = ""
        try:
            payload = resp.json()
            if isinstance(payload, dict):
                code = str(payload.get("error", ""))[:80]
        except ValueError:
            pass
        raise AuthError(
            f"the OAuth token endpoint refused the client credentials "
            f"(HTTP {resp.status_code}{', ' + code if code else ''})"
        )


def build_authenticator(
    source: ZendeskSourceConfig,
    session: requests.Session,
    secrets: SecretSource | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Authenticator:
    """The authenticator the source's ``auth`` block asks for.

    Raises:
        MissingSecretError: A named environment variable / secrets-file key is unset.
    """
    secrets = secrets or SecretSource(source.secrets_file)
    timeout = (source.connect_timeout_seconds, source.read_timeout_seconds)
    token_url = f"{source.api_root}/oauth/tokens"
    auth = source.auth
    if isinstance(auth, ClientCredentialsAuth):
        return OAuthBearer(
            token_url,
            session,
            client_id=secrets.get(auth.client_id_env),
            client_secret=secrets.get(auth.client_secret_env),
            scopes=auth.scopes,
            client_credentials=True,
            timeout=timeout,
            clock=clock,
        )
    if isinstance(auth, AccessTokenAuth):
        return OAuthBearer(
            token_url,
            session,
            access_token=secrets.get(auth.access_token_env),
            refresh_token=secrets.get(auth.refresh_token_env) if auth.refresh_token_env else None,
            client_id=secrets.get(auth.client_id_env) if auth.client_id_env else None,
            client_secret=secrets.get(auth.client_secret_env) if auth.client_secret_env else None,
            timeout=timeout,
            clock=clock,
        )
    if isinstance(auth, ApiTokenAuth):
        return BasicTokenAuth(secrets.get(auth.email_env), secrets.get(auth.token_env))
    raise AuthError(f"unsupported auth type {type(auth).__name__}")  # pragma: no cover


def verify_identity(me: dict[str, Any], *, need_admin: bool) -> dict[str, Any]:
    """Check a ``GET /api/v2/users/me`` body.

    Zendesk answers 200 with an "Anonymous user" (``id`` null) when credentials are wrong, so
    the status code alone proves nothing.

    Raises:
        AuthError: Anonymous, or not an admin when ``need_admin`` (incremental export).
    """
    raw = me.get("user")
    user: dict[str, Any] | None = raw if isinstance(raw, dict) else None
    if user is None or user.get("id") is None or user.get("name") == "Anonymous user":
        raise AuthError(
            "Zendesk did not accept the credentials (it answered as 'Anonymous user'); "
            "check the environment variables named in the source's auth block"
        )
    if need_admin and user.get("role") != "admin":
        raise AuthError(
            f"the API user has role {user.get('role')!r}; incremental export needs an admin"
        )
    return user
