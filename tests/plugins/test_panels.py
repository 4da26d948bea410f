"""The panels in headless Chromium against the real service (``iso10002 serve`` on loopback, seeded
from the Zendesk and Jira sandboxes). The shared core (plugins/common/panel-core.js) is covered once,
on a test page with a plain transport: every state renders its elements. Each plugin's platform glue
(app.js with stubs of the ZAF client / Forge host, and its generated copy of the core) is covered on
its own pages: loading, re-check, and how not-a-complaint and failures reach the core. No console
errors anywhere; screenshots are kept in the test's tmp directory (``ISO10002_PANEL_SHOTS=<dir>``
keeps them somewhere else)."""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import pytest
import requests
import yaml

from connector.pipeline import open_pipeline
from connector.service.panel_api import overall_state
from connector.store.runs import latest_findings
from devtools.demo import config as demo_config
from devtools.demo import sandboxes as demo_sandboxes
from tests.plugins import harness
from tests.service import procs
from tests.service.forge_tokens import APP_ID, ForgeKeys
from tests.service.forge_tokens import sites as forge_sites

pytestmark = pytest.mark.slow
if not Path(harness.CHROMIUM).exists():
    pytest.skip("chromium is not installed", allow_module_level=True)

STATES = ("compliant", "on_track", "at_risk", "failing", "waived")
#: Realistic sandbox data (the demo's generator): a mix of open and closed, timely and late.
COMPLAINTS, DAYS = 40, 20
ZENDESK_APP = harness.ROOT / "plugins" / "zendesk"
JIRA_PANEL = harness.ROOT / "plugins" / "jira" / "static" / "panel"
CORE = harness.ROOT / "plugins" / "common"
#: The platform whose sandbox tickets feed the core's test page.
CORE_TICKETS = "zendesk"
#: The browser's zone on the first-screen pages: not the policy's, so both must show.
VIEWER_ZONE = "America/New_York"
#: Zendesk's sidebar app height (the panels' first screen).
FIRST_SCREEN = 480


@dataclass
class Site:
    url: str
    helpdesk: harness.Helpdesk


@dataclass
class Runs:
    pages: dict[str, harness.PageRun]
    zendesk: harness.Helpdesk
    jira: harness.Helpdesk
    core: harness.Helpdesk
    tickets: dict[str, str]
    service: str = ""
    jira_site: str = ""
    keys: demo_sandboxes.Secrets | None = None


def _doc(url: str, platform: str, ticket: str) -> dict[str, Any]:
    answer = requests.get(f"{url}/api/v1/tickets/{platform}/{ticket}", timeout=10,
                          headers={"Authorization": f"Bearer {procs.API_KEY}"})
    return dict(answer.json()) if answer.status_code == 200 else {}


def _ready(url: str) -> bool:
    return bool(requests.get(f"{url}/healthz", timeout=5).json()["last_step"] == "reevaluate")


@contextmanager
def _refusing_address() -> Iterator[str]:
    """A loopback address that refuses connections for as long as the context is open.

    The port stays bound without listening, so connecting is refused and no other process can
    take the port meanwhile (a port bound and released before use may be reused at once).
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def _serve(config: Path, keys: demo_sandboxes.Secrets) -> Iterator[str]:
    """``iso10002 serve`` with the demo sandboxes' secrets in its environment only."""
    with (config.parent / "serve.log").open("a") as log:
        proc = subprocess.Popen([procs.ISO10002, "serve", "-c", str(config)], stdout=subprocess.PIPE,
                                stderr=log, text=True, env=procs.env(**keys.connector_env()),
                                cwd=config.parent)
        try:
            yield procs._read_line(proc, "listening on").rsplit(" ", 1)[1]
        finally:
            procs.stop(proc)
            if proc.stdout is not None:
                proc.stdout.close()


def _config(tmp: Path, zendesk: demo_sandboxes.Sandbox, jira: demo_sandboxes.Sandbox,
            api: dict[str, Any]) -> Path:
    path = demo_config.write_config(tmp, zendesk, jira, days=DAYS)
    config = yaml.safe_load(path.read_text())
    config.update({"writeback": {"mode": "off"}, "api": api, "server": {"host": "127.0.0.1", "port": 0},
                   "schedule": {"sync_every_minutes": 60, "reevaluate_every_minutes": 15}})
    path.write_text(yaml.safe_dump(config))
    return path


def _first_pass(config: Path, keys: demo_sandboxes.Secrets) -> dict[str, dict[str, list[str]]]:
    """Sync and check in-process (saves a service start-up): complaints by panel state per platform."""
    with mock.patch.dict(os.environ, keys.connector_env()):
        pipe = open_pipeline(config)
        try:
            pipe.sync()
            pipe.check()
            with pipe.store.session() as session:
                latest = latest_findings(session)
        finally:
            pipe.close()
    states: dict[str, dict[str, list[str]]] = {"zendesk": {}, "jira": {}}
    for (source, ticket), (_run, findings) in sorted(latest.items()):
        states[source].setdefault(overall_state(findings), []).append(ticket)
    return states


def _waivers(config: Path, tickets: dict[str, str]) -> list[dict[str, str]]:
    pipe = open_pipeline(config)
    try:
        with pipe.store.session() as session:
            latest = latest_findings(session)
    finally:
        pipe.close()
    return [{"check": f["check"], "ticket": ticket, "reason": "Agreed with the customer in writing",
             "approver": "Team lead", "expires": "2099-12-31"}
            for platform, ticket in tickets.items() for f in latest[(platform, ticket)][1]
            if f["status"] in ("FAIL", "AT_RISK")]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    tmp = tmp_path_factory.mktemp("panels")
    shots = Path(os.environ.get("ISO10002_PANEL_SHOTS") or tmp / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    forge = ForgeKeys()
    api = {"forge": {"app_id": APP_ID, "jwks_file": str(forge.write_jwks(tmp / "jwks.json")),
                     "sites": forge_sites("jira")},
           "refresh_ticket_seconds": 1}
    keys, logs = demo_sandboxes.Secrets(), tmp / "logs"
    logs.mkdir()
    with ThreadPoolExecutor(max_workers=2) as pool:
        started = list(pool.map(lambda p: demo_sandboxes.start(
            p, keys, complaints=COMPLAINTS, seed=5, days=DAYS, logs=logs), ("zendesk", "jira")))
    try:
        config = _config(tmp, started[0], started[1], api)
        states = _first_pass(config, keys)
        tickets = {f"{p}-{state}": found[0] for p in states for state, found in states[p].items()}
        for p in states:  # the first failing complaint gets waivers, the others stay failing
            failing = states[p].get("failing", [])
            tickets[f"{p}-waived"], tickets[f"{p}-failing"] = [*failing, "", ""][:2]
        waived = {p: tickets[f"{p}-waived"] for p in states}
        (tmp / "waivers.yaml").write_text(yaml.safe_dump({"waivers": _waivers(config, waived)}))
        config.write_text(yaml.safe_dump({**yaml.safe_load(config.read_text()),
                                          "waivers": str(tmp / "waivers.yaml")}))
        with _serve(config, keys) as url:
            procs.wait_for("start-up work", lambda: _ready(url), 60)
            for p, t in waived.items():  # closed tickets are not re-evaluated on schedule: ask
                requests.post(f"{url}/api/v1/tickets/{p}/{t}/refresh", timeout=10,
                              headers={"Authorization": f"Bearer {procs.API_KEY}"}).raise_for_status()
            procs.wait_for("re-evaluation with the waivers", lambda: all(
                _doc(url, p, t).get("state") == "waived" for p, t in waived.items()), 30)
            tickets["jira-evidence"] = tickets["jira-failing"]  # a complaint with comments as evidence
            for p in states:  # the first-screen pages need a breach the agent can still fix
                tickets[f"{p}-failing"] = next((t for t in states[p].get("failing", [])[1:]
                                                if _fixable(_doc(url, p, t))), "")
            complaints = [t for p in states for found in states[p].values() for t in found if p == "zendesk"]
            tickets["zendesk-closed"] = next((t for t in states["zendesk"].get("failing", [])[1:]
                                              if _doc(url, "zendesk", t).get("stage") == "closed"), "")
            runs = _browse(url, shots, forge, tickets, _not_kept(complaints))
            runs.service, runs.jira_site, runs.keys = url, started[1].url, keys
            yield runs
    finally:
        for sandbox in started:
            sandbox.stop()


def _fixable(doc: dict[str, Any]) -> bool:
    """An open complaint with a FAIL or ERROR whose advice can still be followed (not a breach
    already done, which only asks for the corrective action)."""
    return doc.get("stage") != "closed" and any(
        f["status"] in ("FAIL", "ERROR") and f["remediation"] and not f["historic"]
        for f in doc.get("findings", []))


def _framed(page: str, width: int) -> str:
    """``page`` inside a host page's iframe of the first screen's size (a viewport Chromium's window
    cannot have: it keeps a minimum window size)."""
    site, _, path = page.partition("://")[2].partition("/")
    return f"http://{site}/__frame.html?" + urlencode({"src": "/" + path, "w": width, "h": FIRST_SCREEN})


def _pages(sites: dict[str, str], service: str, down: str, tickets: dict[str, str],
           question: str) -> dict[str, str]:
    """Page name -> URL: the core in every state once; each platform's glue on three pages."""
    def core(ticket: str) -> str:
        return f"{sites['core']}/core.html?" + urlencode({"platform": CORE_TICKETS, "ticket": ticket})

    def zendesk(site: str, ticket: str, url: str) -> str:
        return f"{site}/assets/iframe.html?" + urlencode({"ticket": ticket, "service_url": url})

    def jira(site: str, issue: str) -> str:
        return f"{site}/index.html?" + urlencode({"issue": issue})

    pages = {f"core-{state}": core(tickets[f"{CORE_TICKETS}-{state}"]) + "&axe=1"
             for state in STATES if tickets.get(f"{CORE_TICKETS}-{state}")}
    pages["core-not_a_complaint"] = core(question) + "&axe=1"
    pages["core-unreachable"] = f"{sites['core_down']}/core.html?platform=zendesk&ticket=1"
    if "core-at_risk" in pages:  # not the failing ticket: zendesk-recheck refreshes that one (429 within 1 s)
        pages["core-recheck"] = pages["core-at_risk"] + "&click=recheck"
    if tickets.get("zendesk-failing"):
        failing = zendesk(sites["zendesk"], tickets["zendesk-failing"], service)
        pages["zendesk-recheck"] = failing + "&click=recheck"
        pages[f"zendesk-{FIRST_SCREEN}"] = _framed(failing + "&axe=1", 320)
    if tickets.get("zendesk-closed"):
        closed = zendesk(sites["zendesk"], tickets["zendesk-closed"], service) + "&axe=1"
        pages["zendesk-closed"] = _framed(closed, 320)
    pages["zendesk-not_a_complaint"] = zendesk(sites["zendesk"], question, service)
    pages["zendesk-unreachable"] = zendesk(sites["zendesk"], "1", down)
    if tickets.get("jira-failing"):
        pages["jira-recheck"] = jira(sites["jira"], tickets["jira-failing"]) + "&click=recheck"
        pages[f"jira-{FIRST_SCREEN}"] = _framed(jira(sites["jira"], tickets["jira-failing"]) + "&axe=1", 480)
    if tickets.get("jira-evidence"):
        pages["jira-evidence"] = _framed(jira(sites["jira"], tickets["jira-evidence"]), 480)
    pages["jira-not_a_complaint"] = jira(sites["jira"], "NOPE-1")
    pages["jira-unreachable"] = jira(sites["jira_down"], "CMP-1")
    return pages


def _browse(url: str, shots: Path, keys: ForgeKeys, tickets: dict[str, str], question: str) -> Runs:
    with _refusing_address() as down:
        return _browse_with(url, down, shots, keys, tickets, question)


def _browse_with(url: str, down: str, shots: Path, keys: ForgeKeys, tickets: dict[str, str],
                 question: str) -> Runs:
    zendesk = harness.Helpdesk(url, procs.API_KEY)
    jira = harness.Helpdesk(url, procs.API_KEY, forge=keys)
    core = harness.Helpdesk(url, procs.API_KEY)
    roots = {"zendesk": (ZENDESK_APP, zendesk), "jira": (JIRA_PANEL, jira),
             "jira_down": (JIRA_PANEL, harness.Helpdesk(down, procs.API_KEY, forge=keys)),
             "core": (CORE, core), "core_down": (CORE, harness.Helpdesk(down, procs.API_KEY))}
    servers = {name: harness.static_server(root, helpdesk) for name, (root, helpdesk) in roots.items()}
    sites = {name: harness.url_of(server) for name, server in servers.items()}
    pages = _pages(sites, url, down, tickets, question)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = {name: pool.submit(harness.open_page, page, shots, name,
                                         width=480 if name.startswith("jira") else 320,
                                         **_first_screen(name))
                       for name, page in pages.items()}
            return Runs({name: f.result() for name, f in futures.items()}, zendesk, jira, core, tickets)
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()


def _first_screen(name: str) -> dict[str, Any]:
    """The first-screen pages (framed at 480 px high): in a zone other than the policy's."""
    return {"tz": VIEWER_ZONE} if name.endswith(f"-{FIRST_SCREEN}") or name == "zendesk-closed" else {}


def _inner(run: harness.PageRun) -> str:
    """The framed panel's own DOM (its probe posted it to the host page)."""
    match = re.search(r'<textarea id="frame-dom" hidden="">(.*?)</textarea>', run.dom, re.S)
    assert match and match.group(1), "the framed panel posted no DOM"
    return html.unescape(match.group(1))


def _not_kept(complaints: list[str]) -> str:
    """A ticket id the sync did not keep (it keeps complaints only): answers not_a_complaint."""
    return str(next(n for n in range(1, 100_000) if str(n) not in set(complaints)))


def _run(runs: Runs, name: str) -> harness.PageRun:
    if name not in runs.pages:
        pytest.fail(f"the sandboxes produced no ticket for {name} (tickets: {runs.tickets})")
    run = runs.pages[name]
    assert run.screenshot.is_file() and run.screenshot.stat().st_size > 1000, name
    assert run.console_errors() == [], run.console_errors()
    return run


def _evidence_link(platform: str, ticket: str) -> str:
    return f"/agent/tickets/{ticket}" if platform == "zendesk" else f"/browse/{ticket}"


@pytest.mark.parametrize("state", STATES)
def test_core_renders_each_state(runs: Runs, state: str) -> None:
    dom = _run(runs, f"core-{state}").dom
    assert f'data-state="{state}"' in dom
    assert 'aria-busy="false"' in dom and 'aria-live="polite"' in dom
    for needle in ('class="stage"', 'class="evaluated"', 'id="iso-findings"', ">Re-check now</button>"):
        assert needle in dom, needle
    if state == "failing":
        assert "finding finding-fail" in dom
        assert _evidence_link(CORE_TICKETS, runs.tickets[f"{CORE_TICKETS}-failing"]) in dom
    if state == "waived":
        assert 'id="iso-waivers"' in dom and "Agreed with the customer in writing" in dom
    if state == "at_risk":
        assert 'id="iso-clocks"' in dom and " left<" in dom
    if state == "on_track":  # clocks still run: not shown as compliant
        assert "On track: nothing due yet" in dom and 'id="iso-clocks"' in dom


def test_core_not_a_complaint_and_unreachable(runs: Runs) -> None:
    dom = _run(runs, "core-not_a_complaint").dom
    assert 'data-state="not_a_complaint"' in dom and ">Re-check now</button>" in dom
    dom = _run(runs, "core-unreachable").dom
    assert 'data-state="unreachable"' in dom and 'role="alert"' in dom and ">Try again</button>" in dom
    assert "(HTTP 502)" in dom  # the harness's proxy answered 502 for the closed port


def test_core_recheck_posts_refresh_and_reloads(runs: Runs) -> None:
    dom = _run(runs, "core-recheck").dom
    assert "Status updated." in dom or "Re-check requested" in dom
    ticket = runs.tickets[f"{CORE_TICKETS}-at_risk"]
    posts = [c["path"] for c in runs.core.calls if c["method"] == "POST"]
    assert posts and set(posts) == {f"/api/v1/tickets/{CORE_TICKETS}/{ticket}/refresh"}


@pytest.mark.parametrize("platform", ["zendesk", "jira"])
def test_platform_glue_loads_and_rechecks(runs: Runs, platform: str) -> None:
    dom = _run(runs, f"{platform}-recheck").dom
    assert 'data-state="failing"' in dom and "finding finding-fail" in dom  # the core rendered the answer
    assert _evidence_link(platform, runs.tickets[f"{platform}-failing"]) in dom
    assert "Status updated." in dom or "Re-check requested" in dom
    helpdesk = runs.zendesk if platform == "zendesk" else runs.jira
    posts = [c for c in helpdesk.calls if c["method"] == "POST"]
    assert posts and all(c.get("url", c.get("path", "")).endswith("/refresh") for c in posts)


@pytest.mark.parametrize("platform", ["zendesk", "jira"])
def test_platform_glue_passes_404_and_failures_to_the_core(runs: Runs, platform: str) -> None:
    # Zendesk rejects non-2xx answers (the glue parses the body back); Forge resolves them.
    assert 'data-state="not_a_complaint"' in _run(runs, f"{platform}-not_a_complaint").dom
    dom = _run(runs, f"{platform}-unreachable").dom
    assert 'data-state="unreachable"' in dom and 'role="alert"' in dom and ">Try again</button>" in dom


def test_the_key_never_reaches_the_browser(runs: Runs) -> None:
    zendesk = [c for c in runs.zendesk.calls if c["via"] == "zendesk"]
    assert zendesk and {c["authorization"] for c in zendesk} == {"Bearer {{setting.api_token}}"}
    for run in runs.pages.values():
        assert procs.API_KEY not in run.dom


def _calls(dom: str, name: str) -> list[dict[str, Any]]:
    match = re.search(rf'data-{name}-calls="([^"]*)"', dom)
    assert match, f"no recorded {name} calls"
    calls: list[dict[str, Any]] = json.loads(html.unescape(match.group(1)))
    return calls


def test_pages_use_the_platform_clients_as_documented(runs: Runs) -> None:
    zaf = _calls(runs.pages["zendesk-recheck"].dom, "zaf")
    assert {"fn": "get", "path": "ticket.id"} in zaf and {"fn": "metadata"} in zaf
    requests_made = [c for c in zaf if c["fn"] == "request"]
    assert requests_made and all(c["secure"] is True for c in requests_made)
    assert {c["type"] for c in requests_made} == {"GET", "POST"}
    assert all(c["headers"] == {"Authorization": "Bearer {{setting.api_token}}"} for c in requests_made)
    forge = _calls(runs.pages["jira-recheck"].dom, "forge")
    assert forge[0]["name"] == "getContext"
    invokes = [c["payload"] for c in forge if c["name"] == "invoke"]
    assert {i["invokeType"] for i in invokes} == {"ui-remote-fetch"}
    assert {(i["method"], i["path"].rsplit("/", 1)[-1]) for i in invokes} >= {
        ("GET", runs.tickets["jira-failing"]), ("POST", "refresh")}


def test_refusing_address_refuses_and_keeps_its_port() -> None:
    with _refusing_address() as down:
        port = int(down.rsplit(":", 1)[1])
        with pytest.raises(requests.ConnectionError):
            requests.get(down, timeout=5)
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", port))


def _probe(run: harness.PageRun, name: str) -> Any:
    match = re.search(rf'data-{name}="([^"]*)"', run.dom)
    assert match, f"the page recorded no {name}"
    return json.loads(html.unescape(match.group(1)))


def _hrefs(dom: str) -> list[tuple[str, str]]:
    """(href, data-opens) of every evidence link in the DOM."""
    return [(html.unescape(href), opens) for href, opens in
            re.findall(r'<a href="([^"]+)"[^>]*data-opens="([^"]+)"', dom)]


@pytest.mark.parametrize("platform", ["zendesk", "jira"])
def test_failing_ticket_shows_its_fix_and_recheck_on_the_first_screen(runs: Runs, platform: str) -> None:
    """At the sidebar's 480 px: the state, the most urgent finding's advice (from the payload) and
    the Re-check button sit inside the viewport without scrolling; clocks come after them."""
    run = _run(runs, f"{platform}-{FIRST_SCREEN}")
    layout = _probe(run, "layout")
    height = layout["viewport"]["height"]
    assert 0 < height <= FIRST_SCREEN and layout["scrollY"] == 0 and layout["state"] == "failing"
    for part in ("badge", "advice", "recheck"):
        assert layout[part] is not None, part
        assert layout[part]["top"] >= 0 and layout[part]["bottom"] <= height, (part, layout)
    doc = _doc(runs.service, platform, runs.tickets[f"{platform}-failing"])
    assert doc["stage"] != "closed"
    advice = {f["remediation"] for f in doc["findings"]
              if f["status"] in ("FAIL", "ERROR") and f["remediation"] and not f["historic"]}
    shown = layout["advice"]["text"]
    assert shown.startswith("What to do: ")
    assert shown.split(": ", 1)[1] in advice
    dom = _inner(run)
    assert dom.index('class="recheck"') < dom.index('id="iso-findings"')
    if 'id="iso-clocks"' in dom:
        assert dom.index('class="recheck"') < dom.index('id="iso-clocks"')


@pytest.mark.parametrize("platform", ["zendesk", "jira"])
def test_times_are_in_the_viewers_zone_with_the_policys_shown(runs: Runs, platform: str) -> None:
    dom = _inner(_run(runs, f"{platform}-{FIRST_SCREEN}"))
    zone = _doc(runs.service, platform, runs.tickets[f"{platform}-failing"])["timezone"]
    assert zone != VIEWER_ZONE
    assert f"yours: {VIEWER_ZONE}; policy: {zone}" in dom
    # A due time in New York's zone, then the policy's; never the old UTC-only rendering.
    assert re.search(r"due [^<(]*\b(EST|EDT|GMT-[45])\b \(policy: [^<)]+\)", dom), dom
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", dom)


def _jira_comment_ids(runs: Runs, key: str) -> set[str]:
    assert runs.keys is not None
    answer = requests.get(f"{runs.jira_site}/rest/api/3/issue/{key}/comment", params={"maxResults": 5000},
                          auth=(demo_sandboxes.JIRA_EMAIL, runs.keys.jira_token), timeout=10)
    answer.raise_for_status()
    return {str(c["id"]) for c in answer.json()["comments"]}


def test_jira_evidence_links_open_the_comment_itself(runs: Runs) -> None:
    """Comment evidence links ``/browse/KEY?focusedCommentId=ID`` (Jira's comment permalink form),
    and each ID is a comment of that issue in the sandbox; the hrefs are the payload's."""
    key = runs.tickets["jira-evidence"]
    links = _hrefs(_inner(_run(runs, "jira-evidence")))
    doc = _doc(runs.service, "jira", key)
    assert set(links) == {(e["link"], e["opens"])
                          for f in doc["findings"] for e in f["evidence"] if e["link"]}
    focused = [href for href, opens in links if opens == "item"]
    assert focused, links
    ids = {href.split("focusedCommentId=", 1)[1] for href in focused}
    assert all(href.startswith(f"{runs.jira_site}/browse/{key}?focusedCommentId=") for href in focused)
    assert ids <= _jira_comment_ids(runs, key)


def test_zendesk_evidence_links_open_the_ticket_and_say_so(runs: Runs) -> None:
    """Zendesk documents no agent-UI address for one comment or event: the links open the ticket,
    and the link text says so."""
    ticket = runs.tickets["zendesk-failing"]
    dom = _inner(_run(runs, f"zendesk-{FIRST_SCREEN}"))
    links = _hrefs(dom)
    assert links and {opens for _href, opens in links} == {"ticket"}
    assert {href for href, _opens in links} == {_doc(runs.service, "zendesk", ticket)["ticket_link"]}
    assert "(opens the ticket)</a>" in dom


def test_closed_complaint_asks_for_the_corrective_action(runs: Runs) -> None:
    run = _run(runs, "zendesk-closed")
    advice = _probe(run, "layout")["advice"]
    assert advice is not None and advice["text"].startswith("Record the corrective action: ")
    dom = _inner(run)
    assert "reply now" not in dom.lower() and "What to do: " not in dom


def test_not_a_complaint_names_the_selecting_markers(runs: Runs) -> None:
    dom = _run(runs, "core-not_a_complaint").dom
    assert 'id="iso-selection"' in dom
    for marker in ("tag “complaint”", "ticket form 360000000001", "Never when: tags contains “spam”"):
        assert marker in dom, marker


AXE_PAGES = [*(f"core-{s}" for s in STATES), "core-not_a_complaint", f"zendesk-{FIRST_SCREEN}",
             f"jira-{FIRST_SCREEN}", "zendesk-closed"]


@pytest.mark.parametrize("name", AXE_PAGES)
def test_panels_have_no_axe_violations(runs: Runs, name: str) -> None:
    """axe-core (vendored, tests/plugins/vendor) on each state: names, roles, contrast, landmarks."""
    assert _probe(_run(runs, name), "axe") == []
