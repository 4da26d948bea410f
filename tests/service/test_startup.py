"""Start-up of the store-backed commands: a missing secret is a configuration error (exit 2, one
line naming the variable), and two processes creating a new SQLite store never collide."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

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
