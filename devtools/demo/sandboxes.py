"""The demo's sandbox processes: start, read their URL, ask their admin API, stop.

Each sandbox runs as its own process (``python -m devtools.sandboxes.<platform>``) on a free
loopback port, as a helpdesk would be a separate system. Its secrets reach it through its
environment only, never the command line (which other local users can read).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

#: The checkout: ``devtools`` is not installed, so the sandbox processes import it from here.
ROOT = Path(__file__).resolve().parents[2]
#: Start-up includes generating the data (about 3 s per 1,000 complaints on a small machine).
START_TIMEOUT = 1800.0
HTTP_TIMEOUT = 30.0
ZENDESK_CLIENT_ID = "iso10002-demo"
JIRA_EMAIL = "iso10002-bot@example.test"
#: Zendesk's exports hold back their last minute; the demo's sandbox holds back this many
#: seconds so the team lead's fix is visible to the next run without a minute's wait.
ZENDESK_HOLD_BACK = 2


@dataclass
class Secrets:
    """Per-run random credentials, known only to the sandboxes and the demo's children."""

    zendesk_client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    zendesk_api_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    jira_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    jira_agent_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def connector_env(self) -> dict[str, str]:
        """What ``iso10002`` reads (the variable names are in the demo config)."""
        return {
            "ISO10002_DEMO_ZENDESK_CLIENT_ID": ZENDESK_CLIENT_ID,
            "ISO10002_DEMO_ZENDESK_CLIENT_SECRET": self.zendesk_client_secret,
            "ISO10002_DEMO_JIRA_EMAIL": JIRA_EMAIL,
            "ISO10002_DEMO_JIRA_API_TOKEN": self.jira_token,
        }


@dataclass
class Sandbox:
    """One running sandbox process and how to talk to its admin API."""

    platform: str  # zendesk | jira
    proc: subprocess.Popen[str]
    url: str
    banner: str
    log: Path

    @property
    def admin(self) -> str:
        return f"{self.url}/__admin" if self.platform == "zendesk" else f"{self.url}/_sandbox"

    def calls(self) -> Counter[str]:
        """API calls so far, by endpoint (``METHOD /path/{id}``)."""
        path = "calls" if self.platform == "zendesk" else "stats"
        response = requests.get(f"{self.admin}/{path}", timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return Counter(response.json()["calls"])

    def writes(self) -> list[dict[str, Any]]:
        """Every write request so far: method, endpoint, ticket(s), acting user, status."""
        response = requests.get(f"{self.admin}/writes", timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        out: list[dict[str, Any]] = response.json()["writes"]
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _command(platform: str, complaints: int, seed: int, days: int) -> list[str]:
    common = ["--complaints", str(complaints), "--seed", str(seed),
              "--days", str(days), "--port", "0"]
    if platform == "zendesk":
        # The demo syncs twice in a minute: lift the sandbox's export budget and job latency
        # (the connector still keeps to its own configured budget).
        return [sys.executable, "-m", "devtools.sandboxes.zendesk", *common,
                "--hold-back", str(ZENDESK_HOLD_BACK), "--incremental-per-minute", "1000",
                "--account-per-minute", "100000", "--job-latency", "0.05"]
    return [sys.executable, "-m", "devtools.sandboxes.jira", "--mode", "cloud", *common,
            "--email", JIRA_EMAIL]


def _environment(platform: str, keys: Secrets) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISO10002_", "JIRA_", "ZENDESK_"))}
    if platform == "zendesk":
        env["ZENDESK_SANDBOX_CLIENT_ID"] = ZENDESK_CLIENT_ID
        env["ZENDESK_SANDBOX_CLIENT_SECRET"] = keys.zendesk_client_secret
        env["ZENDESK_SANDBOX_API_TOKEN"] = keys.zendesk_api_token
    else:
        env["JIRA_SANDBOX_TOKEN"] = keys.jira_token
        env["JIRA_SANDBOX_AGENT_TOKEN"] = keys.jira_agent_token
    return env


def start(platform: str, keys: Secrets, *, complaints: int, seed: int, days: int,
          logs: Path, options: Sequence[str] = ()) -> Sandbox:
    """Start one sandbox and wait for its ``listening on URL`` line (``options`` are extra
    command-line options of the sandbox, e.g. a larger export budget for benchmarks)."""
    log = logs / f"sandbox-{platform}.log"
    with log.open("w", encoding="utf-8") as errors:
        proc = subprocess.Popen(
            [*_command(platform, complaints, seed, days), *options], stdout=subprocess.PIPE,
            stderr=errors, text=True, env=_environment(platform, keys), cwd=ROOT,
        )
    if proc.stdout is None:
        raise RuntimeError("no stdout pipe")
    banner: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("listening on "):
            return Sandbox(platform, proc, line.split()[-1], " ".join(banner), log)
        banner.append(line.strip())
    proc.kill()
    raise RuntimeError(f"the {platform} sandbox did not start (see {log})")

