/* Zendesk ticket sidebar: reads ticket.id from the ZAF client and calls the companion service through
 * Zendesk's proxy (secure: true): the API key stays in the app's secure setting, substituted by the
 * proxy for {{setting.api_token}}; the browser never sees it. */
(function () {
  "use strict";
  var root = document.getElementById("iso-panel");
  var client = window.ZAFClient && window.ZAFClient.init();
  if (!client) {
    root.textContent = "Open this page inside Zendesk (it needs the Zendesk Apps Framework).";
    return;
  }

  function answer(res) { return { status: 200, body: res }; }
  function failure(err) {
    // ZAF rejects non-2xx answers with a jqXHR-like object; status 0 means no answer at all.
    if (err && err.status) {
      var body = err.responseJSON;
      if (!body && err.responseText) { try { body = JSON.parse(err.responseText); } catch (e) { body = {}; } }
      return { status: err.status, body: body || {} };
    }
    throw { status: 0 };
  }

  Promise.all([client.metadata(), client.get("ticket.id")]).then(function (got) {
    var base = String(got[0].settings.service_url || "").replace(/\/+$/, "");
    var ticket = encodeURIComponent(String(got[1]["ticket.id"]));
    var url = base + "/api/v1/tickets/zendesk/" + ticket;
    function call(type, path) {
      return client.request({
        url: url + path, type: type, dataType: "json", secure: true, cors: false,
        headers: { Authorization: "Bearer {{setting.api_token}}" }
      });
    }
    var transport = {
      load: function () { return call("GET", "").then(answer, failure); },
      refresh: function () {
        return call("POST", "/refresh").then(function (res) { return { status: 202, body: res }; }, failure);
      }
    };
    window.IsoPanel.mount(root, transport);
    client.invoke("resize", { width: "100%", height: "480px" });
  }, function () {
    root.textContent = "The ticket could not be read from Zendesk.";
  });
})();
