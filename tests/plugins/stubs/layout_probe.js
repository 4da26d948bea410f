/* Test probe: once the panel has rendered, records on <html> where the next action's advice and
 * the Re-check button sit in the viewport (data-layout) and, on ?axe=1, axe-core's violations
 * (data-axe; axe-core is vendored in tests/plugins/vendor, never fetched). The test reads both
 * from Chromium's --dump-dom. */
(function () {
  var params = new URLSearchParams(location.search);
  function box(selector) {
    var node = document.querySelector(selector);
    if (!node || node.hidden) return null;
    var r = node.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, text: node.textContent };
  }
  var html = document.documentElement;
  // In a host frame (tests/plugins/stubs/frame_host.js) the results go to the host page too.
  function put(name, value) {
    html.setAttribute("data-" + name, value);
    if (window.parent !== window) window.parent.postMessage({ probe: name, value: value }, location.origin);
  }
  function done() {
    if (window.parent !== window) window.parent.postMessage({ probe: "dom", value: html.outerHTML }, location.origin);
  }
  function record() {
    put("layout", JSON.stringify({
      viewport: { width: window.innerWidth, height: window.innerHeight }, scrollY: window.scrollY,
      state: box(".panel") && document.querySelector(".panel").getAttribute("data-state"),
      badge: box(".top .summary .badge"), advice: box(".next .remedy"), recheck: box(".recheck")
    }));
    if (params.get("axe") !== "1") return done();
    var script = document.createElement("script");
    script.src = "/__vendor/axe.min.js";
    script.onload = function () {
      window.axe.run(document, { resultTypes: ["violations"] }).then(function (res) {
        put("axe", JSON.stringify(res.violations.map(function (v) {
          return { id: v.id, impact: v.impact, nodes: v.nodes.map(function (n) { return n.target.join(" "); }) };
        })));
        done();
      }, function (err) { put("axe", JSON.stringify([{ id: "axe-error", impact: String(err) }])); done(); });
    };
    document.head.appendChild(script);
  }
  var timer = setInterval(function () {
    var frame = document.querySelector(".panel");
    if (frame && frame.getAttribute("aria-busy") === "false" && frame.getAttribute("data-state") !== "loading") {
      clearInterval(timer);
      record();
    }
  }, 100);
})();
