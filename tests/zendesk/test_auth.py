"""Auth: OAuth client credentials with refresh, Anonymous-user detection, secrets kept secret."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
import requests
import responses
from pydantic import SecretStr
from responses import matchers, registries

from compliance_checks.configfile import ConfigError
from connector.platforms.zendesk.auth import (
    AuthError,
    BasicTokenAuth,
    OAuthBearer,
    build_authenticator,
    verify_identity,
)
from connector.platforms.zendesk.http import ZendeskClient
from connector.platforms.zendesk.secrets import MissingSecretError, SecretSource
from tests.zendesk.builders import BASE
from tests.zendesk.conftest import FakeClock, make_source

TOKEN_URL = f"{BASE}/oauth/tokens"
ME_URL = f"{BASE}/api/v2/users/me.json"
SECRETS = {"ZD_ID": "client-id-xyz", "ZD_SECRET": "s3cr3t-client-value"}
CC_AUTH = {"type": "oauth_client_credentials", "client_id_env": "ZD_ID",
           "client_secret_env": "ZD_SECRET", "scopes": ["read", "write"]}


def cc_client(clock: FakeClock) -> tuple[ZendeskClient, OAuthBearer]:
    source = make_source(auth=CC_AUTH)
    session = requests.Session()
    auth = build_authenticator(source, session, SecretSource(environ=SECRETS), clock=clock)
    assert isinstance(auth, OAuthBearer)
    return ZendeskClient(source, auth, session=session, sleeper=clock.sleep, clock=clock), auth


def grant(body: dict[str, str]) -> list[matchers.Any]:  # type: ignore[name-defined]
    return [matchers.json_params_matcher(body)]


CC_BODY = {"grant_type": "client_credentials", "client_id": "client-id-xyz",
           "client_secret": "s3cr3t-client-value", "scope": "read write"}


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_client_credentials_fetch_then_refresh_on_expiry(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, auth = cc_client(clock)
    responses.post(TOKEN_URL, match=grant(CC_BODY),
                   json={"access_token": "at-1", "token_type": "bearer", "expires_in": 1800,
                         "refresh_token": "rt-1", "scope": "read write"})
    responses.get(ME_URL, match=[matchers.header_matcher({"Authorization": "Bearer at-1"})],
                  json={"user": {"id": 7, "name": "Bot", "role": "admin"}})
    client.get("/api/v2/users/me.json")
    clock.now += 1800  # past expiry (minus the skew)
    responses.post(TOKEN_URL, match=grant({"grant_type": "refresh_token", "refresh_token": "rt-1",
                                           "client_id": "client-id-xyz",
                                           "client_secret": "s3cr3t-client-value"}),
                   json={"access_token": "at-2", "expires_in": 1800, "refresh_token": "rt-2"})
    responses.get(ME_URL, match=[matchers.header_matcher({"Authorization": "Bearer at-2"})],
                  json={"user": {"id": 7, "name": "Bot", "role": "admin"}})
    client.get("/api/v2/users/me.json")
    assert auth.token_requests == 2
    for secret in ("at-1", "at-2", "rt-1", "rt-2", "s3cr3t-client-value"):
        assert secret not in caplog.text
        assert secret not in repr(auth)


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_401_triggers_one_renewal_and_retry(clock: FakeClock) -> None:
    client, auth = cc_client(clock)
    responses.post(TOKEN_URL, json={"access_token": "at-1", "expires_in": 7200})
    responses.get(ME_URL, status=401, json={"error": "invalid_token"})
    responses.post(TOKEN_URL, match=grant(CC_BODY), json={"access_token": "at-2",
                                                          "expires_in": 7200})
    responses.get(ME_URL, match=[matchers.header_matcher({"Authorization": "Bearer at-2"})],
                  json={"user": {"id": 1}})
    assert client.get("/api/v2/users/me.json") == {"user": {"id": 1}}
    assert auth.token_requests == 2


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_persistent_401_is_an_auth_error_not_a_loop(clock: FakeClock) -> None:
    client, _ = cc_client(clock)
    responses.post(TOKEN_URL, json={"access_token": "at-1"})
    responses.get(ME_URL, status=401)
    responses.post(TOKEN_URL, json={"access_token": "at-2"})
    responses.get(ME_URL, status=401)
    with pytest.raises(AuthError, match="HTTP 401"):
        client.get("/api/v2/users/me.json")


@responses.activate(assert_all_requests_are_fired=True)
def test_token_endpoint_refusal_names_status_not_secret(clock: FakeClock) -> None:
    client, _ = cc_client(clock)
    responses.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(AuthError) as err:
        client.get("/api/v2/users/me.json")
    assert "invalid_client" in str(err.value)
    assert "s3cr3t-client-value" not in str(err.value)
    assert "client-id-xyz" not in str(err.value)


def test_pre_issued_token_without_client_cannot_renew() -> None:
    auth = OAuthBearer(TOKEN_URL, requests.Session(), access_token=SecretStr("at-0"))
    assert auth.headers() == {"Authorization": "Bearer at-0"}
    assert auth.refresh() is False


@pytest.mark.parametrize(
    "body",
    [
        {"user": {"id": None, "name": "Anonymous user", "role": "end-user"}},
        {"user": {"id": 5, "name": "Anonymous user"}},
        {"user": None},
        {},
    ],
)
def test_anonymous_user_200_is_rejected(body: dict[str, object]) -> None:
    with pytest.raises(AuthError, match="Anonymous user"):
        verify_identity(body, need_admin=False)


def test_incremental_export_needs_an_admin() -> None:
    with pytest.raises(AuthError, match="admin"):
        verify_identity({"user": {"id": 9, "name": "Agent", "role": "agent"}}, need_admin=True)
    assert verify_identity({"user": {"id": 9, "name": "A", "role": "admin"}}, need_admin=True)


def test_basic_token_auth_warns_about_2027_and_hides_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = make_source(auth={"type": "api_token", "email_env": "E", "token_env": "T"})
    auth = build_authenticator(source, requests.Session(),
                               SecretSource(environ={"E": "me@acme.test", "T": "api-tok-999"}))
    assert isinstance(auth, BasicTokenAuth)
    assert "2027-04-30" in caplog.text
    header = auth.headers()["Authorization"]
    assert base64.b64decode(header.removeprefix("Basic ")) == b"me@acme.test/token:api-tok-999"
    assert "api-tok-999" not in repr(auth)
    assert "api-tok-999" not in caplog.text


def test_missing_secret_names_the_variable_only(tmp_path: Path) -> None:
    source = make_source(auth=CC_AUTH)
    with pytest.raises(MissingSecretError, match="ZD_ID"):
        build_authenticator(source, requests.Session(), SecretSource(environ={}))
    secrets_file = tmp_path / "zendesk.env"
    secrets_file.write_text("# comment\nZD_ID=from-file\nZD_SECRET='quoted'\n")
    found = SecretSource(secrets_file, environ={})
    assert found.get("ZD_SECRET").get_secret_value() == "quoted"
    bad = tmp_path / "bad.env"
    bad.write_text("just-a-pasted-secret\n")
    with pytest.raises(MissingSecretError) as err:
        SecretSource(bad, environ={}).get("X")
    assert "just-a-pasted-secret" not in str(err.value)
    assert "bad.env:1" in str(err.value)


def test_bad_config_names_file_and_key_path_without_echoing_values() -> None:
    with pytest.raises(ConfigError) as err:
        make_source(rate_limits={"incremental_per_minute": 99}, auth={"type": "nope",
                                                                       "x": "secret-ish"})
    text = str(err.value)
    assert "test.yaml: rate_limits.incremental_per_minute" in text
    assert "test.yaml: auth" in text
    assert "secret-ish" not in text
