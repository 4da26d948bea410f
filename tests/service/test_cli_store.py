"""Store-mode CLI: init, config errors naming file and key path, status, verify-store, check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import update
from typer.testing import CliRunner

from compliance_checks.configfile import ConfigError
from connector.cli import app
from connector.config import load_config
from connector.store import Store
from connector.store.models import FindingRow
from tests.service.helpers import pipeline
from tests.zendesk import scenarios as sc

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_init_writes_a_commented_config_that_loads(tmp_path: Path, platform: str) -> None:
    out = tmp_path / "iso10002.yaml"
    result = runner.invoke(app, ["init", "--platform", platform, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "# " in out.read_text(encoding="utf-8")
    config = load_config(out)
    assert config.sources[0].platform == platform
    assert config.writeback.mode == "plan" and config.store.url == "sqlite:///iso10002.db"
    again = runner.invoke(app, ["init", "--platform", platform, "--out", str(out)])
    assert again.exit_code == 2  # never overwrites without --force


def test_a_bad_service_setting_fails_fast_naming_file_and_key_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({
        "sources": [{"platform": "zendesk", "name": "zd", "subdomain": "acme",
                     "auth": {"type": "api_token"}}],
        "schedule": {"reevaluate_every_minutes": 30},
        "writeback": {"mode": "sometimes"},
    }), encoding="utf-8")
    result = runner.invoke(app, ["status", "--config", str(path)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert f"{path}: schedule.reevaluate_every_minutes" in text
    assert f"{path}: writeback.mode" in text


_SOURCE = ("sources:\n  - {platform: zendesk, name: zd, subdomain: acme,\n"
           "     auth: {type: api_token, email_env: ZD_EMAIL, token_env: ZD_TOKEN}}\n")


@pytest.mark.parametrize(("written", "mode"), [("off", "off"), ("'off'", "off"), ("plan", "plan")])
def test_writeback_mode_off_unquoted_is_off(tmp_path: Path, written: str, mode: str) -> None:
    # YAML 1.1 reads an unquoted ``off`` as false; the starter config writes it unquoted.
    path = tmp_path / "iso10002.yaml"
    path.write_text(f"{_SOURCE}writeback:\n  mode: {written}\n", encoding="utf-8")
    assert load_config(path).writeback.mode == mode


@pytest.mark.parametrize("written", ["on", "yes", "true", "sometimes"])
def test_writeback_mode_other_than_off_plan_apply_is_refused(tmp_path: Path, written: str) -> None:
    path = tmp_path / "iso10002.yaml"
    path.write_text(f"{_SOURCE}writeback:\n  mode: {written}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert [i.key_path for i in info.value.issues] == ["writeback.mode"]


def _config(tmp_path: Path, base_url: str) -> Path:
    path = tmp_path / "iso10002.yaml"
    path.write_text(yaml.safe_dump({
        "sources": [{"platform": "zendesk", "name": "sandbox", "base_url": base_url,
                     "mapping": str(ROOT / "mappings" / "zendesk.yaml"),
                     "auth": {"type": "oauth_client_credentials", "client_id_env": "ZD_ID",
                              "client_secret_env": "ZD_SECRET"}}],
        "store": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
    }), encoding="utf-8")
    return path


@pytest.mark.slow
def test_status_check_and_verify_store_read_the_store(tmp_path: Path) -> None:
    server = sc.start_sandbox(tickets=20)
    try:
        config = _config(tmp_path, server.base_url)
        store = Store(f"sqlite:///{tmp_path / 'store.db'}")
        pipe = pipeline(server, store)
        pipe.sync()
        pipe.check()
        store.close()
        as_of = sc.virtual_now(server).isoformat()
    finally:
        server.stop()
    status = runner.invoke(app, ["status", "-c", str(config), "--format", "json"])
    assert status.exit_code == 0, status.output
    doc = json.loads(status.output)
    assert doc["sources"][0]["cursor_at"] and doc["runs"][0]["kind"] == "check"
    checked = runner.invoke(app, ["check", "-c", str(config), "--as-of", as_of, "--format", "json"])
    assert checked.exit_code == 0, checked.output
    findings = json.loads(checked.stdout)["findings"]
    assert findings and {f["platform"] for f in findings} == {"zendesk"}
    assert runner.invoke(app, ["verify-store", "-c", str(config)]).exit_code == 0
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    with store.session() as session:
        session.execute(update(FindingRow).where(FindingRow.id == 1).values(payload="{}"))
    store.close()
    tampered = runner.invoke(app, ["verify-store", "-c", str(config)])
    assert tampered.exit_code == 6


@pytest.mark.slow
def test_explain_from_the_store_feeds_the_stored_version_to_the_core_without_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    server = sc.start_sandbox(tickets=8)
    try:
        config = _config(tmp_path, server.base_url)
        store = Store(f"sqlite:///{tmp_path / 'store.db'}")
        pipe = pipeline(server, store)
        pipe.sync()
        checked = pipe.check(keep_findings=True)
        store.close()
        as_of = sc.virtual_now(server).isoformat()
    finally:
        server.stop()
    (_source, ticket), findings = sorted(checked.findings.items())[0]

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("explain wrote a temporary file")

    for name in ("TemporaryDirectory", "TemporaryFile", "NamedTemporaryFile", "mkdtemp", "mkstemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    wide = {"COLUMNS": "400"}  # check names unfolded in the table
    result = runner.invoke(app, ["explain", "-c", str(config), "--as-of", as_of, ticket], env=wide)
    assert result.exit_code == 0, result.output
    assert f"Complaint {ticket}" in result.stdout
    for finding in findings:  # the same findings as the check of the store
        assert finding.check in result.stdout
