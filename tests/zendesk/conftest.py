from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from connector.http import RecordedRequest
from connector.platforms.zendesk.auth import OAuthBearer
from connector.platforms.zendesk.http import ZendeskClient
from connector.platforms.zendesk.settings import ZendeskSourceConfig, parse_source_config
from tests.zendesk.builders import BASE


class FakeClock:
    """Virtual time: ``sleep`` advances ``now``; nothing really waits."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_source(**overrides: Any) -> ZendeskSourceConfig:
    data: dict[str, Any] = {
        "platform": "zendesk",
        "name": "acme",
        "base_url": BASE,
        "auth": {"type": "oauth_token", "access_token_env": "ZD_TOKEN"},
        "per_page": 2,
        "events_per_page": 2,
    }
    data.update(overrides)
    return parse_source_config(data, origin="test.yaml")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recorder() -> list[RecordedRequest]:
    return []


@pytest.fixture
def source() -> ZendeskSourceConfig:
    return make_source()


@pytest.fixture
def client(
    source: ZendeskSourceConfig, clock: FakeClock, recorder: list[RecordedRequest]
) -> ZendeskClient:
    import requests

    session = requests.Session()
    auth = OAuthBearer(
        f"{BASE}/oauth/tokens", session, access_token=SecretStr("tok-abc"), clock=clock
    )
    return ZendeskClient(
        source, auth, session=session, sleeper=clock.sleep, clock=clock, hooks=(recorder.append,)
    )
