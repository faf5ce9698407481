/**
 * The example's compiled main process, preload and page, run under plain Node with the
 * `electron` stand-in and the real sidecar (`--demo`): the window's security settings, calls
 * and errors through `window.ytracker.invoke`, notifications through `listen`, the tray filled
 * by the background refresh, a refused iframe, the page's script, a restart after an unexpected
 * exit, and the sidecar stopped before quit (`tray.test.ts` covers the tray's clicks).
 */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runInNewContext } from "node:vm";

import { EXAMPLE_DIR, eventually, isAlive, launchedPid, useElectronStandIn, writeDemoLauncher } from "./helpers.js";

interface TauriEvent {
  event: string;
  id: number;
  payload: unknown;
}

interface YTracker {
  invoke(cmd: string, args?: Record<string, unknown>): Promise<unknown>;
  listen(event: string, handler: (event: TauriEvent) => void): Promise<() => void>;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

const scratch = mkdtempSync(join(tmpdir(), "ytracker-electron-"));
process.env["YTRACKER_SIDECAR_BIN"] = writeDemoLauncher(scratch);
useElectronStandIn();
const electron = await import("./electron-stand-in.js");
const { sidecar } = await import("../src/main.js");

describe("examples/electron with the real sidecar", { skip: process.platform === "win32" && "POSIX launcher" }, () => {
  let ytracker: YTracker;

  after(async () => {
    await sidecar.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("opens a sandboxed, context-isolated window with the preload and the page", async () => {
    const win = await eventually(() => electron.BrowserWindow.getAllWindows()[0], "the window");
    const prefs = win.options.webPreferences ?? {};
    assert.deepEqual([prefs["contextIsolation"], prefs["sandbox"], prefs["nodeIntegration"]], [true, true, false]);
    assert.ok(existsSync(String(prefs["preload"])), "the preload is built next to main.js");
    assert.equal(win.loadedFile, join(EXAMPLE_DIR, "index.html"));
    ytracker = electron.loadPreload(win)["ytracker"] as YTracker;
    assert.deepEqual(Object.keys(ytracker).sort(), ["invoke", "listen"]);
  });

  it("forwards invoke to the sidecar and resolves with the result", async () => {
    assert.equal(await ytracker.invoke("ping"), "pong");
    const page = (await ytracker.invoke("get_issues", { query: null, filter: { assignee: "me()" }, scroll_id: null })) as {
      issues: Array<{ key: string }>;
    };
    assert.ok(page.issues.length > 0 && page.issues.every((issue) => /^[A-Z]+-\d+$/.test(issue.key)));
  });

  it("rejects with the sidecar's bare error string, as Tauri's invoke did", async () => {
    const error = await rejection(ytracker.invoke("add_comment", { issueKey: "DESK-1", text: "" }));
    assert.equal(error, "Comment text cannot be empty");
    assert.match(String(await rejection(ytracker.invoke("no_such_command"))), /^Method not found/);
  });

  it("delivers notifications to listen() as Tauri events until unlistened", async () => {
    const events: TauriEvent[] = [];
    const unlisten = await ytracker.listen("timer-tick", (event) => events.push(event));
    await ytracker.invoke("start_timer", { issueKey: "DESK-1", issueSummary: "Timer keeps running after sleep" });
    await eventually(() => (events.length > 0 ? true : undefined), "a timer-tick");
    unlisten();
    await ytracker.invoke("stop_timer");
    assert.equal(await ytracker.invoke("ping"), "pong"); // the stop's tick, had it been delivered, came first
    assert.deepEqual(
      events.map((e) => [e.event, typeof e.id, (e.payload as { active: boolean }).active]),
      [["timer-tick", "number", true]],
    );
  });

  it("fills the tray with the user's open issues from the sidecar's first refresh", async () => {
    const tray = electron.Tray.trays[0]!;
    const labels = (): string[] => (tray.contextMenu?.items ?? []).map((item) => item.label);
    await eventually(() => (labels().includes("Start Timer") ? true : undefined), "the Start Timer submenu");
    const submenu = tray.contextMenu!.items.find((item) => item.label === "Start Timer")!.submenu!;
    assert.ok(submenu.items.some((item) => item.label === "DESK-1: Timer keeps running after sleep"));
  });

  it("refuses calls from an iframe", async () => {
    const win = electron.BrowserWindow.getAllWindows()[0]!;
    const framed = electron.loadPreload(win, { iframe: true })["ytracker"] as YTracker;
    assert.equal(await rejection(framed.invoke("get_current_user")), "ytracker: this frame may not call the sidecar");
  });

  it("the page's script lists the issues through window.ytracker", async () => {
    const out = { textContent: "" };
    const document = { getElementById: (id: string) => (id === "out" ? out : null) };
    const script = readFileSync(join(EXAMPLE_DIR, "renderer.js"), "utf8");
    runInNewContext(script, { window: { ytracker }, document });
    await eventually(() => (out.textContent.includes("DESK-1  ") ? true : undefined), "the issue list");
    assert.doesNotMatch(out.textContent, /error|failed/);
  });

  it("restarts a sidecar that ended without being asked", async () => {
    const first = launchedPid(scratch);
    const ready: TauriEvent[] = [];
    await ytracker.listen("ready", (event) => ready.push(event));
    process.kill(first, "SIGTERM"); // from outside: it exits cleanly, and the bridge starts another
    await eventually(() => ready[0], "the new sidecar's ready notification");
    assert.notEqual(launchedPid(scratch), first);
    assert.equal(await ytracker.invoke("ping"), "pong");
  });

  it("holds the app's quit until the sidecar has stopped cleanly", async () => {
    const pid = launchedPid(scratch);
    electron.app.quit();
    assert.equal(electron.app.quitted, false, "will-quit was held");
    await electron.app.whenQuit();
    assert.deepEqual(await sidecar.client.exited, { code: 0, signal: null });
    assert.equal(isAlive(pid), false);
  });
});
