"""Test-only Forge invocation tokens: our own RSA key, its JWKS, and tokens signed with it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from connector.service.forge_auth import FORGE_ISSUER

APP_ID = "ari:cloud:ecosystem::app/11111111-2222-3333-4444-555555555555"
KID = "test-key-1"
CLOUD_ID = "cloud-1"
INSTALLATION = "ari:cloud:ecosystem::installation/install-1"
#: ``api.forge.sites`` binding the Jira source named ``source`` to the tokens minted here by default.
def sites(source: str = "jira") -> dict[str, dict[str, str]]:
    return {source: {"cloud_id": CLOUD_ID, "installation_id": INSTALLATION}}



class ForgeKeys:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def write_jwks(self, path: Path) -> Path:
        jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
        path.write_text(json.dumps({"keys": [jwk]}), encoding="utf-8")
        return path

    def token(self, *, aud: str = APP_ID, expires_in: int = 60, kid: str = KID,
              iss: str = FORGE_ISSUER, installation: str = INSTALLATION, cloud_id: str = CLOUD_ID,
              issue_key: str | None = "CMP-1", issue_id: str | None = "10001") -> str:
        """A token shaped like Forge's: ``app.installationId``, ``context.cloudId`` and the issue
        panel's ``context.extension.issue`` (key and id)."""
        now = int(time.time())
        issue = {k: v for k, v in (("key", issue_key), ("id", issue_id)) if v is not None}
        claims = {"iss": iss, "aud": aud, "iat": now, "nbf": now, "exp": now + expires_in,
                  "app": {"installationId": installation, "id": APP_ID},
                  "context": {"cloudId": cloud_id, "moduleKey": "iso10002-panel",
                              "extension": {"type": "jira:issuePanel", "issue": issue}}}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": kid})
