"""Forge invocation tokens (FIT): the Jira panel's remote calls carry ``Authorization: Bearer <FIT>``,
an RS256 JWT signed by Atlassian whose audience is our Forge app id. Verified against a JWKS
loaded from a configured file or URL (fetched once, re-fetched when an unknown ``kid`` appears)."""

from __future__ import annotations

import json
import threading
from typing import Any

import jwt

from connector.service_config import ForgeConfig

#: The issuer Forge puts in invocation tokens.
FORGE_ISSUER = "forge/invocation-token"


class ForgeTokenError(Exception):
    """The token is missing, malformed, expired, for another app or not signed by a known key."""


class ForgeVerifier:
    def __init__(self, config: ForgeConfig) -> None:
        if config.jwks_file is None and not config.jwks_url:
            raise ValueError("api.forge needs jwks_file or jwks_url")
        self.config = config
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._client = jwt.PyJWKClient(config.jwks_url) if config.jwks_url and not config.jwks_file else None
        if config.jwks_file is not None:
            data = json.loads(config.jwks_file.read_text(encoding="utf-8"))
            self._keys = {k.key_id: k.key for k in jwt.PyJWKSet.from_dict(data).keys if k.key_id}

    def _key(self, kid: str) -> Any:
        if kid in self._keys:
            return self._keys[kid]
        if self._client is None:
            raise ForgeTokenError("signed by an unknown key")
        with self._lock:
            try:
                key = self._client.get_signing_key(kid).key
            except jwt.PyJWKClientError as exc:
                raise ForgeTokenError(f"signing key not available: {exc}") from None
            self._keys[kid] = key
            return key

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or :class:`ForgeTokenError` (the message never contains the token)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise ForgeTokenError("malformed token") from None
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise ForgeTokenError("token must be RS256 with a kid")
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._key(header["kid"]), algorithms=["RS256"], audience=self.config.app_id,
                issuer=FORGE_ISSUER, leeway=self.config.leeway_seconds,
                options={"require": ["exp", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise ForgeTokenError("token expired") from None
        except jwt.InvalidAudienceError:
            raise ForgeTokenError("token is for another app") from None
        except jwt.InvalidTokenError as exc:
            raise ForgeTokenError(f"invalid token ({type(exc).__name__})") from None
        return claims
