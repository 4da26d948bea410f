"""The collector is tuned once, by the CLI entry point, for batch commands only (never ``serve``)."""

from __future__ import annotations

import pytest

from connector import cli


@pytest.mark.parametrize(
    ("argv", "tuned"),
    [
        (["iso10002", "check", "--platform", "jira", "--input", "x.jsonl"], True),
        (["iso10002", "report", "register", "--out", "out"], True),
        (["iso10002", "run", "-c", "iso10002.yaml"], True),
        (["iso10002", "serve", "-c", "iso10002.yaml"], False),
        (["iso10002", "validate-config", "policy.yaml"], False),
        (["iso10002", "--help"], False),
    ],
)
def test_main_tunes_the_collector_for_batch_commands_only(
    argv: list[str], tuned: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(cli.sys, "argv", argv)
    monkeypatch.setattr(cli, "tune_gc_for_batch", lambda: calls.append("tuned"))
    monkeypatch.setattr(cli, "app", lambda: calls.append("app"))
    cli.main()
    assert calls == (["tuned", "app"] if tuned else ["app"])
