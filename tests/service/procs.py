"""Subprocess helpers for the service tests: sandboxes, ``iso10002`` commands, webhooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import requests
import yaml
from sqlalchemy.engine import make_url

from connector.service.webhooks import jira_signature, zendesk_signature
from devtools.sandboxes.jira.model import BOT
from devtools.sandboxes.jira.server import DEFAULT_EMAIL, DEFAULT_TOKEN

ROOT = Path(__file__).resolve().parents[2]
ISO10002 = str(Path(sys.executable).parent / "iso10002")
#: Generous: "within seconds" means well under this on any CI machine.
DEADLINE = 10.0
ZENDESK_SECRET = "zd-webhook-secret-for-tests"
JIRA_SECRET = "jira-webhook-secret-for-tests"
API_KEY = "api-key-for-tests"
ZENDESK_EMAIL, ZENDESK_TOKEN = "connector@example.test", "sandbox-api-token"
ENV = {
    "ZD_EMAIL": ZENDESK_EMAIL, "ZD_TOKEN": ZENDESK_TOKEN,
    "JIRA_EMAIL": DEFAULT_EMAIL, "JIRA_API_TOKEN": DEFAULT_TOKEN,
    "ISO10002_ZENDESK_WEBHOOK_SECRET": ZENDESK_SECRET, "ISO10002_JIRA_WEBHOOK_SECRET": JIRA_SECRET,
    "ISO10002_API_KEY": API_KEY,
}
T = TypeVar("T")


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ISO10002_CRASH")}
    return {**base, **ENV, "PYTHONPATH": str(ROOT), **extra}


def _read_line(proc: subprocess.Popen[str], prefix: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError(f"process exited ({proc.returncode}) before printing {prefix!r}")
            continue
        if prefix in line:
            return line.strip()
    raise RuntimeError(f"no {prefix!r} line within {timeout}s")


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def sandbox(platform: str, tickets: int = 40) -> Iterator[str]:
    """A sandbox process on a free loopback port; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.service.sandboxes", platform, "--tickets", str(tickets)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env(), cwd=ROOT,
    )
    try:
        yield _read_line(proc, "SANDBOX").split()[1]
    finally:
        stop(proc)
        if proc.stdout is not None:
            proc.stdout.close()


def write_config(tmp: Path, *, zendesk: str | None = None, jira: str | None = None,
                 mode: str = "apply", **extra: Any) -> Path:
    sources: list[dict[str, Any]] = []
    if zendesk:
        sources.append({
            "platform": "zendesk", "name": "zd", "base_url": zendesk,
            "mapping": str(ROOT / "mappings" / "zendesk.yaml"),
            "auth": {"type": "api_token", "email_env": "ZD_EMAIL", "token_env": "ZD_TOKEN"},
            "rate_limits": {"max_attempts": 2, "backoff_base_seconds": 0.05, "backoff_max_seconds": 0.1},
            "job_poll_interval_seconds": 0.1,
        })
    if jira:
        sources.append({
            "platform": "jira", "name": "jira", "base_url": jira, "deployment": "cloud",
            "mapping": str(jira_mapping(tmp)), "auth": {"kind": "cloud_token"},
            "retry": {"max_attempts": 2, "base_delay": 0.0, "max_delay": 0.0}, "overlap_seconds": 0,
        })
    config = {
        "sources": sources,
        "store": {"url": f"sqlite:///{tmp / 'store.db'}"},
        "writeback": {"mode": mode},
        "sync": {"initial_since": "2020-01-01T00:00:00Z"},
        "schedule": {"sync_every_minutes": 60, "reevaluate_every_minutes": 15},
        "webhooks": {"zendesk": {"max_age_seconds": 300}, "jira": {}},
        "server": {"host": "127.0.0.1", "port": 0},
        **extra,
    }
    path = tmp / "iso10002.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def jira_mapping(tmp: Path) -> Path:
    """Complaints are issues labelled ``complaint-confirmed`` (so a test can create one)."""
    spec = {
        "platform": "jira", "name": "sandbox", "version": 1,
        "select": {"projects": ["CS"], "any_of": {"labels": ["complaint-confirmed"]}},
        "status": {"stages": {"Open": "received", "In Progress": "investigating", "Done": "closed"}},
        "severity": {"map": {"High": "high", "Medium": "medium", "Low": "low"}},
        "actors": {"connector_accounts": [BOT]},
    }
    path = tmp / "jira-mapping.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


#: The store password reaches ``iso10002`` the way a deployment passes it: by environment name.
STORE_PASSWORD_ENV = "ISO10002_TEST_STORE_PASSWORD"


def store_settings(url: str) -> tuple[dict[str, str], dict[str, str]]:
    """The ``store`` block and extra environment for ``url``: a password moves to the environment.

    The configuration refuses a password inside ``store.url`` (it would be in the file), so a
    test server URL such as CI's ``postgresql+psycopg://user:secret@host/db`` is split.
    """
    parsed = make_url(url)
    if parsed.password is None:
        return {"url": url}, {}
    # URL.set() treats None as "unchanged"; URL is a named tuple, so _replace clears it.
    bare = parsed._replace(password=None).render_as_string(hide_password=False)
    return {"url": bare, "password_env": STORE_PASSWORD_ENV}, {STORE_PASSWORD_ENV: str(parsed.password)}


def run_cli(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ISO10002, *args], capture_output=True, text=True, env=env(**extra_env),
                          cwd=ROOT, timeout=120, check=False)


@contextmanager
def serve(config: Path, **extra_env: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    with (config.parent / "serve.log").open("w") as log:
        proc = subprocess.Popen([ISO10002, "serve", "-c", str(config)], stdout=subprocess.PIPE,
                                stderr=log, text=True, env=env(**extra_env), cwd=ROOT)
        try:
            url = _read_line(proc, "listening on").rsplit(" ", 1)[1]
            yield proc, url
        finally:
            stop(proc)
            if proc.stdout is not None:
                proc.stdout.close()


def wait_for(what: str, probe: Callable[[], T | None], deadline: float = DEADLINE) -> T:
    """Poll ``probe`` until it returns a truthy value, or fail after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"not within {deadline}s: {what}")
        time.sleep(0.1)


def zendesk_webhook(url: str, payload: dict[str, Any], *, secret: str = ZENDESK_SECRET,
                    timestamp: str | None = None, headers: dict[str, str] | None = None) -> requests.Response:
    body = json.dumps(payload).encode()
    stamp = timestamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return requests.post(f"{url}/webhooks/zendesk", data=body, timeout=10, headers={
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature": zendesk_signature(secret, stamp, body),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp, **(headers or {}),
    })


def jira_webhook(url: str, payload: dict[str, Any], *, secret: str = JIRA_SECRET) -> requests.Response:
    body = json.dumps(payload).encode()
    return requests.post(f"{url}/webhooks/jira", data=body, timeout=10, headers={
        "Content-Type": "application/json", "X-Hub-Signature": jira_signature(secret, body)})


#: Every ticket of a small sandbox (the generator numbers them from 100001; show_many skips
#: ids that do not exist).
ZENDESK_IDS = range(100_001, 100_101)


class ZendeskAdmin:
    """The test's own view of the Zendesk sandbox (reads tags and notes, edits tags)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.auth = (f"{ZENDESK_EMAIL}/token", ZENDESK_TOKEN)

    def ticket(self, tid: int | str) -> dict[str, Any]:
        response = self.session.get(f"{self.base}/api/v2/tickets/{tid}.json", timeout=10)
        response.raise_for_status()
        ticket: dict[str, Any] = response.json()["ticket"]
        return ticket

    def tickets(self, ids: range = ZENDESK_IDS) -> list[dict[str, Any]]:
        response = self.session.get(f"{self.base}/api/v2/tickets/show_many.json",
                                    params={"ids": ",".join(map(str, ids))}, timeout=10)
        response.raise_for_status()
        tickets: list[dict[str, Any]] = response.json()["tickets"]
        return tickets

    def add_tags(self, tid: int | str, tags: list[str]) -> None:
        self.session.put(f"{self.base}/api/v2/tickets/{tid}/tags.json", json={"tags": tags},
                         timeout=10).raise_for_status()

    def notes(self, tid: int | str) -> int:
        response = self.session.get(f"{self.base}/api/v2/tickets/{tid}/audits.json", timeout=10)
        response.raise_for_status()
        return sum(1 for audit in response.json()["audits"] for e in audit["events"]
                   if e["type"] == "Comment" and not e.get("public", True)
                   and "[iso10002]" in (e.get("plain_body") or e.get("body") or ""))
