"""README sections rendered from benchmark results (``benchmarks/run_all.py``).

Pure functions: results text in, Markdown out. Every number printed comes from the results.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

SOURCES = ("zendesk", "jira")
NAMES = {"zendesk": "Zendesk", "jira": "Jira Cloud"}


def _calls(step: dict[str, Any], source: str) -> tuple[int, int]:
    calls = step.get(f"{source}_calls") or {}
    return int(calls.get("reads", 0)), int(calls.get("writes", 0))


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


# -- end to end ------------------------------------------------------------------------------


def _pipeline_steps(r: dict[str, Any]) -> list[str]:
    wanted = [f"sync_full_{s}" for s in SOURCES] + ["check"] + [
        k for k in r["steps"] if k.startswith("report_")]
    return [k for k in wanted if k in r["steps"]]


def e2e_section(raw: str) -> str:
    r = json.loads(raw)
    n = r["complaints_per_source"]
    steps = r["steps"]
    rows = []
    extra_steps = ["shared_register_kpi_audit", *[f"sync_incremental_{s}" for s in SOURCES]]
    for key in [*_pipeline_steps(r), *extra_steps]:
        step = steps.get(key)
        if step is None:
            continue
        calls = sum(sum(_calls(step, s)) for s in SOURCES)
        extra = f"{step['bytes'] / 1e6:,.1f} MB" if "bytes" in step else ""
        if step.get("virtual_wait_s"):
            extra = f"rate-limit wait (virtual) {step['virtual_wait_s'] / 60:,.1f} min"
        load = f"{step['load']:.1f}" if "load" in step else ""
        if "failed" in step:
            extra = (f"**failed** (exit {step['failed']}"
                     + (": killed, out of memory" if step["failed"] == -9 else "") + ")")
        rows.append(f"| {key.replace('_', ' ')} | {_n(step['wall_s'], 1)} | {_n(step['peak_mib'])} "
                    f"| {_n(calls) if calls else ''} | {load} | {extra} |")
    main = _pipeline_steps(r)
    total = sum(steps[k]["wall_s"] for k in main)
    peak = max(steps[k]["peak_mib"] for k in main)
    failed = [k for k in main if "failed" in steps[k]]
    verdict = (f"**Sync -> store -> check -> reports: {_n(total)} s for {2 * n:,} complaints\n"
               f"({_n(2 * n / total, 0)} complaints/s), peak {_n(peak)} MiB** (the largest single step)."
               if not failed else
               f"**Not completed: {', '.join(k.replace('_', ' ') for k in failed)} failed** (see the "
               f"table); the finished steps took {_n(total)} s, peak {_n(peak)} MiB.")
    shared = ("" if "shared_register_kpi_audit" not in steps else
              ' "shared register kpi\naudit" renders those three again (all HTML) from one command, one'
              " read of the store and one\npass (not counted in the total below).")
    return f"""`benchmarks/e2e.py --complaints {n}`: the Zendesk and Jira Cloud sandboxes each hold
{n:,} generated complaints (`devtools.generator`, seed 1, 180 days ending at the run, every
non-compliance pattern) and run as their own processes (started in {r['sandbox_start_s']} s,
generation included; their memory is not counted). Each connector step runs in a fresh process
against a fresh SQLite store; wall time and that process's peak RSS (`wait4`). Zendesk's
rate-limit waits are virtual (the client's clock jumps instead of sleeping; the time it would
have waited at the configured 30 requests/minute is shown). Reports cover the whole 180 days
(both sources) and read the store, one `iso10002 report` command each.{shared} "load avg" is
the machine's 1-minute load average when the step ended (2 vCPUs, shared with other jobs: above
2, wall times are inflated).

| step | wall s | peak RSS MiB | API calls | load avg | notes |
|---|---:|---:|---:|---:|---|
{chr(10).join(rows)}

{verdict}
Store after the run: {r.get('store_bytes', 0) / 1e9:,.2f} GB.
"""


def traffic_sections(raw: str) -> str:
    r = json.loads(raw)
    n = r["complaints_per_source"]
    k = n / 1000
    s = r["steps"]
    per_ticket = r.get("per_ticket_calls_per_ticket", {})
    pages = {"zendesk": math.ceil(n / 1000), "jira": math.ceil(n / 50)}
    rows = []
    for src in SOURCES:
        full = sum(_calls(s[f"sync_full_{src}"], src))
        inc = sum(_calls(s[f"sync_incremental_{src}"], src))
        after = sum(_calls(s.get(f"sync_after_changes_{src}", {}), src))
        pt = pages[src] + n * per_ticket.get(src, float("nan"))
        rows.append(f"| {NAMES[src]} | **{full / k:,.1f}** ({full:,}) | {inc} | "
                    f"{after:,} | {pt / k:,.0f} ({pt:,.0f}) |")
    wb = []
    changed = r.get("changed_tickets", {})
    for src in SOURCES:
        first = s.get("writeback_first")
        if first is None:
            continue
        written = first["written"][src]
        reads1, writes1 = _calls(first, src)
        reads2, writes2 = _calls(s["writeback_unchanged"], src)
        reads3, writes3 = _calls(s["writeback_after_changes"], src)
        count = changed.get(src, 0)
        per = f"**{writes3 / count:.2f}**" if count else "-"
        wb.append(f"| {NAMES[src]} | {written:,} tickets: {writes1:,} writes "
                  f"({writes1 / max(written, 1):.2f}/ticket) + {reads1} reads | {writes2} writes + "
                  f"{reads2} reads | {count} changed: {writes3} writes + {reads3} reads | {per} |")
    traffic_head = ("| helpdesk | full sync, calls per 1,000 complaints (total) | incremental, nothing "
                    f"changed | incremental after {max(changed.values(), default=0)} replies | "
                    "per-ticket approach per 1,000 (total) |")
    writeback_head = ("| helpdesk | first write-back (every flagged, writable ticket) | again, nothing "
                      "changed | after an agent replied on some flagged tickets | writes per changed "
                      "ticket |")
    return e2e_section(raw) + f"""
### API calls per 1,000 complaints

Same run (`--writeback --changes 100`): the connector's own store pipeline (`Pipeline.sync`,
`check`, `writeback`), calls counted by the sandboxes (every HTTP request, token requests and
set-up calls included).

{traffic_head}
|---|---:|---:|---:|---:|
{chr(10).join(rows)}

The per-ticket approach reads the list (Zendesk export pages of 1,000; Jira search pages of
50) and then each ticket's history: Zendesk `GET /tickets/{{id}}/audits` (100 per page),
Jira `GET /issue/{{key}}?expand=changelog` (the sandbox's stand-in for `/changelog`) plus
`GET /issue/{{key}}/comment` pages. Calls per ticket measured on a sample of
{min(200, n)} tickets ({', '.join(f'{NAMES[x]} {per_ticket[x]:.2f}' for x in per_ticket)}),
extrapolated to {n:,}. The incremental sync after the replies also re-reads every ticket the
first write-back changed (our own edits move `updated`; Jira search returns 100 per page), so
it costs more than the replies alone.

### Write-back calls per changed ticket

{writeback_head}
|---|---|---|---|---:|
{chr(10).join(wb)}

Zendesk writes a ticket's tags and its new note in one `PUT /tickets/{{id}}` (tag-only changes go
in `update_many` jobs of 100); closed Zendesk tickets accept no update and are skipped. Jira edits
the labels (`PUT /issue/{{key}}`) and creates or edits our one comment in place.
"""


# -- the older benchmarks --------------------------------------------------------------------


MAP_CHECK_HEADER = ("| platform | file | (a) json.loads wall | (b) map + check wall | wall ratio | (a) CPU | "
                    "(b) CPU | CPU ratio (b)/(a) | load | peak (b) | |")


def map_check_section(raw: str) -> str:
    found: dict[str, dict[str, str]] = {}
    values: dict[str, str] = {}
    for line in raw.splitlines():
        if m := re.match(r"^(\w[\w-]*): ([\d,]+) complaints", line):
            values = found.setdefault(m.group(1), {"n": m.group(2)})
        elif m := re.match(r"^\s+file\s+([\d,]+) MiB, ([\d,]+) pages", line):
            values.update(size=m.group(1), pages=m.group(2))
        elif m := re.match(r"^\s+\(a\) json.loads\s+([\d.]+) s\s+peak RSS ([\d,]+) MiB", line):
            values.update(loads=m.group(1), loads_peak=m.group(2))
        elif m := re.match(r"^\s+\(b\) map \+ check\s+([\d.]+) s\s+peak RSS ([\d,]+) MiB\s+\((.*)\)", line):
            values.update(pipe=m.group(1), pipe_peak=m.group(2), detail=m.group(3))
        elif m := re.match(r"^\s+ratio \(b\)/\(a\)\s+([\d.]+)", line):
            values.update(ratio=m.group(1))
        elif m := re.match(r"^\s+cpu ratio \(b\)/\(a\)\s+([\d.]+) \(\(a\) ([\d.]+) s, \(b\) ([\d.]+) s CPU; "
                           r"load average ([\d.]+)\)", line):
            values.update(cpu_ratio=m.group(1), cpu_a=m.group(2), cpu_b=m.group(3), load=m.group(4))
    rows = [
        f"| {platform} | {v['size']} MiB, {v['pages']} pages | {v['loads']} s | {v['pipe']} s | "
        f"{v['ratio']} | {v.get('cpu_a', '?')} s | {v.get('cpu_b', '?')} s | **{v.get('cpu_ratio', '?')}** | "
        f"{v.get('load', '?')} | {v['pipe_peak']} MiB | {v['detail']} |"
        for platform, v in found.items() if "ratio" in v
    ]
    return f"""`benchmarks/map_check.py --complaints 100000`: 100,000 generated complaints per platform as
raw API pages (`benchmarks/data/`, git-ignored), then in a fresh process each: (a) `json.loads`
of every line, (b) the whole offline pipeline (`connector.files.evaluate_files`, shipped
mapping, baseline policy), streamed. Wall and CPU time (`getrusage`, user + system) of each;
the CPU ratio is the one that means something on a shared machine (load = 1-minute load average
at the end). Peak = `ru_maxrss` of that process. Target: ratio <= 3, peak < 1 GiB.

{MAP_CHECK_HEADER}
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|
{chr(10).join(rows)}
"""


def jira_section(raw: str) -> str:
    r = json.loads(raw[raw.index("{"):])
    labels = {
        "full_sync": "full Cloud sync",
        "incremental_nothing_changed": "incremental, nothing changed",
        "incremental_nothing_changed_auto": "incremental, nothing changed (deployment auto, custom address)",
        "writeback_first": "write-back, first run (80 % flagged)",
        "writeback_unchanged": "write-back, nothing changed",
        "writeback_1pct_changed": "write-back, findings changed on 1 %",
        "per_issue_approach": "per-issue approach",
    }
    rows = []
    for key, label in labels.items():
        item = r.get(key)
        if item is None:
            continue
        total = item["total"] if isinstance(item, dict) and "total" in item else item
        calls = item.get("calls", {}) if isinstance(item, dict) else {}
        detail = ", ".join(f"`{k}` {v}" for k, v in sorted(calls.items()))
        rows.append(f"| {label} | **{total:,}** | {detail} |")
    return f"""`python -m benchmarks.jira_api_calls --issues 10000` against the Jira sandbox in Cloud mode
(seeded from `devtools.generator`, project CS), calls counted by the client per endpoint.

| scenario | API calls | by endpoint |
|---|---:|---|
{chr(10).join(rows)}

Targets: full sync N/100 search pages + N/1000 changelog bulk fetches + one comment read per
issue whose embedded comments were truncated (Cloud embeds 20); incremental with nothing changed
<= 2; write-back <= 1 edit + <= 1 comment call per changed issue and 0 per unchanged issue.
Setup calls: `GET serverInfo` only when the deployment is neither configured nor an Atlassian
Cloud address (once per process); `GET field` (JSM SLA / request-type field ids) only when an
issue needs mapping (once per process); `GET myself` (write-back only: our account id). Write-back given only
findings reads state with `issue/bulkfetch` (N/100 calls); the store-backed write-back
(`iso10002 run`) knows the states and does not (see the end-to-end figures above). The per-issue
approach uses `GET /issue/{{key}}?expand=changelog` as the stand-in for `/changelog` (one call
per issue either way).
"""


_REPORT_STEP = re.compile(
    r"^(\S+)\s+([\d.]+) s wall\s+([\d.]+) s CPU\s+peak\s+(\d+) MiB\s+load\s+([\d.]+)\s+(.*)$"
)


def reports_section(raw: str) -> str:
    """The reports benchmark: a row per step, then register + KPI + audit against the target."""
    steps: dict[str, tuple[float, float, int, float, str]] = {}
    for line in raw.splitlines():
        if m := _REPORT_STEP.match(line):
            steps[m.group(1)] = (float(m.group(2)), float(m.group(3)), int(m.group(4)),
                                 float(m.group(5)), m.group(6))
    rows = [f"| {name} | {w:.1f} | {c:.1f} | {peak:,} | {load:.1f} | {out} |"
            for name, (w, c, peak, load, out) in steps.items()]
    first = raw.splitlines()[0] if raw else ""
    body = f"""`benchmarks/reports.py --complaints 100000`: {first}. Every step reads the spool back one
complaint at a time (records and findings parsed from JSON: included in the times), as a report
from an export or the store does (writing the spool is not timed). The KPI report also gets 12
monthly earlier "evaluations" for its backlog trend: cuts of the same data by receipt time, read
from the spool's receipt-time and flag columns (the export and store adapters hand over one, the
trend baseline).
Each step is its own process; CPU = user + system time of that process (less
sensitive than wall time to the other jobs on this shared machine; load = 1-minute load average
at the end of the step).

| step | wall s | CPU s | peak RSS MiB | load | output |
|---|---:|---:|---:|---:|---|
{chr(10).join(rows)}
"""
    alone = [steps.get(k) for k in ("register-csv", "kpi-html", "audit-html")]
    shared, parse = steps.get("shared-pass"), steps.get("parse-only")
    if all(alone) and shared and parse:
        wall = sum(a[0] for a in alone if a)
        cpu = sum(a[1] for a in alone if a)
        peak = max(a[2] for a in alone if a)
        verdict = []
        for label, seconds in (("one pass each, CPU", cpu), ("shared pass, CPU", shared[1]),
                               ("shared pass, wall", shared[0])):
            verdict.append(f"{label} {seconds:.1f} s: " + (
                "met" if seconds < 30 else f"missed by {seconds - 30:.1f} s ({seconds / 30:.1f}x)"))
        found = re.search(r"spooled ([\d,]+) complaints", first)
        count = int(found.group(1).replace(",", "")) if found else 100_000
        most = max(peak, shared[2])
        memory = "met" if most < 1024 else f"missed by {most - 1024:,} MiB"
        body += f"""
**Register + KPI + audit** (target under 30 s and under 1 GiB): one pass each (register CSV, KPI
HTML, audit HTML: three `iso10002 report` commands) {wall:.1f} s wall, {cpu:.1f} s CPU, peak
{peak:,} MiB; all three from one shared pass (`render_reports`, as the service's schedule
renders them) {shared[0]:.1f} s wall, {shared[1]:.1f} s CPU, peak {shared[2]:,} MiB.
Time: {"; ".join(verdict)}. Memory: {memory} ({most:,} MiB at most).
Parsing alone (`parse-only`: a pass feeding no report) takes {parse[1]:.1f} s CPU,
{parse[1] * 1e6 / count:.0f} µs a complaint (one record, eleven findings): the floor of every pass. The
rest is the builders, then the writing: one CSV row per complaint, the KPI charts (matplotlib: a
few seconds whatever the size) and an audit page listing every FAIL / AT_RISK finding.
"""
    return body


# -- the headline table ----------------------------------------------------------------------


def _load(path: Path) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded


def headline(results: Path) -> str:
    rows: list[str] = []
    big = _load(results / "e2e-100000.json")
    if big:
        steps = _pipeline_steps(big)
        total = sum(big["steps"][k]["wall_s"] for k in steps)
        peak = max(big["steps"][k]["peak_mib"] for k in steps)
        n = 2 * big["complaints_per_source"]
        failed = [k for k in steps if "failed" in big["steps"][k]]
        shown = (f"{total:,.0f} s = {n / total:,.0f} complaints/s; peak {peak:,} MiB" if not failed
                 else f"not completed ({', '.join(failed)} failed); see below")
        rows.append(f"| end to end (sync -> store -> check -> reports), {n:,} complaints | {shown} |")
    traffic = _load(results / "e2e-10000.json")
    if traffic:
        n = traffic["complaints_per_source"]
        s = traffic["steps"]
        steps = _pipeline_steps(traffic)
        total = sum(s[k]["wall_s"] for k in steps)
        peak = max(s[k]["peak_mib"] for k in steps)
        if not big:  # the 100,000 run is the headline when there is one
            rows.append(f"| end to end (sync -> store -> check -> reports), {2 * n:,} complaints | "
                        f"{total:,.0f} s = {2 * n / total:,.1f} complaints/s (busy machine); peak "
                        f"{peak:,} MiB |")
        # API calls from the largest run measured (the 100,000 run is the newer code's).
        calls_run = big if big and all(f"sync_incremental_{x}" in big["steps"] for x in SOURCES) else traffic
        calls_n = calls_run["complaints_per_source"]
        for src in SOURCES:
            full = sum(_calls(calls_run["steps"][f"sync_full_{src}"], src))
            inc = sum(_calls(calls_run["steps"][f"sync_incremental_{src}"], src))
            rows.append(f"| {NAMES[src]}: API calls per 1,000 complaints, full / incremental "
                        f"(nothing changed), {calls_n:,} complaints | "
                        f"{full / (calls_n / 1000):,.1f} / {inc} |")
        changed = traffic.get("changed_tickets", {})
        if "writeback_after_changes" in s:
            per = ", ".join(f"{NAMES[x]} {_calls(s['writeback_after_changes'], x)[1] / changed[x]:.2f}"
                            for x in SOURCES if changed.get(x))
            rows.append(f"| write-back calls per changed ticket | {per} |")
    text = (results / "map_check.txt")
    if text.exists():
        ratios = re.findall(r"^(\w+): .*?cpu ratio \(b\)/\(a\)\s+([\d.]+)", text.read_text(encoding="utf-8"),
                            flags=re.MULTILINE | re.DOTALL)
        if ratios:
            rows.append("| map + check CPU time / `json.loads` CPU time | "
                        + ", ".join(f"{p} {v}" for p, v in ratios) + " |")
    if not rows:
        return ""
    return "## Headline figures\n\n| what | measured |\n|---|---|\n" + "\n".join(rows) + "\n"
