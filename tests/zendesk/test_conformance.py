"""Every request the client sends in the sandbox scenarios validates against Zendesk's OpenAPI.

Reads ``../shared/specs/zendesk-support-v2.yaml`` (or ``$ISO10002_SPECS_DIR``); skipped when the
directory is absent. Quirks of that document (see its README): bare ``=`` scalars load as
strings, strict spec validation is off, paths carry no ``.json``, ``start_time`` is wrongly
required on cursor follow-up pages of the ticket export (we add a placeholder there only), and
List Groups declares a ``user_id`` path parameter its path has no place for (parameters shared
with ``/users/{user_id}/groups``; we drop path parameters a path does not name).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from connector.http import RecordedRequest
from devtools.sandboxes.zendesk import Fault, SandboxServer
from tests.zendesk import scenarios as sc

pytestmark = [pytest.mark.conformance, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SPECS = Path(os.environ.get("ISO10002_SPECS_DIR", REPO.parent / "shared" / "specs"))
SPEC_FILE = SPECS / "zendesk-support-v2.yaml"
SERVER = "https://acme.zendesk.com"


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads YAML's ``=`` (value) scalars as plain strings."""


_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(
    node))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def openapi() -> Any:
    if not SPEC_FILE.exists():
        pytest.skip(f"vendor OpenAPI document not found at {SPEC_FILE} (set ISO10002_SPECS_DIR)")
    from openapi_core import Config, OpenAPI

    with SPEC_FILE.open(encoding="utf-8") as fh:
        spec = yaml.load(fh, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    _drop_unnamed_path_parameters(spec)
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def _drop_unnamed_path_parameters(spec: dict[str, Any]) -> None:
    parameters = spec["components"]["parameters"]

    def named(path: str, param: dict[str, Any]) -> bool:
        resolved = parameters[param["$ref"].rsplit("/", 1)[1]] if "$ref" in param else param
        return resolved.get("in") != "path" or "{" + resolved["name"] + "}" in path

    for path, item in spec["paths"].items():
        for operation in item.values():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [p for p in operation["parameters"] if named(path, p)]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> list[RecordedRequest]:
    """Run the sandbox scenarios once with a recorder attached."""
    recorder: list[RecordedRequest] = []
    tmp = tmp_path_factory.mktemp("conformance")
    server: SandboxServer = sc.start_sandbox()
    try:
        findings = sc.fixed_findings(server)
        server.app.inject(Fault("conflict", path=r"/tickets/\d+", method="PUT"))
        out = sc.full_cycle(server, tmp, findings, recorder)
        for ticket in server.state.world.tickets.values():
            if "iso10002-noncompliant" in ticket["tags"]:
                server.state.change_tags(ticket["id"], {"tags": ["iso10002-noncompliant"]}, 2,
                                         "remove")
        from connector.platforms.zendesk.commands import check_credentials, pull, writeback

        writeback(out["source"], findings, apply=True, client=out["client"])
        check_credentials(out["client"])
        pull(out["source"], tmp / "one.jsonl", start_time=None, cursor=None,
             ticket_id=sc.ticket_ids(server)[1],
             client=out["client"])
    finally:
        server.stop()
    return recorder


def _openapi_request(rec: RecordedRequest) -> Any:
    from openapi_core.contrib.requests import RequestsOpenAPIRequest

    params = dict(rec.query)
    path = rec.path.removesuffix(".json")
    if path == "/api/v2/incremental/tickets/cursor" and "cursor" in params:
        params.setdefault("start_time", ["0"])  # spec quirk: wrongly required on follow-ups
    prepared = requests.Request(
        rec.method, SERVER + path, params=params,
        data=json.dumps(rec.body) if rec.body is not None else None,
        headers={"Authorization": "Basic dXNlcjpwYXNz",  # spec declares basicAuth only
                 **({"Content-Type": "application/json"} if rec.body is not None else {})},
    ).prepare()
    return RequestsOpenAPIRequest(prepared)


def _unique(recorder: list[RecordedRequest]) -> Iterator[RecordedRequest]:
    seen: set[str] = set()
    for rec in recorder:
        key = json.dumps([rec.method, rec.path.split("/")[3:5], sorted(rec.query),
                          sorted(rec.body) if isinstance(rec.body, dict) else None])
        if key not in seen:
            seen.add(key)
            yield rec


def test_scenarios_cover_every_endpoint_the_connector_uses(
    recorded: list[RecordedRequest],
) -> None:
    from connector.platforms.zendesk.http import endpoint_key

    used = {endpoint_key(r.method, r.path) for r in recorded}
    assert used >= {
        "GET /api/v2/users/me", "GET /api/v2/users", "GET /api/v2/groups", "GET /api/v2/ticket_forms",
        "GET /api/v2/incremental/tickets/cursor", "GET /api/v2/incremental/ticket_events",
        "GET /api/v2/incremental/ticket_metric_events", "GET /api/v2/tickets/show_many",
        "GET /api/v2/tickets/{id}", "PUT /api/v2/tickets/{id}",
        "PUT /api/v2/tickets/update_many", "GET /api/v2/job_statuses/{id}",
        "GET /api/v2/tickets/{id}/audits",
    }


def test_every_recorded_request_validates(openapi: Any, recorded: list[RecordedRequest]) -> None:
    problems = []
    for rec in _unique(recorded):
        try:
            openapi.validate_request(_openapi_request(rec))
        except Exception as exc:  # noqa: BLE001 - collect every kind of validation failure
            problems.append(f"{rec.method} {rec.path} {rec.query}: {type(exc).__name__}: "
                            f"{getattr(exc, '__cause__', None) or exc}")
    assert problems == []


def test_token_requests_validate(openapi: Any) -> None:
    """The token request goes out through the auth layer (not the recorder: it holds the
    client secret), so its two bodies are captured from a mocked token endpoint here."""
    import responses
    from pydantic import SecretStr

    from connector.platforms.zendesk.auth import OAuthBearer

    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(f"{SERVER}/oauth/tokens",
                  json={"access_token": "a", "expires_in": 60, "refresh_token": "r"})
        mock.post(f"{SERVER}/oauth/tokens", json={"access_token": "b", "expires_in": 60})
        auth = OAuthBearer(f"{SERVER}/oauth/tokens", requests.Session(),
                           client_id=SecretStr("x"), client_secret=SecretStr("y"),
                           scopes=("read", "write"), client_credentials=True)
        auth.headers()
        auth.refresh()
        bodies = [json.loads(call.request.body) for call in mock.calls]
    assert [b["grant_type"] for b in bodies] == ["client_credentials", "refresh_token"]
    for body in bodies:
        openapi.validate_request(_openapi_request(
            RecordedRequest("POST", "/oauth/tokens", {}, body)))


def test_a_wrong_body_would_be_caught(openapi: Any) -> None:
    bad = RecordedRequest("PUT", "/api/v2/tickets/5.json", {},
                          {"ticket": {"priority": "super", "safe_update": True}})
    with pytest.raises(Exception):  # noqa: B017 - any validation error will do
        openapi.validate_request(_openapi_request(bad))
