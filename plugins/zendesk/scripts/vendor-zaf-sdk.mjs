// Vendors the ZAF SDK from its npm package into assets/vendor/ (no CDN fetch at runtime).
// The package ships CommonJS sources (lib/*.js) only, so this wraps them in a tiny module
// loader that exposes window.ZAFClient, like the CDN's zaf_sdk.min.js.
// Usage (from plugins/zendesk): node scripts/vendor-zaf-sdk.mjs [version]
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const version = process.argv[2] || "2.0.11";
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "assets", "vendor");
const work = mkdtempSync(join(tmpdir(), "zafsdk-"));
try {
  execFileSync("npm", ["pack", `zendesk_app_framework_sdk@${version}`, "--silent"], { cwd: work, stdio: ["ignore", "pipe", "inherit"] });
  const tgz = readdirSync(work).find((f) => f.endsWith(".tgz"));
  const sha = createHash("sha256").update(readFileSync(join(work, tgz))).digest("hex");
  execFileSync("tar", ["xzf", tgz], { cwd: work });
  const pkg = join(work, "package");
  const files = ["lib/index.js", "lib/client.js", "lib/utils.js", "lib/vendor/native-promise-only.js"];
  const modules = files.map((f) => {
    const id = "./" + f.slice(4, -3);
    const src = readFileSync(join(pkg, f), "utf8");
    return `${JSON.stringify(id)}: function (module, exports, require) {\n${src}\n}`;
  });
  const bundle = `/*! zendesk_app_framework_sdk ${version} (npm, Apache-2.0; see LICENSE-zendesk_app_framework_sdk.txt).
 * Bundled by plugins/zendesk/scripts/vendor-zaf-sdk.mjs from the npm tarball (sha256 ${sha}). */
(function () {
  var defs = {\n${modules.join(",\n")}\n};
  var cache = {};
  function resolve(from, id) {
    var base = from.split("/").slice(0, -1);
    id.split("/").forEach(function (part) { if (part === "..") base.pop(); else if (part !== ".") base.push(part); });
    return "./" + base.slice(1).join("/");
  }
  function load(id) {
    if (cache[id]) return cache[id].exports;
    var module = cache[id] = { exports: {} };
    defs[id].call(window, module, module.exports, function (dep) { return load(resolve("./" + id.slice(2), dep)); });
    return module.exports;
  }
  window.ZAFClient = load("./index");
})();
`;
  writeFileSync(join(out, "zaf_sdk.js"), bundle);
  writeFileSync(join(out, "LICENSE-zendesk_app_framework_sdk.txt"), readFileSync(join(pkg, "LICENSE"), "utf8"));
  console.log(`vendored zendesk_app_framework_sdk ${version} (tarball sha256 ${sha})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
