"""Start-up of the store-backed commands: a missing secret is a configuration error (exit 2, one
line naming the variable), and two processes creating a new SQLite store never collide."""

from __future__ import annotations

import fcntl
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from connector.cli import app
from connector.store import engine
from tests.service import procs

MISSING = "ISO10002_TEST_UNSET_TOKEN"
EMAIL_VALUE = "someone-secret@example.test"


def _config_with_unset_secret(tmp_path: Path) -> Path:
    path = tmp_path / "iso10002.yaml"
    path.write_text(yaml.safe_dump({
        "sources": [{
            "platform": "jira", "name": "jira", "deployment": "cloud",
            # Never contacted: the missing secret stops the command first.
            "base_url": "http://127.0.0.1:9",
            "mapping": str(procs.ROOT / "mappings" / "jira.yaml"),
            "auth": {"kind": "cloud_token", "email_env": "ISO10002_TEST_EMAIL", "token_env": MISSING},
        }],
        "store": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
        "server": {"host": "127.0.0.1", "port": 0},
    }), encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "sync", "serve"])
def test_a_missing_secret_is_a_configuration_error_naming_the_variable(tmp_path: Path, command: str) -> None:
    config = _config_with_unset_secret(tmp_path)
    result = procs.run_cli(command, "-c", str(config), ISO10002_TEST_EMAIL=EMAIL_VALUE)
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert MISSING in lines[0] and "sources[0].auth.token_env" in lines[0]
    assert "Traceback" not in result.stderr
    assert EMAIL_VALUE not in result.stderr + result.stdout


@pytest.mark.slow
def test_serve_names_every_unset_webhook_secret_and_api_key(tmp_path: Path) -> None:
    config = _config_with_unset_secret(tmp_path)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["webhooks"] = {"jira": {"secret_env": "ISO10002_TEST_UNSET_HOOK"}}
    data["api"] = {"keys_env": ["ISO10002_TEST_KEY_SET", "ISO10002_TEST_UNSET_KEY"]}
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = procs.run_cli("serve", "-c", str(config), ISO10002_TEST_EMAIL=EMAIL_VALUE,
                           **{MISSING: "token-value", "ISO10002_TEST_KEY_SET": "key-value"})
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert "webhooks.jira.secret_env" in lines[0] and "ISO10002_TEST_UNSET_HOOK" in lines[0]
    assert "api.keys_env[1]" in lines[1] and "ISO10002_TEST_UNSET_KEY" in lines[1]
    assert "Traceback" not in result.stderr
    for secret in ("token-value", "key-value", EMAIL_VALUE):
        assert secret not in result.stderr + result.stdout


# -- two processes on a brand-new SQLite store ---------------------------------------------------

WAITING = "waiting for another process creating or migrating the store"


@contextmanager
def _held(lock_path: Path) -> Iterator[None]:
    """The store's start-up lock, taken by the test (as a process creating the store would)."""
    with lock_path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _wait_for_line(proc: subprocess.Popen[str], text: str) -> None:
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if text in line:
            return
    pytest.fail(f"exited ({proc.wait()}) without {text!r}: {''.join(seen)[-2000:]}")


@pytest.mark.slow
def test_two_runs_on_a_new_sqlite_store_wait_for_each_other(tmp_path: Path) -> None:
    with procs.sandbox("zendesk") as base:
        config = procs.write_config(tmp_path, zendesk=base, mode="plan")
        database = tmp_path / "store.db"
        with _held(database.with_name("store.db.lock")):
            runs = [
                subprocess.Popen([procs.ISO10002, "run", "-c", str(config)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=procs.env(), cwd=procs.ROOT)
                for _ in range(2)
            ]
            # Both are blocked before creating anything: released together, they race for real.
            for proc in runs:
                _wait_for_line(proc, WAITING)
            assert not database.exists() or database.stat().st_size == 0
        results = [(proc.wait(timeout=120), proc.communicate()) for proc in runs]
    for code, (_out, err) in results:
        assert "already exists" not in err and "Traceback" not in err, err[-2000:]
        # The second either proceeds after the first (0) or finds the source locked (5).
        assert code in (0, 5), err[-2000:]
        if code == 5:
            assert "locked by another instance" in err, err[-2000:]
    assert 0 in [code for code, _ in results]
    db = sqlite3.connect(database)
    try:
        assert db.execute("select count(*) from alembic_version").fetchone()[0] == 1
        assert db.execute("select count(*) from chain_head").fetchone()[0] == 1
    finally:
        db.close()


def test_a_store_busy_past_the_wait_exits_5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "STARTUP_WAIT_SECONDS", 0.0)
    config = _config_with_unset_secret(tmp_path)
    with _held(tmp_path / "store.db.lock"):
        result = CliRunner().invoke(app, ["status", "-c", str(config)])
    assert result.exit_code == 5, result.output
    assert "store busy" in result.stderr
