"""``iso10002 report`` shows progress on stderr only when stderr is a terminal.

Both runs are real processes: one with stderr on a pseudo-terminal (``pty``), one on a pipe.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-22T09:00:00+00:00"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "zendesk.jsonl"
    subprocess.run(
        [sys.executable, "-m", "devtools.generator", "--platform", "zendesk", "--complaints", "40",
         "--seed", "5", "--end", "2026-11-20T17:00:00+00:00", "--days", "90", "--out", str(out)],
        check=True, capture_output=True, cwd=ROOT,
    )
    return out


def _command(export: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "connector.cli", "report", "audit", "kpi", "--format", "json",
            "--platform", "zendesk", "--input", str(export), "--as-of", AS_OF,
            "--from", "2026-09-01", "--to", "2026-10-31", "--out", str(out)]


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "160", "TERM": "xterm-256color", "NO_COLOR": "1"}


def test_no_progress_when_stderr_is_not_a_terminal(export: Path, tmp_path: Path) -> None:
    done = subprocess.run(_command(export, tmp_path), capture_output=True, text=True, cwd=ROOT, env=_env(),
                          check=False)
    assert done.returncode == 0, done.stderr
    # Only the files written: no spinner, no progress line, no cursor control.
    assert done.stderr.splitlines() == [f"wrote {tmp_path / 'audit-2026-10-31.json'}",
                                        f"wrote {tmp_path / 'kpi-2026-10-31.json'}"]


def test_progress_on_a_terminal(export: Path, tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:  # the pty's buffer is small: read while the process runs
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # EIO once the process has exited and the follower is closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        process = subprocess.Popen(_command(export, tmp_path), stderr=follower, stdout=subprocess.DEVNULL,
                                   cwd=ROOT, env=_env())
        os.close(follower)
        assert process.wait() == 0
    finally:
        reader.join()
        os.close(leader)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert "reading complaints" in shown and "; writing " in shown, shown
    assert "wrote " in shown
