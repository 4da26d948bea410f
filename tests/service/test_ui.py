"""The ``/ui`` dashboard in-process (Zendesk sandbox synced and checked into SQLite, virtual
clock): sign-in with argon2-hashed passwords, the signed session cookie, the trusted proxy header,
CSRF on Re-check, the work queue and register built from the store, hostile ticket text escaped."""

from __future__ import annotations

import base64
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from connector.config import AppConfig
from connector.pipeline import Pipeline, load_evaluator
from connector.service.panel_api import PanelApi
from connector.service.ui import ui_mount
from connector.service.ui_auth import hash_password
from connector.store import Store
from devtools.sandboxes.zendesk import SandboxServer
from tests.service.helpers import complaint_ids
from tests.zendesk import scenarios as sc

with warnings.catch_warnings():  # starlette nags about httpx vs httpx2; httpx works
    warnings.simplefilter("ignore")
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.testclient import TestClient

pytestmark = pytest.mark.slow
PASSWORD = "a long enough test password"
SECRET = "s" * 40
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
HTML = {"Accept": "text/html"}


@dataclass
class World:
    pipeline: Pipeline
    server: SandboxServer
    hostile: str
    queued: list[tuple[str, str]] = field(default_factory=list)

    def client(self, **ui: Any) -> TestClient:
        config = self.pipeline.config.model_copy(update={"ui": AppConfig.model_validate({
            "sources": [s.model_dump(mode="json") for s in self.pipeline.sources], "ui": ui}).ui})
        pipe = Pipeline(config, self.pipeline.store, self.pipeline.evaluator, clock=self.pipeline.clock)

        def enqueue(source: str, ticket: str, *, recheck: bool = False) -> None:
            self.queued.append((source, ticket))

        panel = PanelApi(pipe, enqueue, [], clock=self.pipeline.clock)
        app = Starlette(routes=ui_mount(pipe, panel, SECRET, self.pipeline.clock, background=False))
        return TestClient(app, base_url="http://testserver")


USERS = {"users": {"lead": {"password_hash": hash_password(PASSWORD)}}}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("ui")
    server = sc.start_sandbox(tickets=30)
    hostile = min(complaint_ids(server), key=int)
    server.state.world.tickets[int(hostile)]["subject"] = HOSTILE
    store = Store(f"sqlite:///{tmp / 'store.db'}")
    src = sc.sandbox_source(server)
    client = sc.sandbox_client(server, src)
    config = AppConfig.model_validate({"sources": [src.model_dump(mode="json")],
                                       "sync": {"initial_since": "2025-01-01T00:00:00Z"}})
    pipe = Pipeline(config, store, load_evaluator(config), clock=lambda: sc.virtual_now(server),
                    client_factory=lambda _s: client)
    pipe.sync()
    pipe.check()
    yield World(pipe, server, hostile)
    store.close()
    server.stop()


def _snapshot(world: World) -> Any:
    from connector.service.ui_data import Dashboard

    snap, fresh = Dashboard(world.pipeline, world.pipeline.clock, background=False).snapshot()
    assert fresh
    return snap


def _login(client: TestClient, password: str = PASSWORD) -> Any:
    return client.post("/ui/login", data={"username": "lead", "password": password}, follow_redirects=False)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def test_unauthenticated_html_is_sent_to_login_and_api_gets_401(world: World) -> None:
    with world.client(**USERS) as client:
        page = client.get("/ui/", headers=HTML, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/ui/login"
        assert client.get("/ui/register", follow_redirects=False).status_code == 401
        assert client.post("/ui/recheck", data={"platform": "zendesk", "ticket": "1"}).status_code == 401


def test_wrong_password_or_user_is_refused_and_sets_no_session(world: World) -> None:
    with world.client(**USERS) as client:
        bad = _login(client, "not the password at all")
        assert bad.status_code == 401 and "Wrong username or password" in bad.text
        assert client.get("/ui/", follow_redirects=False).status_code == 401
        unknown = client.post("/ui/login", data={"username": "nobody", "password": PASSWORD})
        assert unknown.status_code == 401


def test_login_sets_a_signed_httponly_lax_cookie_and_logout_ends_it(world: World) -> None:
    with world.client(**USERS) as client:
        ok = _login(client)
        assert ok.status_code == 303
        cookie = ok.headers["set-cookie"].lower()
        assert "iso10002_ui=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert "path=/ui" in cookie and "secure" not in cookie
        home = client.get("/ui/")
        assert home.status_code == 200 and "Work queue" in home.text
        out = client.post("/ui/logout", data={"csrf": _csrf(home.text)}, follow_redirects=False)
        assert out.status_code == 303
        assert client.get("/ui/", follow_redirects=False).status_code == 401
    with world.client(**USERS, secure_cookies=True) as client:
        assert "secure" in _login(client).headers["set-cookie"].lower()


def test_a_tampered_session_cookie_is_not_a_session(world: World) -> None:
    with world.client(**USERS) as client:
        _login(client)
        value = client.cookies["iso10002_ui"]
        payload, _, signature = value.partition(".")
        forged = base64.b64encode(b'{"user": "lead", "csrf": "chosen"}').decode()
        assert forged != payload
        for tampered in (f"{forged}.{signature}", f"{payload}.{signature[:-2]}xx"):
            client.cookies.clear()
            client.cookies.set("iso10002_ui", tampered)
            assert client.get("/ui/", follow_redirects=False).status_code == 401
        client.cookies.clear()
        client.cookies.set("iso10002_ui", value)  # the untouched cookie still works
        assert client.get("/ui/", follow_redirects=False).status_code == 200


def _queue_ticket(page: str) -> str:
    found = re.search(r'name="ticket" value="([^"]+)"', page)
    assert found, "the work queue is empty"
    return found.group(1)


@pytest.mark.parametrize(("token", "headers"), [
    (None, {}),
    ("wrong", {}),
    ("<own>", {"Origin": "https://evil.example"}),
    ("<own>", {"Sec-Fetch-Site": "cross-site"}),
    ("<own>", {"Origin": "null"}),
])
def test_recheck_without_the_csrf_token_or_from_another_site_is_refused(
    world: World, token: str | None, headers: dict[str, str]
) -> None:
    with world.client(**USERS) as client:
        _login(client)
        home = client.get("/ui/").text
        form = {"platform": "zendesk", "ticket": _queue_ticket(home)}
        if token is not None:
            form["csrf"] = _csrf(home) if token == "<own>" else token
        before = len(world.queued)
        answer = client.post("/ui/recheck", data=form, headers=headers, follow_redirects=False)
        assert answer.status_code == 403
        assert len(world.queued) == before


def test_recheck_with_the_token_queues_the_ticket_through_the_panel_path(world: World) -> None:
    with world.client(**USERS) as client:
        _login(client)
        home = client.get("/ui/").text
        ticket = _queue_ticket(home)
        form = {"platform": "zendesk", "ticket": ticket, "csrf": _csrf(home)}
        answer = client.post("/ui/recheck", data=form,
                             headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
                             follow_redirects=False)
        assert answer.status_code == 303, answer.text
        assert world.queued[-1] == (world.pipeline.sources[0].name, ticket)
        again = client.post("/ui/recheck", data=form)
        assert again.status_code == 429  # the panel API's per-ticket limit applies


def test_work_queue_lists_overdue_and_due_soon_by_team_and_owner_with_helpdesk_links(world: World) -> None:
    now = world.pipeline.clock()
    with world.client(**USERS) as client:
        _login(client)
        page = client.get("/ui/").text
    # What the store holds: open complaints whose earliest clocked finding is overdue or AT_RISK.
    expected = _snapshot(world).queue(now)
    assert expected, "the seeded sandbox has no overdue or at-risk complaint"
    for item in expected:
        assert f'href="{world.server.base_url}/agent/tickets/{item.ticket}"' in page
    assert f"{sum(i.overdue(now) for i in expected)} overdue" in page
    for team in {i.team for i in expected}:
        assert f"<h2>{team}</h2>" in page
    assert all(i.status in {"FAIL", "AT_RISK", "PENDING"} for i in expected)
    assert all(i.overdue(now) or i.status in {"FAIL", "AT_RISK"} for i in expected)
    assert "Last evaluation: run #" in page and "KPIs against objectives" in page


def test_register_filters_and_pages_server_side(world: World) -> None:
    with world.client(**USERS, page_size=10) as client:
        _login(client)
        everything = client.get("/ui/register").text
        total = int(re.search(r"(\d+) complaints; page 1 of (\d+)", everything).group(1))  # type: ignore[union-attr]
        assert total == len(complaint_ids(world.server)) and total > 10
        second = client.get("/ui/register?page=2").text
        assert "page 2 of" in second
        failing = client.get("/ui/register?status=failing").text
        shown = int(re.search(r'"register-count">(\d+) complaints', failing).group(1))  # type: ignore[union-attr]
        assert 0 < shown < total
        found = client.get(f"/ui/register?q={world.hostile}").text
        assert '"register-count">1 complaints' in found


def test_hostile_ticket_text_is_escaped(world: World) -> None:
    with world.client(**USERS) as client:
        _login(client)
        page = client.get(f"/ui/register?q={world.hostile}").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_trusted_proxy_header_counts_only_from_the_proxy_address(world: World) -> None:
    # The test client's address is "testclient", which is no IP address: never a trusted proxy.
    with world.client(trusted_header="X-Forwarded-User", trusted_proxies=["127.0.0.1"]) as client:
        answer = client.get("/ui/", headers={"X-Forwarded-User": "lead@example.com"}, follow_redirects=False)
        assert answer.status_code == 401


def test_the_dashboard_is_off_without_a_session_secret(world: World) -> None:
    config = world.pipeline.config.model_copy(update={"ui": AppConfig.model_validate({
        "sources": [s.model_dump(mode="json") for s in world.pipeline.sources], "ui": USERS}).ui})
    pipe = Pipeline(config, world.pipeline.store, world.pipeline.evaluator, clock=world.pipeline.clock)
    panel = PanelApi(pipe, lambda *_a, **_k: None, [], clock=pipe.clock)
    with TestClient(Starlette(routes=ui_mount(pipe, panel, "too short", pipe.clock))) as client:
        assert client.get("/ui/login").status_code == 503


def test_work_queue_lists_the_most_urgent_up_to_the_limit_and_counts_all(world: World) -> None:
    now = world.pipeline.clock()
    expected = _snapshot(world).queue(now)
    assert len(expected) > 2
    with world.client(**USERS, queue_limit=2) as client:
        _login(client)
        page = client.get("/ui/").text
    listed = re.findall(r'name="ticket" value="([^"]+)"', page)
    assert set(listed) == {i.ticket for i in expected[:2]}
    assert f"The 2 most urgent of {len(expected)} are listed" in page
    counted = re.findall(r"<tr><td>[^<]*</td><td>[^<]*</td><td>(\d+)</td><td>(\d+)</td></tr>", page)
    assert sum(int(a) + int(b) for a, b in counted) == len(expected)


def _request(client: str, headers: dict[str, str]) -> Any:
    from starlette.requests import Request

    scope = {"type": "http", "method": "GET", "path": "/ui/", "headers": [
        (k.lower().encode(), v.encode()) for k, v in headers.items()], "client": (client, 50000),
        "session": {}}
    return Request(scope)


def test_trusted_proxy_header_names_the_user_only_from_a_trusted_address() -> None:
    from connector.service.ui_auth import UiAuth
    from connector.service_config import UiConfig

    auth = UiAuth(UiConfig(trusted_header="X-Forwarded-User", trusted_proxies=("10.1.0.0/16", "::1")))
    named = {"X-Forwarded-User": "lead@example.com"}
    assert auth.user(_request("10.1.2.3", named)) == "lead@example.com"
    assert auth.user(_request("::1", named)) == "lead@example.com"
    assert auth.user(_request("10.2.0.1", named)) is None
    assert auth.user(_request("10.1.2.3", {})) is None
    assert auth.user(_request("10.1.2.3", {"X-Forwarded-User": "  "})) is None
    with pytest.raises(ValueError, match="trusted_proxies"):
        UiConfig(trusted_header="X-Forwarded-User")


def test_hash_password_reads_stdin_and_prints_a_verifiable_argon2_hash() -> None:
    from typer.testing import CliRunner

    from connector.cli import app
    from connector.service.ui_auth import UiAuth
    from connector.service_config import UiConfig, UiUser

    runner = CliRunner()
    done = runner.invoke(app, ["hash-password"], input=PASSWORD + "\n")
    assert done.exit_code == 0, done.output
    digest = done.output.strip()
    assert digest.startswith("$argon2id$") and PASSWORD not in done.output
    auth = UiAuth(UiConfig(users={"lead": UiUser(password_hash=digest)}))
    assert auth.check_password("lead", PASSWORD) and not auth.check_password("lead", PASSWORD + "x")
    short = runner.invoke(app, ["hash-password"], input="short\n")
    assert short.exit_code == 3 and "at least 12 characters" in short.output


def test_background_builds_serve_the_last_build_while_the_next_runs(world: World) -> None:
    from connector.service.ui_data import Dashboard

    data = Dashboard(world.pipeline, world.pipeline.clock)
    assert data.snapshot() == (None, False)  # nothing built yet: the page says "preparing"
    assert data._building is not None
    data._building.join(timeout=120)
    snap, fresh = data.snapshot()
    assert snap is not None and fresh
    finding, run = snap.key
    data._key = lambda: (finding + 1, run)  # type: ignore[method-assign]  # new findings recorded
    stale, fresh = data.snapshot()
    assert stale is snap and not fresh
    data._building.join(timeout=120)
    assert data.snapshot() == (data._snapshot, True) and data._snapshot is not snap


def test_background_builds_run_in_a_worker_process(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build (every complaint and its findings read and shaped) runs in another process, so
    page requests do not wait for the service process's interpreter: with the builder broken in
    this process, a background build still produces the same page data as a build here."""
    from connector.service import ui_data

    expected, _ = ui_data.Dashboard(world.pipeline, world.pipeline.clock, background=False).snapshot()
    assert expected is not None and expected.rows

    def not_here(*_args: Any, **_kwargs: Any) -> list[ui_data.Row]:
        raise AssertionError("built on the service process's interpreter")

    monkeypatch.setattr(ui_data, "build_rows", not_here)
    data = ui_data.Dashboard(world.pipeline, world.pipeline.clock)
    try:
        data.start_build()
        assert data._building is not None
        data._building.join(timeout=120)
        snap, fresh = data.snapshot()
    finally:
        data.close()
    assert snap is not None and fresh
    assert snap.key == expected.key and snap.rows == expected.rows and snap.kpis == expected.kpis


def test_the_worker_sends_the_rows_back_in_chunks(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows come back in pickled chunks (read one at a time, so page requests get turns
    between them) and are put back together in order."""
    from connector.service import ui_data

    expected, _ = ui_data.Dashboard(world.pipeline, world.pipeline.clock, background=False).snapshot()
    assert expected is not None and len(expected.rows) > 7
    monkeypatch.setattr(ui_data, "_CHUNK", 7)
    bare, chunks = ui_data._build_in_worker(world.pipeline.config, world.pipeline.store.url, expected.key,
                                            expected.built_at)
    assert bare.rows == [] and len(chunks) == -(-len(expected.rows) // 7)
    assert ui_data._unpickled(bare, chunks) == expected


def test_closing_stops_the_worker_even_during_a_build(world: World) -> None:
    """The service stops without waiting for a build in progress (the executor would join it)."""
    import os
    import time

    from connector.service import ui_data

    data = ui_data.Dashboard(world.pipeline, world.pipeline.clock)
    data.start_build()
    assert data._building is not None
    while data._building.is_alive() and data._worker_pid is None:
        data._building.join(timeout=0.05)  # until the worker is up: the build runs in it
    pid = data._worker_pid
    assert pid is not None
    ui_data.close_all()
    assert data._pool is None

    def gone() -> bool:
        try:
            return os.waitpid(pid, os.WNOHANG)[0] == pid
        except ChildProcessError:  # already reaped by the executor's own thread
            return True

    deadline = time.monotonic() + 60  # a bound on waiting, not a timing assertion
    while not gone() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone()
    data._building.join(timeout=120)
    assert not data._building.is_alive()


def test_an_in_memory_store_is_built_in_process(world: World) -> None:
    """Another process cannot open an in-memory SQLite database: those builds stay here."""
    from connector.store.engine import reopenable

    assert not reopenable("sqlite://") and not reopenable("sqlite:///:memory:")
    assert not reopenable("sqlite:///file:x?mode=memory&uri=true")
    assert reopenable(world.pipeline.store.url) and reopenable("postgresql+psycopg://u@db/iso")


def test_the_first_page_before_any_build_says_preparing_and_offers_a_reload(world: World) -> None:
    """No automatic refresh (axe-core `meta-refresh`, WCAG 2.2.1: a page must not reload by itself
    on a timer the user cannot control): a Retry-After header for clients and a reload link."""
    config = world.pipeline.config.model_copy(update={"ui": AppConfig.model_validate({
        "sources": [s.model_dump(mode="json") for s in world.pipeline.sources], "ui": USERS}).ui})
    pipe = Pipeline(config, world.pipeline.store, world.pipeline.evaluator, clock=world.pipeline.clock)
    panel = PanelApi(pipe, lambda *_a, **_k: None, [], clock=pipe.clock)
    from connector.service.ui import Ui

    ui = Ui(pipe, panel, SECRET, pipe.clock)
    ui.data.start_build = lambda: None  # type: ignore[method-assign]  # the build never finishes
    with TestClient(Starlette(routes=[Mount("/ui", app=ui.app())])) as client:
        _login(client)
        page = client.get("/ui/")
    assert page.status_code == 503 and page.headers["retry-after"] == "5"
    assert "http-equiv" not in page.text and '<a href="">Reload</a>' in page.text
    assert "Preparing" in page.text


def test_a_step_done_late_is_not_the_queue_item() -> None:
    """The acknowledgement went out 3 hours late (a FAIL with ``late_by_hours``): a breach on
    record, as the write-back treats it, not the work item; the running response clock is."""
    from datetime import datetime

    from compliance_checks.findings import Finding, Status
    from compliance_checks.model import Severity
    from connector.platforms.zendesk.settings import parse_source_config
    from connector.service.ui_data import _next_item

    def finding(check: str, status: Status, due: str, **facts: float) -> dict[str, object]:
        return Finding(ticket="7", platform="zendesk", check=check, title=check, status=status,
                       clauses=("7.4",), severity=Severity.HIGH, message="m",
                       due_at=datetime.fromisoformat(due), facts=facts).to_json_dict()

    late = finding("acknowledged-in-time", Status.FAIL, "2026-03-03T17:00:00+00:00", late_by_hours=3.0)
    running = finding("response-in-time", Status.PENDING, "2026-04-27T17:00:00+01:00")
    source = parse_source_config({
        "platform": "zendesk", "name": "zd", "base_url": "https://acme.zendesk.com",
        "auth": {"type": "oauth_client_credentials", "client_id_env": "ZD_ID",
                 "client_secret_env": "ZD_SECRET"},
        "mapping": "mappings/zendesk.yaml"}, origin="test.yaml")
    item = _next_item(source, "7", None, {}, [late, running])
    assert item is not None and item.check == "response-in-time"
    assert _next_item(source, "7", None, {}, [late]) is None
