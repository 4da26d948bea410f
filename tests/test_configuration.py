"""Configuration is loaded in one place (connector/configuration.py) with one set of validations."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_checks.configfile import ConfigError
from connector.config import AppConfig
from connector.configuration import load_evaluator, load_file_evaluator

ROOT = Path(__file__).resolve().parents[1]


def _bad_policy(tmp_path: Path) -> Path:
    policy = tmp_path / "policy.yaml"
    policy.write_text("name: p\ncalendar: {timezone: Mars/Olympus}\nchecks:\n  nope: {}\n", encoding="utf-8")
    return policy


def test_files_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_file_evaluator("jira", ROOT / "mappings" / "zendesk.yaml", _bad_policy(tmp_path), None)
    keys = {issue.key_path for issue in info.value.issues}
    assert "platform" in keys  # the mapping is for zendesk
    assert {"calendar.timezone", "checks.nope"} <= keys


def test_store_config_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    config = AppConfig.model_validate({
        "sources": [{"platform": "jira", "name": "j", "base_url": "https://example.atlassian.net",
                     "mapping": str(ROOT / "mappings" / "zendesk.yaml"),
                     "auth": {"kind": "cloud_token"}}],
        "policy": str(_bad_policy(tmp_path)),
    })
    with pytest.raises(ConfigError) as info:
        load_evaluator(config)
    messages = [str(issue) for issue in info.value.issues]
    assert any("platform: is zendesk, but sources[0] is jira" in m for m in messages), messages
    assert any("checks.nope" in m for m in messages), messages


def test_files_default_mapping_is_the_platform_s(tmp_path: Path) -> None:
    evaluator = load_file_evaluator("zendesk", None, None, None)
    assert evaluator.mappings["zendesk"].spec.platform == "zendesk"
