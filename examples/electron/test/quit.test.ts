/**
 * Quit with a sidecar that no longer answers (a stand-in process that ignores `shutdown`, EOF
 * and SIGTERM, as a hung one would): the bridge waits the grace period, kills it, and only then
 * lets the app quit. The real sidecar cannot be made to hang on demand, hence the stand-in.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";

import { useElectronStandIn } from "./helpers.js";

const HUNG = `
process.on("SIGTERM", () => {});
process.stdin.resume();
setInterval(() => {}, 1000);
process.stdout.write(JSON.stringify({ jsonrpc: "2.0", method: "ready", params: { version: "0", protocol: "1.0" } }) + "\\n");
`;

useElectronStandIn();
const electron = await import("./electron-stand-in.js");
const { bridgeSidecar } = await import("../src/sidecar-bridge.js");
const scratch = mkdtempSync(join(tmpdir(), "ytracker-hung-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

it("kills a sidecar that does not stop within the grace period, then quits", async () => {
  writeFileSync(join(scratch, "hung.js"), HUNG);
  const bridge = bridgeSidecar({ command: process.execPath, args: [join(scratch, "hung.js")], closeGraceMs: 300 });
  await bridge.client.ready;
  electron.app.quit();
  assert.equal(electron.app.quitted, false, "will-quit was held");
  await electron.app.whenQuit();
  const exit = await bridge.client.exited;
  assert.deepEqual([exit.code, exit.signal], [null, "SIGKILL"]);
  assert.equal(bridge.client.closed, true, "a sidecar the bridge stopped is not restarted");
  assert.match(String(await bridge.client.request("ping").catch((error: Error) => error.message)), /exited with code null, signal SIGKILL/);
});
