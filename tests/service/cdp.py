"""Drive headless Chromium over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
commands on fd 3, replies on fd 4, each JSON message ended by a NUL byte), so a test can sign
in, click and read pages without a browser-automation package or a debugging port."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
#: axe-core, vendored for the browser tests (tests/plugins/vendor/README.md), never fetched.
AXE = Path(__file__).resolve().parents[1] / "plugins" / "vendor" / "axe.min.js"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe")


class Browser:
    def __init__(self, profile: Path, width: int = 1280, height: int = 900) -> None:
        to_browser, self._send = os.pipe()
        self._recv, from_browser = os.pipe()
        self.proc = subprocess.Popen(
            ["/bin/bash", "-c", f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}', str(CHROMIUM), *FLAGS,
             f"--user-data-dir={profile}", f"--window-size={width},{height}"],
            pass_fds=(to_browser, from_browser), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next = 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if not select.select([self._recv], [], [], 60)[0]:
                raise RuntimeError("chromium did not answer within 60 s")
            chunk = os.read(self._recv, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next += 1
        command: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            command["sessionId"] = session
        os.write(self._send, json.dumps(command).encode() + b"\0")
        while True:
            message = self._message()
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        return self.call(method, self.session, **params)

    def js(self, expression: str) -> Any:
        answer = self.page("Runtime.evaluate", expression=expression, returnByValue=True)
        return answer.get("result", {}).get("value")

    def wait(self, expression: str, deadline: float = 20.0) -> Any:
        """Poll ``expression`` until it is truthy (page loads are asynchronous)."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            try:
                value = self.js(f"document.readyState === 'complete' && ({expression})")
            except RuntimeError as exc:
                # The page navigated away mid-evaluation (a form posting itself): poll again.
                if "navigated or closed" not in str(exc) and "context" not in str(exc):
                    raise
                value = None
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"not within {deadline}s: {expression} (at {self.js('location.href')})")

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's violations on the current page: (rule id, impact, offending nodes). The
        script is evaluated over the DevTools protocol, so a page whose CSP forbids scripts is
        checked as served."""
        self.js(AXE.read_text(encoding="utf-8"))
        answer = self.page("Runtime.evaluate", awaitPromise=True, returnByValue=True, expression=(
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ("
            "{id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})))"))
        if "exceptionDetails" in answer:
            raise RuntimeError(f"axe-core failed: {answer['exceptionDetails']}")
        violations: list[dict[str, Any]] = answer["result"]["value"]
        return violations

    def goto(self, url: str) -> None:
        self.page("Page.navigate", url=url)

    def screenshot(self, path: Path) -> Path:
        data = self.page("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._send)
        os.close(self._recv)
