/* Test host page: the panel in an iframe of the helpdesk's size (the Zendesk app resizes itself to
 * 480 px high). The panel's probe posts what it measured, axe-core's result and its own DOM here;
 * they land on this page, which is the one Chromium's --dump-dom prints. */
(function () {
  var html = document.documentElement;
  window.addEventListener("message", function (event) {
    if (event.origin !== location.origin || !event.data || !event.data.probe) return;
    if (event.data.probe === "dom") document.getElementById("frame-dom").textContent = event.data.value;
    else html.setAttribute("data-" + event.data.probe, event.data.value);
  });
})();
