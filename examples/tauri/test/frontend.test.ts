/**
 * The example's `src/sidecar.ts` as the app's webview runs it, with `@tauri-apps/plugin-shell`
 * replaced by a stand-in that applies the example's capability file and runs the real sidecar
 * (`--demo`): the swapped-in `invoke`/`listen` answer like Tauri's, the spawn is the externalBin
 * name with no arguments and no environment from JavaScript, the OAuth credentials reach the
 * sidecar from the app's own environment (where `sidecar_env.rs` puts them), and the tray fills
 * with the issues of the sidecar's first background refresh.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { eventually, sidecarArgv, useTauriStandIns } from "./helpers.js";
import { capability, tauriConf } from "./tauri-facts.js";

const scratch = mkdtempSync(join(tmpdir(), "ytracker-tauri-"));
useTauriStandIns();
const shell = await import("./plugin-shell-stand-in.js");
shell.configure({
  argv: [...sidecarArgv(), "--demo", "--secrets", "memory", "--config-dir", scratch, "--cooldown-ms", "10"],
  capability: capability(),
});
const tauri = await import("./tauri-stand-in.js");
tauri.configure({ capability: capability(), conf: tauriConf() }); // the tray's clicks: tray.test.ts
// What src-tauri/src/sidecar_env.rs does at start: the compiled-in credentials into the app's environment.
process.env["YTRACKER_CLIENT_ID"] = "example-client-id";
process.env["YTRACKER_CLIENT_SECRET"] = "example-client-secret";
process.env["YTRACKER_LOG_LEVEL"] = "debug"; // the environment twin: the capability admits no flags
const example = await import("../src/sidecar.js");
const { invoke, listen } = await import("@ytracker/sidecar-contract/compat");
const { startTauriSidecar } = await import("@ytracker/sidecar-contract/transports/tauri");

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("examples/tauri src/sidecar.ts with the real sidecar", () => {
  after(async () => {
    await (await example.sidecar).close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("spawns the externalBin name with no arguments and no environment from the webview", async () => {
    await example.sidecar;
    const [spawned] = shell.Command.spawned;
    assert.equal(spawned?.program, example.SIDECAR);
    assert.deepEqual((tauriConf()["bundle"] as Record<string, unknown>)["externalBin"], [example.SIDECAR]);
    assert.deepEqual([spawned?.args, spawned?.options], [[], undefined]);
  });

  it("serves the swapped-in invoke like Tauri's: results, and bare error strings", async () => {
    assert.equal(await invoke("ping"), "pong");
    const page = await invoke<{ issues: Array<{ key: string }> }>("get_issues", {
      query: null,
      filter: { resolution: "empty()", assignee: "me()" },
      scroll_id: null,
    });
    assert.ok(page.issues.length > 0);
    assert.equal(await rejection(invoke("add_comment", { issueKey: "DESK-1", text: "" })), "Comment text cannot be empty");
  });

  it("passes the app's OAuth credentials to the sidecar without the webview", async () => {
    assert.deepEqual(await invoke("get_client_credentials_info"), {
      client_id: "example-client-id",
      has_client_secret: true,
      secret_store: { kind: "memory", persistent: false, location: null, warning: null },
    });
  });

  it("delivers timer-tick to the swapped-in listen as Tauri events", async () => {
    const seen: Array<[string, boolean]> = [];
    const unlisten = await listen<{ active: boolean }>("timer-tick", (e) => seen.push([e.event, e.payload.active]));
    await invoke("start_timer", { issueKey: "DESK-1", issueSummary: "Timer keeps running after sleep" });
    await invoke("stop_timer");
    unlisten();
    assert.deepEqual(seen, [
      ["timer-tick", true],
      ["timer-tick", false],
    ]);
  });

  it("fills the tray with the user's open issues from the sidecar's first refresh", async () => {
    await example.desktop;
    const tray = (await tauri.TrayIcon.getById("main"))!;
    const submenu = await eventually(() => tray.menu?.items.find((item) => item.text === "Start Timer"), "the Start Timer submenu");
    assert.ok(submenu.items.some((item) => item.text === "DESK-1: Timer keeps running after sleep"));
  });

  it("keeps the sidecar's recent stderr log lines for an error report", () => {
    const records = example.sidecarLog().map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(records.length > 0 && records.every((record) => typeof record["level"] === "string"));
  });

  it("the capability refuses any other program, as the plugin would", async () => {
    assert.equal(await rejection(startTauriSidecar(shell.Command.sidecar("binaries/other"))), "Scoped command binaries/other not found");
    const withArgs = shell.Command.sidecar(example.SIDECAR, ["--log-level", "debug"]);
    assert.match(String(await rejection(startTauriSidecar(withArgs))), /failed regex validation/);
  });

  it("closes cleanly: shutdown, exit, code 0", async () => {
    assert.deepEqual(await (await example.sidecar).close(), { code: 0, signal: null });
  });
});
