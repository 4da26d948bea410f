/* Stand-in for vendor/forge-bridge.js when it has not been built (npm run build in plugins/jira):
 * the same two functions, implemented like @forge/bridge 7.x over window.__bridge.callBridge. */
(function () {
  function call(name, payload) { return window.__bridge.callBridge(name, payload); }
  window.ForgeBridge = {
    invokeRemote: function (input) {
      return call("invoke", Object.assign({}, input, { invokeType: "ui-remote-fetch" })).then(function (res) {
        return Object.assign({}, res && res.success ? res.payload : res && res.error);
      });
    },
    view: { getContext: function () { return call("getContext"); } }
  };
})();
