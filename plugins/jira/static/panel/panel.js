/* GENERATED from plugins/common/panel-core.js by plugins/common/sync_panel_core.py: edit the core, not this copy. */
/* ISO 10002 complaint panel: shared renderer of the Zendesk sidebar app and the Jira issue panel.
 * The one source: each plugin ships a generated copy as panel.js (plugins/common/sync_panel_core.py).
 * Platform glue (ZAF client, Forge bridge) stays in each plugin's app.js and passes a transport here.
 * IsoPanel.mount(root, transport): transport.load() resolves {status, body}; transport.refresh() too.
 * No innerHTML with service data: every text goes through textContent. */
(function () {
  "use strict";
  var STATE_TEXT = {
    compliant: "Compliant", on_track: "On track: nothing due yet", at_risk: "At risk", failing: "Failing",
    waived: "Waived",
    not_a_complaint: "Not a complaint", unreachable: "Service unreachable", loading: "Loading"
  };
  var STATUS_TEXT = {
    FAIL: "Failing", AT_RISK: "At risk", ERROR: "Error", WAIVED: "Waived", PASS: "Passed",
    PENDING: "Pending", MANUAL: "Manual check", NOT_APPLICABLE: "Not applicable"
  };
  var ACTION = { FAIL: 0, ERROR: 0, AT_RISK: 1, WAIVED: 2, MANUAL: 3, PENDING: 4 };
  // Statuses that ask someone to act (compliance_checks/advice.py): the "Next action" candidates.
  var NEXT = { FAIL: 1, ERROR: 1, AT_RISK: 1, PENDING: 1 };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "cls") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  // Times in the viewer's zone (the browser's), with the policy's zone beside them when it differs:
  // deadlines are computed in the policy's zone, people read them in their own.
  var VIEWER_ZONE = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  var POLICY = { zone: null };

  function format(date, zone) {
    try {
      // dateStyle/timeStyle cannot be combined with timeZoneName: the parts are spelled out.
      return new Intl.DateTimeFormat(undefined, { timeZone: zone, year: "numeric", month: "short", day: "numeric",
        hour: "2-digit", minute: "2-digit", timeZoneName: "short" }).format(date);
    } catch (e) {  // an unknown zone name: UTC rather than a wrong local time
      return date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
    }
  }

  function when(iso) {
    if (!iso) return "—";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    var mine = format(d, VIEWER_ZONE);
    if (!POLICY.zone || POLICY.zone === VIEWER_ZONE) return mine;
    return mine + " (policy: " + format(d, POLICY.zone) + ")";
  }

  function duration(seconds) {
    var s = Math.abs(seconds), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600),
        m = Math.floor((s % 3600) / 60);
    if (d > 0) return d + " d " + h + " h";
    if (h > 0) return h + " h " + m + " min";
    return m + " min";
  }

  function timeLeft(seconds) {
    if (seconds === null || seconds === undefined) return "";
    return seconds < 0 ? "overdue by " + duration(seconds) : duration(seconds) + " left";
  }

  function badge(status, text) {
    return el("span", { cls: "badge badge-" + String(status).toLowerCase(), text: text });
  }

  function section(title, id, children) {
    return el("section", { cls: "block", "aria-labelledby": id }, [el("h2", { id: id, text: title })].concat(children));
  }

  function renderClocks(doc) {
    if (!doc.clocks || !doc.clocks.length) return null;
    var list = el("ul", { cls: "clocks" });
    doc.clocks.forEach(function (c) {
      var running = c.running !== false && c.seconds_left_now !== null && c.seconds_left_now !== undefined;
      var overdue = running ? c.seconds_left_now < 0 : c.overdue;
      list.appendChild(el("li", { cls: overdue ? "clock overdue" : "clock" }, [
        el("span", { cls: "clock-title", text: c.title || c.check }),
        el("span", { cls: "clock-left", text: running ? timeLeft(c.seconds_left_now) : (STATUS_TEXT[c.status] || c.status) }),
        el("span", { cls: "muted", text: (running ? "due " : "was due ") + when(c.due_at) })
      ]));
    });
    var title = doc.clocks.some(function (c) { return c.running !== false; }) ? "Clocks" : "Clocks (stopped: complaint closed)";
    return section(title, "iso-clocks", [list]);
  }

  function renderEvidence(f) {
    var links = (f.evidence || []).filter(function (e) { return e.link; });
    if (!links.length) return null;
    var ev = el("ul", { cls: "evidence", "aria-label": "Evidence" });
    links.forEach(function (e) {
      // The payload says whether the link opens the comment/change itself or only the ticket.
      var where = e.opens === "ticket" ? " (opens the ticket)" : "";
      ev.appendChild(el("li", {}, [el("a", { href: e.link, target: "_blank", rel: "noopener noreferrer",
        "data-opens": e.opens || "ticket", text: (e.note || e.ref || "evidence") + where })]));
    });
    return ev;
  }

  function renderAdvice(f) {
    if (!f.remediation || !(f.status in NEXT)) return null;
    // The advice comes from the service; a breach already done asks for the corrective action.
    var label = f.historic ? "Record the corrective action: " : "What to do: ";
    return el("p", { cls: f.historic ? "remedy historic" : "remedy" },
      [el("strong", { text: label }), document.createTextNode(f.remediation)]);
  }

  function renderFinding(f, tag) {
    return el(tag || "li", { cls: "finding finding-" + String(f.status).toLowerCase(), "data-check": f.check }, [
      el("div", { cls: "finding-head" }, [badge(f.status, STATUS_TEXT[f.status] || f.status),
        el("span", { cls: "finding-title", text: f.title || f.check })]),
      renderAdvice(f),
      el("p", { cls: "muted", text: "Clause " + (f.clauses || []).join(", ") + (f.due_at ? " · due " + when(f.due_at) : "") }),
      f.message ? el("p", { text: f.message }) : null,
      renderEvidence(f)
    ]);
  }

  // Most urgent first: what can still be fixed before what can only be recorded, then by status,
  // then the earliest due.
  function urgency(a, b) {
    return (a.historic ? 1 : 0) - (b.historic ? 1 : 0) || ACTION[a.status] - ACTION[b.status] ||
      String(a.due_at || "~").localeCompare(String(b.due_at || "~"));
  }

  function actionable(doc) {
    return (doc.findings || []).filter(function (f) { return f.status in ACTION; }).sort(urgency);
  }

  function renderNext(first) {
    if (!first) return null;
    return el("section", { cls: "block next", "aria-labelledby": "iso-next" }, [
      el("h2", { id: "iso-next", text: "Next action" }), renderFinding(first, "div")]);
  }

  function renderFindings(doc, action, next) {
    var rest = (doc.findings || []).filter(function (f) { return !(f.status in ACTION); });
    var parts = [];
    if (next && !action.length && !rest.length) return null;
    if (action.length) {
      var list = el("ul", { cls: "findings" });
      action.forEach(function (f) { list.appendChild(renderFinding(f)); });
      parts.push(list);
    } else if (!next) {
      parts.push(el("p", { text: "No check needs action." }));
    }
    if (rest.length) {
      var more = el("ul", { cls: "findings" });
      rest.forEach(function (f) { more.appendChild(renderFinding(f)); });
      parts.push(el("details", {}, [el("summary", { text: "Passed or not applicable (" + rest.length + ")" }), more]));
    }
    return section(next ? "Other findings" : "Findings", "iso-findings", parts);
  }

  function renderWaivers(doc) {
    if (!doc.waivers || !doc.waivers.length) return null;
    var list = el("ul", { cls: "waivers" });
    doc.waivers.forEach(function (w) {
      list.appendChild(el("li", {}, [el("strong", { text: w.title || w.check }),
        el("span", { text: w.reason }), el("span", { cls: "muted", text: "approved by " + w.approver + ", expires " + w.expires })]));
    });
    return section("Waivers", "iso-waivers", [list]);
  }

  function renderSelection(selection) {
    if (!selection) return null;
    var markers = selection.markers || [], parts = [];
    parts.push(el("p", { text: markers.length ? "A ticket is a complaint when it has any of:" :
      "Every ticket is a complaint under the mapping, unless excluded." }));
    if (markers.length) {
      var list = el("ul", { cls: "markers" });
      markers.forEach(function (m) { list.appendChild(el("li", { text: m })); });
      parts.push(list);
    }
    if ((selection.projects || []).length) {
      parts.push(el("p", { cls: "muted", text: "Only in: " + selection.projects.join(", ") }));
    }
    if ((selection.excluded_by || []).length) {
      parts.push(el("p", { cls: "muted", text: "Never when: " + selection.excluded_by.join("; ") }));
    }
    return section("What makes a complaint", "iso-selection", parts);
  }

  // The first screen (a 480 px sidebar) holds the state, the next action and the Re-check button;
  // clocks, other findings, waivers and facts follow below.
  function IsoPanel(root, transport) {
    this.root = root;
    this.transport = transport;
    this.top = el("div", { cls: "top" });
    this.content = el("div", { cls: "content" });
    this.live = el("p", { cls: "live", role: "status", "aria-live": "polite" });
    this.button = el("button", { type: "button", cls: "recheck", text: "Re-check now" });
    this.button.addEventListener("click", this.recheck.bind(this));
    root.appendChild(el("div", { cls: "panel", "aria-busy": "true" }, [
      el("h1", { cls: "title", text: "ISO 10002 status" }), this.top, this.button, this.live, this.content]));
    this.frame = root.firstChild;
  }

  IsoPanel.prototype.fill = function (top, rest) {
    this.top.replaceChildren.apply(this.top, top.filter(function (n) { return n; }));
    this.content.replaceChildren.apply(this.content, (rest || []).filter(function (n) { return n; }));
  };

  IsoPanel.prototype.setState = function (state) {
    this.frame.setAttribute("data-state", state);
    this.frame.setAttribute("aria-busy", state === "loading" ? "true" : "false");
  };

  IsoPanel.prototype.load = function () {
    var self = this;
    this.setState("loading");
    this.fill([el("p", { cls: "muted", text: "Loading the complaint's status…" })]);
    return this.transport.load().then(function (res) { self.show(res); },
      function (err) { self.unreachable(err); });
  };

  IsoPanel.prototype.show = function (res) {
    var body = res.body || {};
    if (res.status === 200) return this.render(body);
    if (res.status === 404 && body.error === "not_a_complaint") {
      this.setState("not_a_complaint");
      this.button.hidden = false;
      var parts = [el("div", { cls: "summary" }, [badge("na", STATE_TEXT.not_a_complaint)]),
        el("p", { text: "This ticket is not a complaint, so ISO 10002 checks do not apply." })];
      parts.push(renderSelection(body.selection));
      if (body.reason === "not_kept") {
        parts.push(el("p", { cls: "muted", text: "If it became a complaint since the last sync, use “Re-check now”." }));
      }
      this.fill(parts);
      return;
    }
    if (res.status === 404) {
      this.setState("not_a_complaint");
      this.fill([el("div", { cls: "summary" }, [badge("na", "Not checked yet")]),
        el("p", { text: "The service has not seen this ticket yet. Use “Re-check now” to sync it." })]);
      return;
    }
    this.unreachable({ status: res.status, message: body.error || body.reason });
  };

  IsoPanel.prototype.unreachable = function (err) {
    var self = this;
    this.setState("unreachable");
    this.button.hidden = true;
    var status = err && err.status;
    var why = status === 401 ? "The service refused the credentials (check the app's settings)." :
      status >= 500 || !status ? "The service could not be reached" + (status ? " (HTTP " + status + ")." : ".") :
      "The service answered HTTP " + status + ".";
    var retry = el("button", { type: "button", cls: "recheck retry", text: "Try again" });
    retry.addEventListener("click", function () { self.load().then(function () { self.live.textContent = "Loaded again."; }); });
    this.fill([el("div", { cls: "summary", role: "alert" }, [badge("error", STATE_TEXT.unreachable),
      el("p", { text: why + " The complaint's status cannot be shown right now." })]), retry]);
  };

  IsoPanel.prototype.render = function (doc) {
    POLICY.zone = doc.timezone || null;
    this.setState(doc.state);
    this.button.hidden = false;
    var stage = doc.stage ? String(doc.stage).replace(/_/g, " ") : "—";
    var action = actionable(doc);
    var next = action.filter(function (f) { return f.status in NEXT; })[0];
    var others = action.filter(function (f) { return f !== next; });
    var summary = el("div", { cls: "summary" }, [badge(doc.state, STATE_TEXT[doc.state] || doc.state)]);
    var facts = section("About", "iso-facts", [el("dl", { cls: "facts" }, [
      el("dt", { text: "Stage" }), el("dd", { cls: "stage", text: stage }),
      el("dt", { text: "Last evaluated" }), el("dd", { cls: "evaluated", text: when(doc.evaluated_at) }),
      el("dt", { text: "Time zone" }), el("dd", { cls: "zones", text: "yours: " + VIEWER_ZONE +
        (doc.timezone ? "; policy: " + doc.timezone : "") })
    ])]);
    this.fill([summary, renderNext(next)],
      [renderClocks(doc), renderFindings(doc, others, Boolean(next)), renderWaivers(doc), facts]);
  };

  IsoPanel.prototype.recheck = function () {
    var self = this;
    this.button.disabled = true;
    this.live.textContent = "Asking the service to re-check this ticket…";
    return this.transport.refresh().then(function (res) {
      var body = res.body || {};
      if (res.status === 202) {
        self.live.textContent = "Re-check requested. The status updates in a few seconds.";
        setTimeout(function () { self.load().then(function () { self.live.textContent = "Status updated."; }); }, 3000);
      } else if (res.status === 429) {
        self.live.textContent = "Please wait " + (body.retry_after_seconds || "a few") + " s before re-checking again.";
      } else {
        self.live.textContent = "The re-check could not be requested (" + res.status + ").";
      }
    }, function () {
      self.live.textContent = "The service could not be reached.";
    }).then(function () { self.button.disabled = false; });
  };

  window.IsoPanel = {
    mount: function (root, transport) { var p = new IsoPanel(root, transport); p.load(); return p; },
    timeLeft: timeLeft
  };
})();
