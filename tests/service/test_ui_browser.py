"""The ``/ui`` dashboard in headless Chromium against a real ``iso10002 serve`` (its own port,
bound by the server itself) on a Zendesk sandbox process: the login redirect, a wrong password,
the work queue with helpdesk links, Re-check (CSRF token from the page), the filtered register,
sign-out, and a cross-site form post refused; axe-core (vendored) on the login form, the
wrong-password answer, the work queue and the register. Screenshots go to pytest's tmp dir."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from connector.service.ui_auth import hash_password
from tests.service import procs
from tests.service.cdp import CHROMIUM, Browser

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="/usr/bin/chromium is absent (apt-get install chromium)"),
]
PASSWORD = "browser test password"
SECRET = "ui-session-secret-for-browser-tests-0123456789"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    b = Browser(tmp_path / "profile")
    yield b
    b.close()


def _initial_work_done(url: str) -> bool:
    return bool(requests.get(f"{url}/healthz", timeout=5).json()["last_step"] == "reevaluate")


def _sign_in(browser: Browser, url: str, password: str) -> None:
    browser.wait("!!document.querySelector('#password')")
    browser.js(f"document.querySelector('#username').value = 'lead';"
               f"document.querySelector('#password').value = {json.dumps(password)};"
               "document.querySelector('form.login').submit()")


def test_dashboard_in_chromium_against_serve(tmp_path: Path, browser: Browser) -> None:
    ui = {"users": {"lead": {"password_hash": hash_password(PASSWORD)}}}
    flawed = tmp_path / "flawed.html"  # axe-core itself finds what it should
    flawed.write_text('<!doctype html><html lang="en"><title>t</title><img src="x.png"></html>',
                      encoding="utf-8")
    browser.goto(flawed.as_uri())
    browser.wait("!!document.querySelector('img')")
    assert "image-alt" in {v["id"] for v in browser.axe()}
    with procs.sandbox("zendesk") as base:
        config = procs.write_config(tmp_path, zendesk=base, ui=ui)
        with procs.serve(config, ISO10002_UI_SESSION_SECRET=SECRET) as (_proc, url):
            procs.wait_for("initial sync, check and write-back", lambda: _initial_work_done(url), 30)
            # Unauthenticated: the page sends the browser to the login form.
            browser.goto(f"{url}/ui/")
            browser.wait("location.pathname === '/ui/login'")
            browser.screenshot(tmp_path / "login.png")
            assert browser.axe() == []
            _sign_in(browser, url, "not the password")
            error = browser.wait("document.querySelector('.error')?.textContent")
            assert error == "Wrong username or password."
            assert browser.axe() == []  # the error page (401)
            _sign_in(browser, url, PASSWORD)
            # The page data is built in the background; a page showing an older build says so and
            # offers a reload (no automatic refresh): reload it, as the user would, until fresh.
            browser.wait("location.pathname === '/ui/'")  # signed in: the session cookie is set
            summary = None
            end = time.monotonic() + 120  # a bound on waiting for the build, not a timing assertion
            while summary is None and time.monotonic() < end:
                browser.goto(f"{url}/ui/")
                # the queue, or the "preparing" page before the first build
                browser.wait("!!document.querySelector('#queue-summary, #preparing')", 30)
                fresh = "!!document.querySelector('#queue-summary') && !document.querySelector('#updating')"
                if browser.js(fresh):
                    summary = browser.js("document.querySelector('#queue-summary').textContent")
                else:
                    time.sleep(1)
            assert summary is not None, "the dashboard's page data was never built"
            assert "overdue" in summary
            links = browser.js("[...document.querySelectorAll('table.queue a')].map(a => a.href)")
            assert links and all(link.startswith(f"{base}/agent/tickets/") for link in links)
            last_run = browser.js("document.querySelector('#last-run').textContent")
            assert last_run.startswith("Last evaluation: run #")
            browser.screenshot(tmp_path / "queue.png")
            assert browser.axe() == []
            ticket = browser.js("document.querySelector('table.queue input[name=ticket]').value")
            browser.js("document.querySelector('table.queue button').click()")
            notice = browser.wait("document.querySelector('#queued-notice')?.textContent")
            assert notice == f"Re-check of {ticket} queued."
            # The register, filtered server-side.
            browser.goto(f"{url}/ui/register?status=failing")
            count = browser.wait("document.querySelector('#register-count')?.textContent")
            assert count.split()[0].isdigit() and int(count.split()[0]) > 0
            states = browser.js(
                "[...document.querySelectorAll('table.register tbody tr')].map(r => r.className)")
            assert states and set(states) == {"failing"}
            browser.screenshot(tmp_path / "register.png")
            assert browser.axe() == []
            # Another site's page posting to Re-check (with the session's own token, even) is refused.
            csrf = browser.js("document.querySelector('input[name=csrf]').value")
            attack = tmp_path / "attack.html"
            attack.write_text(
                f'<form method="post" action="{url}/ui/recheck"><input name="csrf" value="{csrf}">'
                f'<input name="platform" value="zendesk"><input name="ticket" value="{ticket}"></form>'
                "<script>document.forms[0].submit()</script>", encoding="utf-8")
            browser.goto(attack.as_uri())
            refused = browser.wait("location.protocol === 'http:' && document.body.innerText")
            assert "refused" in refused or "unauthorised" in refused
            # Sign out: the queue is behind the login form again.
            browser.goto(f"{url}/ui/")
            browser.wait("!!document.querySelector('#queue-summary')")
            browser.js("document.querySelector('header form button').click()")
            browser.wait("location.pathname === '/ui/login'")
            browser.goto(f"{url}/ui/register")
            browser.wait("location.pathname === '/ui/login'")
    print(f"screenshots in {tmp_path}")
