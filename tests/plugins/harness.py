"""Browser-test harness: a static server for a panel's page that also plays the helpdesk's part
(the Zendesk proxy substituting secure settings; Forge minting an invocation token; for the shared
core's test page, a plain proxy adding the API key), and headless
Chromium runs (``--dump-dom`` and ``--screenshot``) with console errors collected from its log."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import requests

from tests.service.forge_tokens import ForgeKeys

ROOT = Path(__file__).resolve().parents[2]
STUBS = Path(__file__).resolve().parent / "stubs"
#: Test-only third-party scripts, vendored (axe-core: MPL-2.0, see its LICENSE beside it).
VENDOR = Path(__file__).resolve().parent / "vendor"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TYPES = {".html": "text/html", ".js": "application/javascript", ".css": "text/css", ".svg": "image/svg+xml",
         ".png": "image/png", ".json": "application/json"}


@dataclass
class Helpdesk:
    """What the panel's host would do server-side, and a record of what the page asked for."""

    service: str
    api_key: str
    forge: ForgeKeys | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)


#: The pages a static server serves (with the stubs injected), by URL path: the plugins' own pages
#: and the test page of the shared panel core (served with plugins/common as the root).
PAGES = ("/assets/iframe.html", "/index.html", "/core.html", "/__frame.html")
RECHECK_HOOK = ('  <script src="/__stubs/recheck_hook.js"></script>\n'
                '  <script src="/__stubs/layout_probe.js"></script>\n</body>')


def _frame(query: str) -> bytes:
    """A host page holding ``src`` (a page of this server) in an iframe of ``w`` x ``h`` px."""
    args = parse_qs(query)
    src, width, height = args["src"][0], int(args["w"][0]), int(args["h"][0])
    if not src.startswith("/") or src.startswith("//"):
        raise ValueError("the frame shows pages of this server only")
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Test host</title>'
            f'</head>\n<body style="margin:0"><iframe id="app" title="ISO 10002 panel" width="{width}" '
            f'height="{height}" style="border:0;display:block" src="{escape(src)}"></iframe>\n'
            '<textarea id="frame-dom" hidden></textarea>\n'
            '<script src="/__stubs/frame_host.js"></script>\n</body></html>\n').encode()


def _page(root: Path, path: str, query: str = "") -> bytes:
    if path == "/__frame.html":
        return _frame(query)
    if path == "/core.html":  # the core alone: a test transport instead of platform glue
        html = (STUBS / "core_page.html").read_text(encoding="utf-8")
    elif path == "/assets/iframe.html":  # Zendesk: the stub replaces ZAFClient.init after the real SDK
        html = (root / path.lstrip("/")).read_text(encoding="utf-8")
        html = html.replace('<script src="panel.js">', '<script src="/__stubs/zaf_stub.js"></script>\n'
                            '  <script src="panel.js">')
    else:  # Forge: the host's bridge channel before @forge/bridge
        html = (root / path.lstrip("/")).read_text(encoding="utf-8")
        html = html.replace('<script src="vendor/forge-bridge.js">', '<script src="/__stubs/forge_host.js">'
                            '</script>\n  <script src="vendor/forge-bridge.js">')
    return html.replace("</body>", RECHECK_HOOK).encode()


def static_server(root: Path, helpdesk: Helpdesk) -> ThreadingHTTPServer:  # noqa: C901 - one handler
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _forward(self, method: str, url: str, headers: dict[str, str]) -> None:
            try:
                answer = requests.request(method, url, headers=headers, timeout=10)
            except requests.RequestException:
                self._send(502, b'{"error": "proxy: service unreachable"}')
                return
            self._send(answer.status_code, answer.content)

        def _zendesk_proxy(self, method: str) -> None:
            auth = self.headers.get("Authorization", "")
            target = self.headers.get("X-Target-Url", "")
            helpdesk.calls.append({"via": "zendesk", "method": method, "url": target, "authorization": auth})
            # Zendesk substitutes secure settings for requests to allowed hosts; the browser sent the
            # placeholder, never the key.
            secret = auth.replace("{{setting.api_token}}", helpdesk.api_key)
            self._forward(method, target, {"Authorization": secret})

        def _forge_remote(self, method: str, path: str) -> None:
            assert helpdesk.forge is not None
            helpdesk.calls.append({"via": "forge", "method": method, "path": path})
            # Forge mints the token for the issue whose panel calls (context.extension.issue).
            issue = path.split("?", 1)[0].split("/")[5] if path.count("/") >= 5 else None
            token = helpdesk.forge.token(issue_key=issue, issue_id=None)
            self._forward(method, helpdesk.service + path, {"Authorization": f"Bearer {token}"})

        def _service(self, method: str, path: str) -> None:
            # The core's test transport: the key is added here, server-side, as a helpdesk would.
            helpdesk.calls.append({"via": "service", "method": method, "path": path})
            self._forward(method, helpdesk.service + path, {"Authorization": f"Bearer {helpdesk.api_key}"})

        def _route(self, method: str) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/__zendesk_proxy":
                return self._zendesk_proxy(method)
            if path.startswith("/__forge_remote/"):
                return self._forge_remote(method, path[len("/__forge_remote"):])
            if path.startswith("/__service/"):
                return self._service(method, path[len("/__service"):])
            if path.startswith("/__stubs/"):
                file = STUBS / path.rsplit("/", 1)[1]
            elif path.startswith("/__vendor/"):
                file = VENDOR / path.rsplit("/", 1)[1]
            elif path in PAGES:
                return self._send(200, _page(root, path, self.path.partition("?")[2]), "text/html")
            elif path == "/vendor/forge-bridge.js" and not (root / "vendor" / "forge-bridge.js").is_file():
                file = STUBS / "forge_bridge_standin.js"
            else:
                file = (root / path.lstrip("/")).resolve()
                if root.resolve() not in file.parents:
                    return self._send(404, b"{}")
            if not file.is_file():
                return self._send(404, b"{}")
            return self._send(200, file.read_bytes(), TYPES.get(file.suffix, "application/octet-stream"))

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._route("POST")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


_CONSOLE = re.compile(r'CONSOLE\(\d+\)\] "(?P<msg>[^"]*)"|:INFO:CONSOLE[^"]*"(?P<msg2>[^"]*)"')


@dataclass
class PageRun:
    dom: str
    log: str
    screenshot: Path

    def console_errors(self) -> list[str]:
        return [line for line in self.log.splitlines()
                if "CONSOLE" in line and ("Uncaught" in line or "Failed" in line or "Error" in line)]


def _chromium(args: list[str], profile: Path, tz: str | None = None) -> subprocess.CompletedProcess[str]:
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=8000"]
    env = {**os.environ, "TZ": tz} if tz else None  # the viewer's time zone, as the browser sees it
    return subprocess.run([*base, *args], capture_output=True, text=True, timeout=60, check=False, env=env)


def open_page(url: str, shots: Path, name: str, *, width: int = 320, height: int = 900,
              tz: str | None = None) -> PageRun:
    """The DOM after scripts settled, Chromium's log, and a screenshot (``shots/name.png``): one run
    (``tz``: the browser's time zone)."""
    shot = shots / f"{name}.png"
    run = _chromium([f"--screenshot={shot}", f"--window-size={width},{height}", "--dump-dom", url],
                    shots / f".profile-{name}", tz)
    return PageRun(run.stdout, run.stderr, shot)
