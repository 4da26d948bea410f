"""``iso10002 serve`` as a subprocess, attacked over raw HTTP: webhook bodies over the cap or
without a signature are refused before they are read, malformed ticket ids never reach the
helpdesk, and a failed refresh leaves no ticket text in ``/healthz`` or ``/metrics``.

The helpdesk sources point at a closed loopback port: nothing here needs a sandbox."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from tests.service import procs

pytestmark = pytest.mark.slow
CAP = 64 * 1024
#: Only a failure waits this long (the server never answered); a pass answers at once.
SOCKET_TIMEOUT = 20.0
DEAD = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    tmp = tmp_path_factory.mktemp("hardening")
    config = procs.write_config(tmp, zendesk=DEAD, jira=DEAD, webhooks={
        "zendesk": {"max_age_seconds": 300}, "jira": {}, "max_body_bytes": CAP})
    with procs.serve(config) as (_proc, url):
        _host, port = url.removeprefix("http://").split(":")
        yield url, int(port)


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT)


def _head(sock: socket.socket) -> bytes:
    """The response head (status line and headers), read while the request body is unsent."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def _closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed; a connection kept open fails with ``socket.timeout``."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return True


@pytest.mark.parametrize("path", ["/webhooks/zendesk", "/webhooks/jira"])
def test_a_declared_length_over_the_cap_gets_413_before_the_body_is_sent(
    service: tuple[str, int], path: str
) -> None:
    _url, port = service
    with _connect(port) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: t\r\nX-Hub-Signature: sha256=00\r\n"
                     "X-Zendesk-Webhook-Signature: x\r\nX-Zendesk-Webhook-Signature-Timestamp: x\r\n"
                     "Content-Type: application/json\r\nContent-Length: 300000000\r\n\r\n".encode())
        head = _head(sock)  # not one byte of the 300 MB body was sent
        assert head.startswith(b"HTTP/1.1 413 "), head
        assert b"connection: close" in head.lower()
        assert _closed_by_server(sock)


def test_a_chunked_body_is_cut_off_at_the_cap(service: tuple[str, int]) -> None:
    _url, port = service
    with _connect(port) as sock:
        sock.sendall(b"POST /webhooks/jira HTTP/1.1\r\nHost: t\r\nX-Hub-Signature: sha256=00\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 16384
        for _ in range(CAP // len(chunk) + 2):  # just past the cap; the body is never finished
            sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        head = _head(sock)
        assert head.startswith(b"HTTP/1.1 413 "), head


@pytest.mark.parametrize("path", ["/webhooks/zendesk", "/webhooks/jira"])
def test_an_unsigned_body_is_refused_before_it_is_read(service: tuple[str, int], path: str) -> None:
    _url, port = service
    with _connect(port) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                     "Content-Length: 60000\r\n\r\n".encode())
        head = _head(sock)  # under the cap, but unsigned: no need to wait for it
        assert head.startswith(b"HTTP/1.1 401 "), head


def test_a_signed_jira_webhook_with_a_path_as_issue_key_is_refused(service: tuple[str, int]) -> None:
    url, _port = service
    stamp = int(datetime.now(UTC).timestamp() * 1000)
    for key in ["../../myself", "CS-5?expand=x", "CS-5%3Fexpand=x"]:
        answer = procs.jira_webhook(url, {"webhookEvent": "jira:issue_updated", "timestamp": stamp,
                                          "issue": {"id": "10005", "key": key}})
        assert answer.status_code == 422, (key, answer.text)
        assert key not in answer.text


def test_malformed_ids_at_the_panel_api_are_400_and_failed_refreshes_leave_no_ticket_text(
    service: tuple[str, int],
) -> None:
    url, _port = service
    auth = {"Authorization": f"Bearer {procs.API_KEY}"}
    huge = "9" * 5000
    for platform, ticket in [("zendesk", huge), ("jira", "CS-5%3Fexpand=x"), ("zendesk", "0")]:
        answer = requests.post(f"{url}/api/v1/tickets/{platform}/{ticket}/refresh", headers=auth, timeout=10)
        assert answer.status_code == 400, (platform, ticket[:20], answer.text)
        assert answer.json()["error"] == "invalid_ticket_id"
    # A valid id whose refresh fails (the helpdesk is unreachable): the step is counted and shown,
    # but by kind and error class only.
    ticket = "912345678901234567"
    assert requests.post(f"{url}/api/v1/tickets/zendesk/{ticket}/refresh", headers=auth,
                         timeout=10).status_code == 202

    def refresh_failed() -> dict[str, object] | None:
        health: dict[str, object] = requests.get(f"{url}/healthz", timeout=5).json()
        return health if str(health.get("last_error", "")).startswith("refresh") else None

    health = procs.wait_for("the refresh step failed", refresh_failed)
    assert ticket not in json.dumps(health)
    assert health["last_error"] == "refresh: " + str(health["last_error"]).split(": ", 1)[1]
    assert ":" not in str(health["last_error"]).split(": ", 1)[1]  # a class name, no message
    exposition = requests.get(f"{url}/metrics", timeout=5).text
    assert 'iso10002_runs_total{kind="refresh",outcome="error"}' in exposition
    assert ticket not in exposition and huge[:50] not in exposition
