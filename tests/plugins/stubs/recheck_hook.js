/* Test hook: ?click=recheck presses "Re-check now" once the panel has rendered. */
(function () {
  if (new URLSearchParams(location.search).get("click") !== "recheck") return;
  var timer = setInterval(function () {
    var button = document.querySelector(".recheck");
    var frame = document.querySelector(".panel");
    if (button && !button.hidden && frame && frame.getAttribute("aria-busy") === "false") {
      clearInterval(timer);
      button.click();
    }
  }, 100);
})();
