/* Jira issue panel (Forge Custom UI): reads the issue key from the Forge context and calls the
 * companion service with @forge/bridge invokeRemote. Forge adds the invocation token (FIT) that the
 * service verifies; no secret is in the browser. invokeRemote resolves {status, headers, body} for
 * any answer with a JSON body and rejects on 401 (FIT refused) and on transport failures. */
(function () {
  "use strict";
  var root = document.getElementById("iso-panel");
  var bridge = window.ForgeBridge;
  if (!bridge || !bridge.invokeRemote || !bridge.view) {
    root.textContent = "Open this panel inside Jira (the Forge bridge is missing; run npm run build before forge deploy).";
    return;
  }

  function failure(err) {
    if (err && /verify the Forge Invocation Token/i.test(String(err.message || ""))) return { status: 401, body: {} };
    throw { status: 0 };
  }

  bridge.view.getContext().then(function (context) {
    var issue = context && context.extension && context.extension.issue;
    var key = encodeURIComponent(String(issue && (issue.key || issue.id)));
    var path = "/api/v1/tickets/jira/" + key;
    var transport = {
      load: function () { return bridge.invokeRemote({ path: path, method: "GET" }).then(null, failure); },
      refresh: function () { return bridge.invokeRemote({ path: path + "/refresh", method: "POST", body: {} }).then(null, failure); }
    };
    window.IsoPanel.mount(root, transport);
  }, function () {
    root.textContent = "The issue could not be read from Jira.";
  });
})();
