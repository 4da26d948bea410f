"""The register's and the audit's table tools in headless Chromium: filter, search, sort, paging,
the sticky header inside its scrolling box, the exceptions' table of contents, and the page
with JavaScript off (every row shown, no tools).

A probe script is appended to the page and its sha256 added to the page's own CSP (the CSP
stays enforced); it acts like a user and writes what it saw into ``<pre id="probe">``, which
``--dump-dom`` returns.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest

from compliance_checks.findings import Finding, Status
from compliance_checks.model import ComplaintRecord
from report_templates.html import render_html
from report_templates.input import ReportInput, Snapshot
from report_templates.views import build_audit_view, build_register_view
from tests.reports.builders import AS_OF, CHECKS, RENDER, at, dataset, finding, record
from tests.reports.test_browser import CHROMIUM, chromium

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)"
    ),
]
N = 250
TEAMS = ("Billing", "Claims", "Service")


def team(i: int) -> str:
    return TEAMS[(i // 3) % 3]


def owner(i: int) -> str:
    return f"Owner {i % 4}"


def fails(i: int) -> bool:
    return i % 3 == 0 or i % 5 == 0  # more exceptions than one page


def many(n: int = N) -> ReportInput:
    """``n`` October complaints over three teams and four owners; every third fails a check."""
    records: list[ComplaintRecord] = []
    findings: dict[str, tuple[Finding, ...]] = {}
    for i in range(1, n + 1):
        ident = f"CS-{i}"
        received = at("2026-10-01") + timedelta(minutes=97 * i)
        closed = {"closed_d": 3} if i % 2 else {}
        records.append(record(ident, received, ack_h=4, team=team(i), assignee=owner(i), **closed))
        status = Status.FAIL if fails(i) else Status.PASS
        findings[ident] = (finding(ident, CHECKS[i % 2], status), finding(ident, CHECKS[2], Status.PASS))
    return dataset(current=Snapshot(AS_OF, tuple(records), findings))


def with_probe(page: str, probe: str) -> str:
    digest = base64.b64encode(hashlib.sha256(probe.encode()).digest()).decode()
    page = page.replace("script-src ", f"script-src &#39;sha256-{digest}&#39; ", 1)
    assert digest in page
    return page.replace("</body>", f"<script>{probe}</script></body>", 1)


def run(tmp_path: Path, page: str, *flags: str, fragment: str = "", blocked: bool = False) -> str:
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    out = chromium(
        tmp_path / "profile",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,900",
        *flags,
        "--dump-dom",
        path.as_uri() + fragment,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    refused = [line for line in out.stderr.splitlines() if "Content Security Policy" in line]
    assert bool(refused) is blocked, refused
    assert "Uncaught" not in out.stderr
    return out.stdout


def probed(dom: str) -> dict[str, object]:
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.DOTALL)
    assert found, "the probe did not run"
    result: dict[str, object] = json.loads(unescape(found.group(1)))
    return result


#: Helpers the probes share: the visible data rows and their first cells.
PROBE_LIB = """
var T = document.querySelector("table[data-tool]");
var out = {};
function rows() { return [...T.querySelectorAll("tbody > tr:not(.grp)")].filter(r => !r.hidden); }
function ids() { return rows().map(r => r.cells[0].textContent.trim()); }
function pick(name, value) {
  var s = document.querySelector("select[name='" + name + "']"); s.value = value;
  s.dispatchEvent(new Event("change"));
}
function done() {
  var p = document.createElement("pre"); p.id = "probe"; p.textContent = JSON.stringify(out);
  document.body.append(p);
}
"""

REGISTER_PROBE = (
    PROBE_LIB
    + """
out.first = ids().length; out.count = document.querySelector(".tools .count").textContent;
out.teamOptions = [...document.querySelector("select[name='f-team']").options].map(o => o.value);
pick("f-team", "Claims");
out.claims = rows().map(r => r.cells[9].getAttribute("data-k"));
pick("f-team", "");
pick("f-check", "Acknowledged in time");
out.failing = rows().map(r => r.cells[15].textContent);
pick("f-check", "");
pick("f-stage", "closed");
out.closed = rows().map(r => r.cells[7].textContent.split(" ")[0]);
pick("f-stage", "");
var q = document.querySelector(".tools input[type=search]");
q.value = "cs-17"; q.dispatchEvent(new Event("input"));
out.search = ids();
q.value = ""; q.dispatchEvent(new Event("input"));
var sortBtn = T.tHead.rows[0].cells[0].querySelector("button");
sortBtn.click(); out.asc = ids().slice(0, 3); sortBtn.click(); out.desc = ids().slice(0, 3);
out.ariaSort = T.tHead.rows[0].cells[0].getAttribute("aria-sort");
document.querySelector(".tools button[name=next]").click(); out.page2 = ids().slice(0, 1);
var box = T.parentNode; box.scrollTop = 1500;
var th = T.tHead.rows[0].cells[3].getBoundingClientRect(), boxTop = box.getBoundingClientRect().top;
out.sticky = Math.abs(th.top - boxTop) < 2;
out.scrolled = box.scrollTop;
out.bodyAbove = rows()[5].getBoundingClientRect().top < boxTop;
out.boxFits = box.getBoundingClientRect().height <= window.innerHeight;
out.hscroll = box.scrollWidth > box.clientWidth ? "inside" : "none";
done();
"""
)


def test_register_filter_search_sort_page_and_sticky_header(tmp_path: Path) -> None:
    page = render_html(build_register_view(many()), RENDER)
    got = probed(run(tmp_path, with_probe(page, REGISTER_PROBE)))
    assert got["first"] == 100  # the first page of 250
    assert got["count"] == "1\u2013100 of 250 shown, page 1 of 3"
    assert got["teamOptions"] == ["", "Billing", "Claims", "Service"]
    claims = got["claims"]
    assert claims == ["Claims"] * sum(1 for i in range(1, N + 1) if team(i) == "Claims")
    failing = got["failing"]  # FAIL on acknowledged-in-time (CHECKS[0], by its short title): even i that fail
    assert isinstance(failing, list) and len(failing) == sum(1 for i in range(2, N + 1, 2) if fails(i))
    assert all("Acknowledged in time" in f for f in failing)
    assert got["closed"] == ["closed"] * 100  # 125 closed, one page of them
    assert got["search"] == ["CS-17", *(f"CS-{n}" for n in range(170, 180))]
    assert got["asc"] == ["CS-1", "CS-2", "CS-3"]  # numeric order, not CS-1, CS-10, CS-100
    assert got["desc"] == ["CS-250", "CS-249", "CS-248"]
    assert got["ariaSort"] == "descending"
    assert got["page2"] == ["CS-150"]
    assert got["scrolled"] == 1500
    assert got["sticky"] is True and got["bodyAbove"] is True
    assert got["boxFits"] is True  # the table scrolls in the window: its scrollbar is on screen


def test_register_without_javascript_shows_every_row(tmp_path: Path) -> None:
    """Scripts off, as a mail client or a locked-down browser would have it: the page's CSP is
    changed to allow no script (headless Chromium cannot dump a page with scripting disabled)."""
    page = render_html(build_register_view(many()), RENDER)
    page, n = re.subn(r"script-src &#39;sha256-[^&]+&#39;", "script-src &#39;none&#39;", page)
    assert n == 1
    dom = run(tmp_path, page, blocked=True)
    body = dom.split('<table class="register"', 1)[1].split("</table>", 1)[0]
    assert body.count("<tr") == N + 1  # the header row and every complaint
    assert " hidden" not in body and 'class="tools"' not in dom
    assert "CS-250" in body and "CS-1<" in body


AUDIT_PROBE = (
    PROBE_LIB
    + """
var target = document.getElementById(location.hash.slice(1));
out.target = target.textContent;
out.targetShown = !target.closest("tr").hidden && target.getClientRects().length > 0;
pick("size", "0"); pick("f-status", "FAIL"); out.fail = rows().length;
pick("f-team", "Service"); out.serviceFail = rows().length;
out.serviceGroups = [...T.querySelectorAll("tr.grp")].filter(g => !g.hidden).map(g => g.textContent);
done();
"""
)


def test_audit_exceptions_by_team_and_owner_with_contents(tmp_path: Path) -> None:
    view = build_audit_view(many())
    page = render_html(view, RENDER)
    toc = page.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    assert toc.count("<a href=") == 12  # 3 teams x 4 owners
    last = re.findall(r'<a href="#(exc-\d+)">', toc)[-1]
    got = probed(run(tmp_path, with_probe(page, AUDIT_PROBE), fragment=f"#{last}"))
    groups = Counter((team(i), owner(i)) for i in range(1, N + 1) if fails(i))
    assert got["target"] == f"Service \u00b7 Owner 3: {groups['Service', 'Owner 3']} findings"
    assert got["targetShown"] is True  # the link opened the page the group is on
    assert got["fail"] == len(view.exceptions) == sum(groups.values())
    assert got["serviceFail"] == sum(n for (t, _), n in groups.items() if t == "Service")
    assert got["serviceGroups"] == [
        f"Service \u00b7 Owner {o}: {groups['Service', f'Owner {o}']} findings" for o in range(4)
    ]
