// Entry point bundled into static/panel/vendor/forge-bridge.js (npm run build): exposes the two
// @forge/bridge functions the plain-JS panel uses as window.ForgeBridge.
import { invokeRemote, view } from "@forge/bridge";

window.ForgeBridge = { invokeRemote, view };
