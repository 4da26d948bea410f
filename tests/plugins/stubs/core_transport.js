/* Test glue for the panel core alone (no helpdesk): a transport over fetch to /__service/..., where
 * the harness adds the API key server-side and forwards to the service. ?platform=&ticket= name the
 * ticket. Every call is recorded by the harness, so the core's requests can be asserted. */
(function () {
  var params = new URLSearchParams(location.search);
  var base = "/__service/api/v1/tickets/" + encodeURIComponent(params.get("platform")) + "/" +
    encodeURIComponent(params.get("ticket"));
  function call(method, path) {
    return fetch(base + path, { method: method }).then(function (res) {
      return res.json().then(function (body) { return { status: res.status, body: body }; },
        function () { return { status: res.status, body: {} }; });
    }, function () { throw { status: 0 }; });
  }
  window.IsoPanel.mount(document.getElementById("iso-panel"), {
    load: function () { return call("GET", ""); },
    refresh: function () { return call("POST", "/refresh"); }
  });
})();
