"""Validate Jira requests against Atlassian's published OpenAPI document.

Reads ``jira-platform-v3.json`` from ``$ISO10002_SPECS_DIR`` (default ``../shared/specs``
next to the repository); when it is absent, ``SPEC_FILE.exists()`` is false and callers skip.
Deprecated operations (the removed ``/rest/api/3/search``) are rejected here, since the
validator itself accepts them. Only ``/rest/api/3`` requests are checked: no Data Center
OpenAPI document is published.

The ``rsps`` fixture and the sandbox fixtures call ``problems`` on what each test sent, so
every Jira test's requests are validated within that test, whatever else runs.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
SPECS = Path(os.environ.get("ISO10002_SPECS_DIR", ROOT.parent / "shared" / "specs"))
SPEC_FILE = SPECS / "jira-platform-v3.json"
HOST = "https://your-domain.atlassian.net"

#: (method, path, query, body, content type) of one request.
Sent = tuple[str, str, str, bytes | None, str | None]


class DeprecatedOperation(AssertionError):
    pass


@cache
def _spec() -> dict[str, Any]:
    return dict(json.loads(SPEC_FILE.read_text(encoding="utf-8")))


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


def problems(sent: Iterable[Sent]) -> list[str]:
    """Every Cloud v3 request in ``sent`` that the document refuses, one line each."""
    found = []
    for method, path, query, body, ctype in sent:
        if not _v3(path):
            continue
        try:
            validate(method, path, query, body, ctype)
        except Exception as exc:  # noqa: BLE001 - collect every failure, report them together
            found.append(f"{method} {path}?{query[:80]}: {type(exc).__name__}: {exc}"[:400])
    return found


def from_responses(calls: Iterable[Any]) -> list[Sent]:
    """What ``responses`` saw actually sent (requests matching no mock were refused locally)."""
    out: list[Sent] = []
    for call in calls:
        if "doesn't match any registered mock" in str(call.response):
            continue
        req = call.request
        parsed = requests.utils.urlparse(req.url)
        body = req.body.encode() if isinstance(req.body, str) else req.body
        out.append((req.method, parsed.path, parsed.query, body, req.headers.get("Content-Type")))
    return out


def from_sandbox(requests_seen: Iterable[Any]) -> list[Sent]:
    return [(r.method, r.path, r.query, r.body, r.content_type) for r in requests_seen]


def assert_conforms(sent: Iterable[Sent]) -> None:
    """Fail the calling test if any request it sent is refused (no-op without the document)."""
    if not SPEC_FILE.exists():
        return
    refused = problems(sent)
    assert refused == [], "requests not valid for Atlassian's OpenAPI document:\n" + "\n".join(refused)
