"""A new user's first minutes, as the README tells them: ``init``, ``validate-config -c``,
``--version``, the help text, and output written whole or not at all."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from connector.cli import app

runner = CliRunner()
SECRETS = {"ZENDESK_CLIENT_ID": "id-value-xyz", "ZENDESK_CLIENT_SECRET": "secret-value-xyz",
           "JIRA_EMAIL": "bot@example.com", "JIRA_API_TOKEN": "token-value-xyz"}


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "250", **(env or {})})


@pytest.fixture
def no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("platform", ["zendesk", "jira"])
def test_init_in_an_empty_directory_validates_as_written(
    platform: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_secrets: None
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("init", "--platform", platform)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mappings" / f"{platform}.yaml").is_file()
    assert (tmp_path / "policy.yaml").is_file()
    for command in ("validate-config -c iso10002.yaml", "run -c iso10002.yaml --dry-run",
                    "run -c iso10002.yaml --apply"):
        assert f"iso10002 {command}" in result.stdout
    checked = run("validate-config", "-c", "iso10002.yaml", env=SECRETS)
    assert checked.exit_code == 0, checked.output
    assert "✓ iso10002.yaml" in checked.stdout
    assert f"✓ mappings/{platform}.yaml" in checked.stdout
    assert "✓ policy.yaml" in checked.stdout


def test_init_from_another_directory_writes_everything_beside_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_secrets: None
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("init", "--platform", "zendesk", "--out", "conf/iso10002.yaml")
    assert result.exit_code == 0, result.output
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    checked = run("validate-config", "-c", str(tmp_path / "conf" / "iso10002.yaml"), env=SECRETS)
    assert checked.exit_code == 0, checked.output


def test_init_never_overwrites_without_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy.yaml").write_text("mine: true\n", encoding="utf-8")
    result = run("init", "--platform", "zendesk")
    assert result.exit_code == 2
    assert "policy.yaml" in result.stderr
    assert (tmp_path / "policy.yaml").read_text(encoding="utf-8") == "mine: true\n"
    assert not (tmp_path / "iso10002.yaml").exists()  # nothing written, not half of it
    forced = run("init", "--platform", "zendesk", "--force")
    assert forced.exit_code == 0, forced.output
    assert "extends: iso10002-baseline" in (tmp_path / "policy.yaml").read_text(encoding="utf-8")


def test_validate_config_names_unset_secrets_by_variable_never_their_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_secrets: None
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("init", "--platform", "zendesk").exit_code == 0
    result = run("validate-config", "-c", "iso10002.yaml", env={"ZENDESK_CLIENT_ID": "id-value-xyz"})
    assert result.exit_code == 2
    assert ("iso10002.yaml: sources[0].auth.client_secret_env: environment variable "
            "ZENDESK_CLIENT_SECRET is not set") in result.stdout
    assert "client_id_env" not in result.stdout
    assert "id-value-xyz" not in result.output
    assert "1 problem(s) found" in result.stderr


def test_validate_config_names_a_missing_mapping_by_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("init", "--platform", "jira").exit_code == 0
    (tmp_path / "mappings" / "jira.yaml").unlink()
    result = run("validate-config", "-c", "iso10002.yaml", env=SECRETS)
    assert result.exit_code == 2
    assert "mappings/jira.yaml: no such mapping file (named by sources[0].mapping;" in result.stdout
    assert "Traceback" not in result.output


def test_validate_config_refuses_a_mapping_of_the_other_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("init", "--platform", "jira").exit_code == 0
    (tmp_path / "mappings" / "jira.yaml").write_text(
        (Path(__file__).resolve().parents[1] / "mappings" / "zendesk.yaml").read_text(encoding="utf-8"),
        encoding="utf-8")
    result = run("validate-config", "-c", "iso10002.yaml", env=SECRETS)
    assert result.exit_code == 2
    assert "iso10002.yaml: sources[0].mapping: mappings/jira.yaml is a zendesk mapping" in result.stdout


def _commands() -> list[str]:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return sorted(group.commands)


def test_version_prints_the_package_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"iso10002 {metadata.version('iso10002-connector')}\n"


@pytest.mark.parametrize("command", [[], *([name] for name in _commands())])
def test_help_has_no_type_placeholders_or_rst_markup(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for fragment in ("<bool>", "<list[", "<path>", "<str>", "<int>", "``"):
        assert fragment not in text, (command, fragment)


JIRA_PAGE = Path(__file__).parent / "fixtures" / "jira" / "handmade_cloud_search_jql.json"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_check_prints_no_partial_document_when_an_input_error_stops_it(fmt: str, tmp_path: Path) -> None:
    """The first file is a valid page (the shape of Jira Cloud's ``POST /rest/api/3/search/jql``
    response, as the handmade fixture follows it); the second is not JSON at all."""
    broken = tmp_path / "broken.json"
    broken.write_text('{"issues": [', encoding="utf-8")
    result = run("check", "--platform", "jira", "--as-of", "2026-03-12T09:00:00+00:00", "--format", fmt,
                 "--input", str(JIRA_PAGE), "--input", str(broken))
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert "broken.json" in result.stderr
    whole = run("check", "--platform", "jira", "--as-of", "2026-03-12T09:00:00+00:00", "--format", fmt,
                "--input", str(JIRA_PAGE))
    assert whole.exit_code == 0, whole.output
    assert whole.stdout.startswith('{"schema_version"' if fmt == "json" else "ticket,check,status")


ZENDESK_SAMPLE = Path(__file__).resolve().parents[1] / "connector" / "samples" / "zendesk-sample.jsonl"


def test_report_writes_every_file_whole_or_none(tmp_path: Path) -> None:
    """A template that fails (here: ``--templates`` with a syntax error in the second kind's)
    leaves no report, not the first one written and the second half written."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "kpi.html.j2").write_text("{% for x in %}", encoding="utf-8")
    out = tmp_path / "out"
    args = ["report", "register", "kpi", "--platform", "zendesk", "--input", str(ZENDESK_SAMPLE),
            "--as-of", "2026-11-22T09:00:00+00:00", "--templates", str(templates), "--out", str(out)]
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "no report written: template error" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []
    (templates / "kpi.html.j2").unlink()
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["kpi-2026-11-22.html", "register-2026-11-22.html"]
    assert (out / "kpi-2026-11-22.html").stat().st_mode & 0o044 == 0o044  # readable as before


def test_progress_shows_on_a_terminal_only() -> None:
    from io import StringIO

    from rich.console import Console

    from connector.cli.progress import Steps

    piped = StringIO()
    with Steps(console=Console(file=piped)) as display, display.step("checking complaints"):
        pass
    assert piped.getvalue() == ""
    terminal = StringIO()
    with Steps(console=Console(file=terminal, force_terminal=True)) as display, \
            display.step("checking complaints"):
        display._progress.refresh()
    assert "checking complaints" in terminal.getvalue()


@pytest.mark.parametrize(("kind", "pack"), [("fca-return", "fca-disp"), ("asic-idr", "asic-rg271"),
                                            ("cfpb", "cfpb")])
def test_a_return_on_a_policy_without_its_pack_is_warned_about_and_strict_fails(
    kind: str, pack: str, tmp_path: Path
) -> None:
    args = ["report", kind, "--platform", "zendesk", "--input", str(ZENDESK_SAMPLE),
            "--as-of", "2026-11-22T09:00:00+00:00"]
    warning = f"{kind}: the policy iso10002-baseline does not extend the {pack} pack"
    loose = run(*args, "--out", str(tmp_path / "loose.csv"))
    assert loose.exit_code == 0, loose.output
    assert warning in loose.stderr
    strict = run(*args, "--out", str(tmp_path / "strict.csv"), "--strict")
    assert strict.exit_code == 2, strict.output
    assert warning in strict.stderr
    assert not (tmp_path / "strict.csv").exists()
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"extends: {pack}\nname: acme\n", encoding="utf-8")
    regulated = run(*args, "--out", str(tmp_path / "regulated.csv"), "--policy", str(policy))
    assert "does not extend" not in regulated.stderr
    assert (tmp_path / "regulated.csv").is_file()


def test_explain_in_an_80_column_terminal_prints_blocks_not_sliver_columns() -> None:
    """The shipped Zendesk sample (payloads in the shape of the Incremental Ticket Export and
    Ticket Events, connector/samples); ticket 100040 has evidence and remediation lines."""
    args = ["explain", "--platform", "zendesk", "--input", str(ZENDESK_SAMPLE),
            "--as-of", "2026-11-22T09:00:00+00:00", "100040"]
    narrow = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert narrow.exit_code == 0, narrow.output
    lines = [line.rstrip() for line in narrow.stdout.splitlines()]
    assert max(len(line) for line in lines) <= 80
    for fragment in ("remedy-recorded AT_RISK (clause 7.2, due 2026-11-24 17:30)",
                     "    evidence: Remedy sought: not recorded",
                     "    what to do: Ask the complainant what outcome they want and record it in the"):
        assert fragment in lines, fragment
    wide = runner.invoke(app, args, env={"COLUMNS": "250"})
    assert "┃ Check" in wide.stdout  # a wide terminal keeps the tables


@pytest.mark.parametrize("command", [["report"], ["run"], ["validate-config"], ["verify-report"]])
def test_help_paragraphs_wrap_to_the_terminal_without_stranded_words(command: list[str]) -> None:
    # The docstrings' own line breaks used to survive the terminal's wrapping: "or, without"
    # alone on a line of an 80-column `report --help`, "journalled" in `run --help`.
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    description = result.stdout.split("Usage:", 1)[1].split("╭", 1)[0].splitlines()[1:]
    paragraphs: list[list[str]] = [[]]
    for line in description:
        if line.strip():
            paragraphs[-1].append(line.rstrip())
        elif paragraphs[-1]:
            paragraphs.append([])
    for paragraph in paragraphs:
        for line in paragraph[:-1]:  # only a paragraph's last line may be short
            assert len(line) >= 60, (line, paragraph)


def test_run_and_sync_log_only_warnings_while_the_progress_display_shows(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging
    from io import StringIO

    from rich.console import Console

    from connector.cli.progress import Steps
    from connector.cli.store import configure_logging

    root = logging.getLogger()
    for display, level in ((Steps(console=Console(file=StringIO(), force_terminal=True)), logging.WARNING),
                           (Steps(console=Console(file=StringIO())), logging.INFO)):
        monkeypatch.setattr(root, "handlers", [])
        monkeypatch.setattr(root, "level", logging.NOTSET)
        configure_logging(display)
        assert root.level == level


@pytest.mark.parametrize(("platform", "placeholder", "edited"), [
    ("zendesk", "subdomain: yourcompany ", "subdomain: acme "),
    ("jira", "base_url: https://yourcompany.atlassian.net", "base_url: https://acme.atlassian.net"),
])
def test_validate_config_warns_of_the_starters_placeholder_site(
    platform: str, placeholder: str, edited: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    no_secrets: None
) -> None:
    # Valid as written (init then validate-config exits 0), but an unedited source syncs from
    # nowhere: said before the first run, not discovered by it.
    monkeypatch.chdir(tmp_path)
    assert run("init", "--platform", platform).exit_code == 0
    checked = run("validate-config", "-c", "iso10002.yaml", env=SECRETS)
    assert checked.exit_code == 0, checked.output
    assert "sources[0]" in checked.stdout and "is the starter's placeholder" in checked.stdout
    config = tmp_path / "iso10002.yaml"
    text = config.read_text(encoding="utf-8")
    assert placeholder in text
    config.write_text(text.replace(placeholder, edited), encoding="utf-8")
    again = run("validate-config", "-c", "iso10002.yaml", env=SECRETS)
    assert again.exit_code == 0, again.output
    assert "placeholder" not in again.stdout
