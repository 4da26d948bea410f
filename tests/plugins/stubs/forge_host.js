/* Test stand-in for the Forge host page: window.__bridge.callBridge, the channel @forge/bridge uses.
 * 'invoke' with invokeType ui-remote-fetch goes to the test's stand-in for Forge
 * (/__forge_remote/...), which mints an invocation token and calls the service; 'getContext'
 * answers the issue from the page's query string. Calls are recorded in window.__forgeCalls. */
(function () {
  var params = new URLSearchParams(location.search);
  var calls = window.__forgeCalls = [];
  var record = calls.push.bind(calls);
  calls.push = function (call) {  // mirrored into the DOM so --dump-dom shows what the page asked for
    record(call);
    document.documentElement.setAttribute("data-forge-calls", JSON.stringify(calls));
    return calls.length;
  };
  window.__bridge = {
    callBridge: function (name, payload) {
      calls.push({ name: name, payload: payload });
      if (name === "getContext") {
        return Promise.resolve({ extension: { type: "jira:issuePanel", issue: { key: params.get("issue"), id: "10001" } } });
      }
      if (name === "invoke" && payload.invokeType === "ui-remote-fetch") {
        return fetch("/__forge_remote" + payload.path, {
          method: payload.method, headers: { "Content-Type": "application/json" },
          body: payload.method === "GET" ? undefined : JSON.stringify(payload.body || {})
        }).then(function (res) {
          return res.json().then(function (body) {
            if (res.status === 401) return { success: false, error: { message: "Remote could not verify the Forge Invocation Token" } };
            return { success: true, payload: { status: res.status, headers: {}, body: body } };
          });
        }, function () { return { success: false, error: { message: "Failed to fetch remote" } }; });
      }
      return Promise.reject(new Error("stub: unsupported bridge call " + name));
    }
  };
})();
