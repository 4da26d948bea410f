"""The dashboard's sign-in costs nothing to commands that never serve it: every CLI command
imports ``connector.service.ui_auth`` (through the command modules), and its unknown-user dummy
hash is one argon2 hash, more CPU than a small report. The hash is made when the dashboard's
``UiAuth`` is built, so an unknown name still costs a full verification from the first sign-in."""

from __future__ import annotations

import subprocess
import sys

from connector.service.ui_auth import UiAuth, hash_password
from connector.service_config import UiConfig

_NO_HASH_AT_IMPORT = """
import argon2

def refuse(self, *args, **kwargs):
    raise SystemExit("argon2 hash made while importing the CLI")

argon2.PasswordHasher.hash = refuse
import connector.cli
"""


def test_importing_the_cli_hashes_no_password() -> None:
    run = subprocess.run(
        [sys.executable, "-c", _NO_HASH_AT_IMPORT], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr


def test_unknown_user_is_refused_and_known_user_accepted() -> None:
    users = {"lead": {"password_hash": hash_password("a long password")}}
    auth = UiAuth(UiConfig.model_validate({"users": users}))
    assert not auth.check_password("nobody", "a long password")
    assert auth.check_password("lead", "a long password")
    assert not auth.check_password("lead", "another password")
