"""Seed the Jira sandbox from the shared generator and serve it on loopback."""

from __future__ import annotations

from datetime import UTC, datetime

from devtools.generator import GeneratorConfig
from devtools.sandboxes.common import LoopbackServer
from devtools.sandboxes.jira.app import SandboxState, build_app
from devtools.sandboxes.jira.store import SandboxStore

DEFAULT_EMAIL = "sandbox@example.org"
DEFAULT_TOKEN = "sandbox-token"  # noqa: S105 - a fixed credential of a local test server


#: The end of a small account's history (fixed: same seed, same issues).
SMALL_END = datetime(2026, 9, 1, tzinfo=UTC)


def make_state(
    *,
    mode: str = "cloud",
    seed: int = 1,
    issues: int = 50,
    days: int = 180,
    email: str = DEFAULT_EMAIL,
    token: str = DEFAULT_TOKEN,
    rate_per_second: float | None = None,
    record: bool = True,
    legacy_changelog: bool = False,
) -> SandboxState:
    """A small account from the shared generator (Cloud or Data Center): ``issues`` complaints
    received over the ``days`` before :data:`SMALL_END`, in project CS."""
    config = GeneratorConfig(complaints=issues, end=SMALL_END, seed=seed, days=days)
    return realistic_state(config, mode=mode, email=email, token=token,
                           rate_per_second=rate_per_second, record=record,
                           legacy_changelog=legacy_changelog)


def realistic_state(
    config: GeneratorConfig,
    *,
    mode: str = "cloud",
    email: str = DEFAULT_EMAIL,
    token: str = DEFAULT_TOKEN,
    agent_token: str | None = None,
    rate_per_second: float | None = None,
    record: bool = False,
    legacy_changelog: bool = False,
) -> SandboxState:
    """A sandbox seeded from the shared generator (project CS, as ``mappings/jira.yaml``).

    ``legacy_changelog`` (Data Center only): histories without ``id`` and change items without
    ``fieldId``, as older Data Center sends them (see :class:`SandboxStore`).

    With ``agent_token`` every generated agent can log in (Basic: e-mail on Cloud, user name on
    Data Center, and that token) and write as themselves.
    """
    from devtools.sandboxes.jira.realistic import realistic_issues

    if mode not in ("cloud", "datacenter"):
        raise ValueError(f"mode must be cloud or datacenter, not {mode!r}")
    if legacy_changelog and mode != "datacenter":
        raise ValueError("legacy_changelog is a Data Center shape")
    data = realistic_issues(config, data_center=mode == "datacenter")
    store = SandboxStore(data.issues, mode=mode, people=data.people, custom_fields=data.custom_fields,
                         legacy_changelog=legacy_changelog)
    return SandboxState(
        store=store, mode=mode, email=email, token=token, rate_per_second=rate_per_second,
        record=record, agents=data.agents, agent_token=agent_token,
    )


class SandboxServer(LoopbackServer):
    """``with SandboxServer(state) as server: server.url`` -- uvicorn on 127.0.0.1 in a thread."""

    def __init__(self, state: SandboxState, *, port: int = 0) -> None:
        self.state = state
        super().__init__(build_app(state), name="Jira sandbox", port=port)
