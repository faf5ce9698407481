/**
 * `src/sidecar.ts` with its tray and notifications (`src/tray.ts`, `src/desktop.ts`) as the app's
 * webview runs them, with Tauri's modules replaced by stand-ins that apply the example's
 * capability and config, and the real sidecar (`--demo`, background refresh off, so that the tray
 * at start can only come from `get_tray_state` and its issues only from Refresh Issues): the
 * menu drawn from the sidecar's state and redrawn on each `tray` message, each click's action,
 * `notify` as notifications, closing to the tray, quitting from it.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import type { TimerState, TimerStopped, TrayState } from "@ytracker/sidecar-contract";

import { eventually, shape, sidecarArgv, useTauriStandIns } from "./helpers.js";
import type { MenuShape } from "./helpers.js";
import { capability, tauriConf } from "./tauri-facts.js";

const scratch = mkdtempSync(join(tmpdir(), "ytracker-tauri-tray-"));
useTauriStandIns();
const shell = await import("./plugin-shell-stand-in.js");
shell.configure({
  // The capability admits no arguments: the flags belong to the program standing for the binary.
  argv: [...sidecarArgv(), "--demo", "--secrets", "memory", "--config-dir", scratch, "--cooldown-ms", "10", "--tray-interval-s", "0"],
  capability: capability(),
});
const tauri = await import("./tauri-stand-in.js");
tauri.configure({ capability: capability(), conf: tauriConf() });
type Entry = import("./tauri-stand-in.js").StandInEntry;
const example = await import("../src/sidecar.js");
const { listen } = await import("@ytracker/sidecar-contract/compat");
const { showTray, TRAY_ID } = await import("../src/tray.js");

const client = await example.sidecar;
const trayMessages: TrayState[] = [];
client.on("tray", (state) => trayMessages.push(state));
await example.desktop;
const tray = (await tauri.TrayIcon.getById(TRAY_ID))!;
const window = tauri.getCurrentWindow();

const drawn = (): MenuShape => shape(tray.menu?.items ?? []);

function find(items: Entry[], text: string): Entry | undefined {
  for (const item of items) {
    const found = item.text === text ? item : find(item.items, text);
    if (found) return found;
  }
  return undefined;
}

function click(text: string): void {
  const item = find(tray.menu?.items ?? [], text);
  if (!item) throw new Error(`no tray item ${text}`);
  tauri.click(item);
}

describe("examples/tauri tray and notifications with the real sidecar", () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("builds the tray from get_tray_state at start: the menu, and the title as the tooltip", async () => {
    await eventually(() => (tray.menus.length > 0 && tray.tooltip !== null ? true : undefined), "the first menu");
    const state = await client.call("get_tray_state");
    assert.deepEqual(drawn(), shape(state.menu));
    assert.deepEqual(drawn(), ["Timer idle (disabled)", "---", "No issues found (disabled)", "Refresh Issues", "---", "Show", "Quit"]);
    assert.deepEqual([tray.menus.length, trayMessages.length], [1, 0], "drawn once, from the answer: no tray message came");
    assert.deepEqual([tray.tooltip, tray.title], ["YTracker", null]);
  });

  it("on macOS the title goes next to the icon instead", async () => {
    const mac = tauri.addTray("mac");
    const shellActions = { showWindow: async () => undefined, quit: async () => undefined };
    const stop = await showTray(client, shellActions, { trayId: "mac", macos: true });
    await eventually(() => mac.title ?? undefined, "the macOS title");
    stop();
    assert.deepEqual([mac.title, mac.tooltip], ["YTracker", null]);
  });

  it("Refresh Issues calls tray_refresh, and the tray message that follows redraws the whole menu", async () => {
    click("Refresh Issues");
    const state = await eventually(() => trayMessages.at(-1), "a tray message");
    await eventually(() => (tray.menus.length === 2 ? true : undefined), "the second menu");
    assert.deepEqual(drawn(), shape(state.menu));
    const submenu = drawn()[2] as Record<string, MenuShape>;
    assert.deepEqual(Object.keys(submenu), ["Start Timer"]);
    assert.equal(submenu["Start Timer"]![1], "DESK-2: Dark theme for the issue list");
    assert.deepEqual(tray.menus.map((menu) => menu.closed), [true, false], "the replaced menu is released");
  });

  it("a Start Timer item starts that issue's timer; the tray shows it running; its notice is shown", async () => {
    click("DESK-2: Dark theme for the issue list");
    await eventually(() => (tray.tooltip === "YT: DESK-2 (0m)" ? true : undefined), "the running title");
    const menu = drawn();
    assert.deepEqual(menu.slice(0, 2), ["Running: DESK-2 — Dark theme for the issue list (0m) (disabled)", "Stop Timer"]);
    assert.equal((menu[3] as Record<string, MenuShape>)["Start Timer"]![1], "DESK-2: Dark theme for the issue list (disabled)");
    const timer = (await client.call("get_timer_state")) as TimerState;
    assert.deepEqual([timer.active, timer.issue_key], [true, "DESK-2"]);
    await eventually(() => tauri.shown[0], "the start notice");
    assert.deepEqual(tauri.shown, [{ title: "Timer started: DESK-2", body: "Dark theme for the issue list" }]);
    assert.equal(tauri.app.notifications, "granted", "the user was asked once");
  });

  it("closing the window only hides it", async () => {
    await window.requestClose();
    assert.deepEqual([window.destroyed, window.visible], [false, false]);
  });

  it("Stop Timer calls tray_stop_timer, then shows and focuses the window, where timer-stopped arrives", async () => {
    const stopped: TimerStopped[] = [];
    const unlisten = await listen<TimerStopped>("timer-stopped", (event) => stopped.push(event.payload));
    click("Stop Timer");
    await eventually(() => (window.visible && window.focused ? true : undefined), "the window shown");
    unlisten();
    assert.deepEqual(stopped.map((s) => s.issue_key), ["DESK-2"]);
    assert.deepEqual(tauri.shown[1], { title: "Timer stopped: DESK-2", body: "Tracked 0m" });
    await eventually(() => (tray.tooltip === "YTracker" ? true : undefined), "the idle title");
    assert.equal(drawn()[0], "Timer idle (disabled)");
  });

  it("Show brings the hidden or minimized window back and focuses it", async () => {
    await window.requestClose();
    window.minimized = true;
    click("Show");
    await eventually(() => (window.visible && window.focused ? true : undefined), "the window shown");
    assert.equal(window.minimized, false);
  });

  it("Quit stops the sidecar cleanly (shutdown, exit), then exits the app", async () => {
    const order: string[] = [];
    void client.exited.then(() => order.push("sidecar exited"));
    tauri.app.onExit = () => order.push("app exit");
    click("Quit");
    await eventually(() => tauri.app.exitCode ?? undefined, "the app's exit");
    assert.deepEqual(await client.exited, { code: 0, signal: null });
    assert.deepEqual(order, ["sidecar exited", "app exit"]);
    assert.deepEqual(tauri.refused, [], "every call the tray made was granted");
  });
});
