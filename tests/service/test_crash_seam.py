"""Crash points are a test seam that costs nothing when off: ``ISO10002_CRASH_AT`` is read once at
start-up, and an unarmed process never calls a crash point (not even to learn it is off). The
armed case runs against real processes in test_crash.py and test_crash_jira.py."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import connector.sync
import connector.writeback_journal
from connector import crashpoints
from connector.store import Store
from devtools.sandboxes.zendesk import SandboxServer
from tests.service.helpers import complaint_ids, pipeline
from tests.zendesk import scenarios as sc

ROOT = Path(__file__).resolve().parents[2]


def _crash_calls(tree: ast.Module) -> list[tuple[ast.Call, bool]]:
    """Each ``crash_point(...)`` call and whether an enclosing ``if`` tests ``ARMED``."""
    found: list[tuple[ast.Call, bool]] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "crash_point":
            found.append((node, guarded))
        for child in ast.iter_child_nodes(node):
            armed = isinstance(node, ast.If) and child in node.body and any(
                isinstance(n, ast.Name) and n.id == "ARMED" for n in ast.walk(node.test))
            visit(child, guarded or armed)

    visit(tree, False)
    return found


def _product_crash_calls() -> list[tuple[str, ast.Call, bool]]:
    out = []
    for path in sorted((ROOT / "connector").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        out.extend((str(path.relative_to(ROOT)), call, guarded) for call, guarded in _crash_calls(tree))
    return out


def test_every_crash_point_is_guarded_and_named() -> None:
    calls = _product_crash_calls()
    assert len(calls) >= 6
    assert [(f, c.lineno) for f, c, guarded in calls if not guarded] == []
    names = {c.args[0].value for _f, c, _g in calls if isinstance(c.args[0], ast.Constant)}
    assert names == set(crashpoints.POINTS)


def test_the_guard_detector_sees_an_unguarded_call() -> None:
    tree = ast.parse("if ARMED:\n    crash_point('a')\nif x:\n    crash_point('b')\ncrash_point('c')\n")
    assert [guarded for _c, guarded in _crash_calls(tree)] == [True, False, False]


def _armed_child(env: str | None, code: str) -> subprocess.CompletedProcess[str]:
    environ = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    if env is not None:
        environ[crashpoints.ENV] = env
    return subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True,
                          timeout=60, check=False)


def test_the_variable_is_read_once_at_start_up() -> None:
    code = ("import os\nfrom connector import crashpoints as c\n"
            "os.environ[c.ENV] = 'mid-sync'\nc.crash_point('mid-sync')\nprint(c.ARMED)\n")
    off = _armed_child(None, code)
    assert (off.returncode, off.stdout) == (0, "None\n")  # set after start-up: stays off
    armed = _armed_child("mid-sync", "from connector import crashpoints as c\n"
                                     "c.crash_point('after-journal-write')\nprint(c.ARMED, flush=True)\n"
                                     "c.crash_point('mid-sync')\nprint('survived')\n")
    assert (armed.returncode, armed.stdout) == (137, "mid-sync\n")


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = sc.start_sandbox(tickets=30)
    yield srv
    srv.stop()


def test_an_unarmed_sync_and_write_back_never_reach_a_crash_point(
    sqlite_store: Store, server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    reached: list[str] = []
    for module in (connector.sync, connector.writeback_journal):
        monkeypatch.setattr(module, "crash_point", reached.append)
    pipe = pipeline(server, sqlite_store)
    (synced,), sync_errors = pipe.sync()
    pipe.check()
    (written,), write_errors = pipe.writeback("apply")
    # The storing loop and the journalled write-back did run ...
    assert (sync_errors, write_errors) == ([], [])
    assert synced.tickets >= len(complaint_ids(server)) > 0
    assert written.written > 0
    # ... and passed no crash point.
    assert reached == []
