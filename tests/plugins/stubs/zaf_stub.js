/* Test stub of the ZAF client (loaded after the vendored SDK, replacing ZAFClient.init).
 * Records every call in window.__zafCalls and forwards client.request to the test's stand-in for
 * the Zendesk proxy (/__zendesk_proxy/...), which substitutes {{setting.*}} server-side like Zendesk. */
(function () {
  var params = new URLSearchParams(location.search);
  var settings = { service_url: params.get("service_url") };
  var calls = window.__zafCalls = [];
  var record = calls.push.bind(calls);
  calls.push = function (call) {  // mirrored into the DOM so --dump-dom shows what the page asked for
    record(call);
    document.documentElement.setAttribute("data-zaf-calls", JSON.stringify(calls));
    return calls.length;
  };
  var client = {
    get: function (path) {
      calls.push({ fn: "get", path: path });
      var out = {}; out[path] = params.get("ticket");
      return Promise.resolve(out);
    },
    metadata: function () {
      calls.push({ fn: "metadata" });
      return Promise.resolve({ appId: 0, installationId: 1, settings: settings });
    },
    invoke: function (name, arg) { calls.push({ fn: "invoke", name: name, arg: arg }); return Promise.resolve({}); },
    on: function () {},
    request: function (opts) {
      calls.push({ fn: "request", url: opts.url, type: opts.type, secure: opts.secure, headers: opts.headers });
      if (!opts.secure || opts.cors) return Promise.reject({ status: 0, statusText: "stub: only secure proxy requests" });
      var headers = Object.assign({ "X-Target-Url": opts.url }, opts.headers || {});
      return fetch("/__zendesk_proxy", { method: opts.type || "GET", headers: headers }).then(function (res) {
        return res.text().then(function (text) {
          var json = null; try { json = JSON.parse(text); } catch (e) { json = null; }
          if (res.ok) return json;
          throw { status: res.status, responseText: text, responseJSON: json };
        });
      }, function () { throw { status: 0, statusText: "error" }; });
    }
  };
  window.ZAFClient = { init: function () { calls.push({ fn: "init" }); return client; } };
})();
