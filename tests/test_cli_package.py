"""The command-line package's shared parts: one ``--as-of``/date-time parser, one error printer
(markup escaped, one line, no traceback), one table from exception type to exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from compliance_checks.configfile import ConfigError, ConfigIssue
from connector.cli import app
from connector.cli.errors import exit_code, message
from connector.cli.exit_codes import ExitCode
from connector.inputs import InputError
from connector.pipeline import MissingSecret
from connector.store import StoreBusy, StoreError
from connector.store.locks import LockHeld
from connector.store.runs import StoreTampered

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _zendesk_config(tmp_path: Path) -> Path:
    config = tmp_path / "iso10002.yaml"
    source = {
        "platform": "zendesk",
        "name": "helpdesk",
        "base_url": "https://example.zendesk.com",
        "mapping": str(REPO / "mappings" / "zendesk.yaml"),
        "auth": {"type": "oauth_client_credentials",
                 "client_id_env": "ZD_ID", "client_secret_env": "ZD_SECRET"},
    }
    config.write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    return config


@pytest.mark.parametrize("since", ["yesterday", "2025-01-01T00:00:00", "99999-01-01T00:00:00+00:00"])
def test_pull_since_is_parsed_like_as_of(since: str, tmp_path: Path) -> None:
    # The platforms read --since as an aware instant: a naive or unparsable one is a usage
    # error before any request, not a traceback or a time in an unknown zone.
    result = runner.invoke(app, ["pull", "--platform", "zendesk", "-c", str(_zendesk_config(tmp_path)),
                                 "--out", str(tmp_path / "out.jsonl"), "--since", since])
    assert result.exit_code == ExitCode.CONFIG, result.output
    assert isinstance(result.exception, SystemExit)
    assert "--since" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("command", ["check", "report"])
def test_as_of_errors_say_the_same_thing_for_every_command(command: str) -> None:
    args = [command, *(["register"] if command == "report" else []), "--as-of", "2026-03-12T09:00:00"]
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.CONFIG
    assert "give a timezone" in result.stderr


@pytest.mark.parametrize("command", ["status", "verify-store", "sync", "report register", "check"])
def test_store_command_errors_print_markup_literally(command: str, tmp_path: Path) -> None:
    # The path is the user's (and messages quote ticket content): "[bold]" must not vanish.
    config = tmp_path / "[bold]missing.yaml"
    result = runner.invoke(app, [*command.split(), "-c", str(config)])
    assert result.exit_code == ExitCode.CONFIG
    assert "[bold]missing.yaml" in result.stderr


def _bare(kind: type[Exception]) -> Exception:
    return kind.__new__(kind)


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (MissingSecret, ExitCode.CONFIG),
        (ConfigError, ExitCode.CONFIG),
        (InputError, ExitCode.INPUT),
        (StoreTampered, ExitCode.TAMPERED),
        (StoreBusy, ExitCode.PLATFORM),
        (LockHeld, ExitCode.PLATFORM),
        (StoreError, ExitCode.CONFIG),
    ],
)
def test_each_known_exception_has_its_documented_exit_code(kind: type[Exception], code: ExitCode) -> None:
    assert exit_code(_bare(kind)) is code


def test_an_unknown_exception_is_not_turned_into_a_user_error() -> None:
    with pytest.raises(TypeError):
        exit_code(KeyError("x"))


def test_a_config_error_lists_its_problems_under_one_heading() -> None:
    issue = ConfigIssue("iso10002.yaml", "sources[0].platform", "unknown platform")
    assert message(ConfigError([issue])).startswith("invalid configuration:\n")
    assert not message(MissingSecret([issue])).startswith("invalid configuration")
