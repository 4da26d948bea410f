"""Every request the Jira tests send must be valid for Atlassian's published OpenAPI document.

Reads ``jira-platform-v3.json`` from ``$ISO10002_SPECS_DIR`` (default ``../shared/specs``
next to the repository) and skips when it is absent. Deprecated operations (the removed
``/rest/api/3/search``) are rejected here, since the validator itself accepts them. Only
``/rest/api/3`` requests are checked: no Data Center OpenAPI document is published.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.jira.helpers import RECORDED, sandbox_source
from tests.jira.test_sandbox import ENV, SANDBOX_RECORDED, _findings, _issues

ROOT = Path(__file__).resolve().parents[2]
SPECS = Path(os.environ.get("ISO10002_SPECS_DIR", ROOT.parent / "shared" / "specs"))
SPEC_FILE = SPECS / "jira-platform-v3.json"
HOST = "https://your-domain.atlassian.net"

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(not SPEC_FILE.exists(), reason=f"Jira OpenAPI document not at {SPEC_FILE}"),
]


class DeprecatedOperation(AssertionError):
    pass


@cache
def _spec() -> dict[str, Any]:
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


@cache
def _api() -> Any:
    from openapi_core import Config, OpenAPI

    # Strict spec validation fails on one bad enum default in Atlassian's document.
    return OpenAPI.from_dict(_spec(), config=Config(spec_validator_cls=None))


def _operation(method: str, path: str) -> dict[str, Any] | None:
    """The spec operation for a concrete path; literal segments win over templates."""
    candidates = []
    for template, item in _spec()["paths"].items():
        pattern = "^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            candidates.append((template.count("{"), item[method.lower()]))
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


def validate(method: str, path: str, query: str, body: bytes | None, ctype: str | None) -> None:
    """Raise if the request is not valid for the published document (or deprecated)."""
    from openapi_core.contrib.requests import RequestsOpenAPIRequest

    operation = _operation(method, path)
    if operation is not None and operation.get("deprecated"):
        raise DeprecatedOperation(f"{method} {path} is deprecated (removed on Cloud)")
    url = f"{HOST}{path}" + (f"?{query}" if query else "")
    headers = {"Content-Type": ctype} if ctype else {}
    prepared = requests.Request(method, url, data=body or None, headers=headers).prepare()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Unsupported scheme type": auth schemes are not checked
        _api().validate_request(RequestsOpenAPIRequest(prepared))


def _v3(path: str) -> bool:
    return path.startswith("/rest/api/3/")


def _check_all(recorded: list[tuple[str, str, str, bytes | None, str | None]]) -> list[str]:
    problems = []
    for method, path, query, body, ctype in recorded:
        try:
            validate(method, path, query, body, ctype)
        except Exception as exc:  # noqa: BLE001 - collect every failure, report them together
            problems.append(f"{method} {path}?{query[:80]}: {type(exc).__name__}: {exc}"[:400])
    return problems


def _from_responses() -> list[tuple[str, str, str, bytes | None, str | None]]:
    out = []
    for req in RECORDED:
        parsed = requests.utils.urlparse(req.url)
        if _v3(parsed.path):
            body = req.body.encode() if isinstance(req.body, str) else req.body
            out.append((req.method, parsed.path, parsed.query, body, req.headers.get("Content-Type")))
    return out


def _from_sandbox(items: list[Any]) -> list[tuple[str, str, str, bytes | None, str | None]]:
    return [(r.method, r.path, r.query, r.body, r.content_type) for r in items if _v3(r.path)]


def test_sandbox_round_trip_requests_conform(tmp_path: Path) -> None:
    from connector.jira.commands import pull, writeback
    from connector.jira.sandbox import SandboxServer, make_state

    with SandboxServer(make_state(mode="cloud", seed=21, issues=30)) as server:
        src = sandbox_source(server, tmp_path, page_sizes={"search": 10, "bulkfetch_issues": 15})
        first = pull(src, tmp_path / "p.jsonl", since=None, environ=ENV)
        writeback(src, _findings(_issues(first.out)), apply=True, environ=ENV)
        flipped = {i["key"] for i in _issues(first.out) if int(i["key"].split("-")[1]) % 3 == 0}
        writeback(src, _findings(_issues(first.out), flag=flipped), apply=True, environ=ENV)
        recorded = _from_sandbox(server.state.requests)
    kinds = {(m, re.sub(r"CMP-\d+", "K", p).split("/comment/")[0]) for m, p, *_ in recorded}
    assert {
        ("POST", "/rest/api/3/search/jql"),
        ("POST", "/rest/api/3/changelog/bulkfetch"),
        ("POST", "/rest/api/3/issue/bulkfetch"),
        ("POST", "/rest/api/3/issue/K/comment"),
        ("PUT", "/rest/api/3/issue/K"),
        ("PUT", "/rest/api/3/issue/K"),
    } <= kinds
    assert _check_all(recorded) == []


def test_every_request_recorded_by_the_other_jira_tests_conforms() -> None:
    recorded = _from_responses() + _from_sandbox(SANDBOX_RECORDED)
    if not recorded:
        pytest.skip("run together with the other tests in tests/jira to check their requests")
    assert _check_all(recorded) == []


def test_removed_search_is_rejected_even_though_the_validator_accepts_it() -> None:
    with pytest.raises(DeprecatedOperation):
        validate("GET", "/rest/api/3/search", "jql=project%3DCMP", None, None)


def test_start_at_in_search_jql_body_is_rejected() -> None:
    body = json.dumps({"jql": "project = CMP", "startAt": 100}).encode()
    with pytest.raises(Exception, match="startAt"):
        validate("POST", "/rest/api/3/search/jql", "", body, "application/json")
