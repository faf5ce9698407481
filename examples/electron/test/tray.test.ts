/**
 * The tray and the notifications of the compiled main process, with the `electron` stand-in and
 * the real sidecar (`--demo`, background refresh off, so that the tray at start can only come
 * from `get_tray_state` and its issues only from a click on Refresh Issues): the menu drawn from
 * the sidecar's state and redrawn on each `tray` message, every action of a click, `notify` as
 * OS notifications, closing to the tray, and quitting from it.
 */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import type { TimerState, TimerStopped, TrayState } from "@ytracker/sidecar-contract";

import { eventually, expectedShape, useElectronStandIn, writeDemoLauncher } from "./helpers.js";
import type { MenuShape } from "./helpers.js";

interface TauriEvent {
  event: string;
  id: number;
  payload: unknown;
}

interface YTracker {
  listen(event: string, handler: (event: TauriEvent) => void): Promise<() => void>;
}

const scratch = mkdtempSync(join(tmpdir(), "ytracker-electron-tray-"));
process.env["YTRACKER_SIDECAR_BIN"] = writeDemoLauncher(scratch, ["--tray-interval-s", "0"]);
useElectronStandIn();
const electron = await import("./electron-stand-in.js");
type StandInMenu = InstanceType<typeof electron.Menu>;
type StandInItem = InstanceType<typeof electron.MenuItem>;
const { sidecar } = await import("../src/main.js");
const { showTray } = await import("../src/tray.js");

const trayMessages: TrayState[] = [];
sidecar.onNotification((method, params) => method === "tray" && trayMessages.push(params as TrayState));

function drawn(menu: StandInMenu | null | undefined): MenuShape {
  return (menu?.items ?? []).map((item) => {
    if (item.type === "separator") return "---";
    const label = item.enabled ? item.label : `${item.label} (disabled)`;
    return item.submenu ? { [label]: drawn(item.submenu) } : label;
  });
}

function find(menu: StandInMenu | null | undefined, label: string): StandInItem | undefined {
  for (const item of menu?.items ?? []) {
    const found = item.label === label ? item : find(item.submenu, label);
    if (found) return found;
  }
  return undefined;
}

const tray = await eventually(() => electron.Tray.trays[0], "the tray");
const window = await eventually(() => electron.BrowserWindow.getAllWindows()[0], "the window");
const click = (label: string): void => {
  const item = find(tray.contextMenu, label);
  if (!item) throw new Error(`no tray item ${label}`);
  item.click();
};
const notices = (): Array<[string, string]> => electron.Notification.shown.map((n) => [n.title, n.body]);

describe("examples/electron tray and notifications with the real sidecar", { skip: process.platform === "win32" && "POSIX launcher" }, () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("builds the tray from get_tray_state at start: the menu, and the title as the tooltip", async () => {
    await eventually(() => (tray.menusSet > 0 ? true : undefined), "the first menu");
    const state = await sidecar.client.call("get_tray_state");
    assert.deepEqual(drawn(tray.contextMenu), expectedShape(state.menu));
    assert.deepEqual(drawn(tray.contextMenu), [
      "Timer idle (disabled)",
      "---",
      "No issues found (disabled)",
      "Refresh Issues",
      "---",
      "Show",
      "Quit",
    ]);
    assert.deepEqual([tray.menusSet, trayMessages.length], [1, 0], "drawn once, from the answer: no tray message came");
    assert.deepEqual([tray.toolTip, tray.title], ["YTracker", ""]);
    assert.ok(existsSync(String(tray.image)), "the icon ships with the app");
  });

  it("on macOS the title goes next to the icon instead", async () => {
    const mac = new electron.Tray("icon");
    const stop = showTray(sidecar, mac as never, { showWindow: () => undefined, quit: () => undefined }, { macos: true });
    await eventually(() => (mac.menusSet > 0 ? true : undefined), "the macOS tray's menu");
    stop();
    assert.deepEqual([mac.title, mac.toolTip], ["YTracker", ""]);
  });

  it("Refresh Issues calls tray_refresh, and the tray message that follows redraws the whole menu", async () => {
    click("Refresh Issues");
    const state = await eventually(() => trayMessages.at(-1), "a tray message");
    await eventually(() => (tray.menusSet === 2 ? true : undefined), "the second menu");
    assert.deepEqual(drawn(tray.contextMenu), expectedShape(state.menu));
    const submenu = drawn(tray.contextMenu)[2] as Record<string, MenuShape>;
    assert.deepEqual(Object.keys(submenu), ["Start Timer"]);
    assert.equal(submenu["Start Timer"]![1], "DESK-2: Dark theme for the issue list");
  });

  it("a Start Timer item starts that issue's timer; the tray shows it running; its notice is shown", async () => {
    click("DESK-2: Dark theme for the issue list");
    await eventually(() => (tray.toolTip === "YT: DESK-2 (0m)" ? true : undefined), "the running title");
    const menu = drawn(tray.contextMenu);
    assert.deepEqual(menu.slice(0, 2), ["Running: DESK-2 — Dark theme for the issue list (0m) (disabled)", "Stop Timer"]);
    assert.equal((menu[3] as Record<string, MenuShape>)["Start Timer"]![1], "DESK-2: Dark theme for the issue list (disabled)");
    const timer = (await sidecar.client.call("get_timer_state")) as TimerState;
    assert.deepEqual([timer.active, timer.issue_key], [true, "DESK-2"]);
    await eventually(() => (notices().length > 0 ? true : undefined), "the start notice");
    assert.deepEqual(notices(), [["Timer started: DESK-2", "Dark theme for the issue list"]]);
  });

  it("closing the window only hides it", () => {
    window.focus();
    assert.equal(window.close(), false);
    assert.deepEqual([window.isDestroyed(), window.isVisible(), electron.BrowserWindow.getAllWindows().length], [false, false, 1]);
  });

  it("Stop Timer calls tray_stop_timer, then shows and focuses the window, where timer-stopped arrives", async () => {
    const ytracker = electron.loadPreload(window)["ytracker"] as YTracker;
    const stopped: TimerStopped[] = [];
    await ytracker.listen("timer-stopped", (event) => stopped.push(event.payload as TimerStopped));
    click("Stop Timer");
    await eventually(() => (window.isVisible() && window.focused ? true : undefined), "the window shown");
    assert.deepEqual(stopped.map((s) => s.issue_key), ["DESK-2"]);
    assert.deepEqual(notices()[1], ["Timer stopped: DESK-2", "Tracked 0m"]);
    await eventually(() => (tray.toolTip === "YTracker" ? true : undefined), "the idle title");
    assert.equal(drawn(tray.contextMenu)[0], "Timer idle (disabled)");
  });

  it("Show, and a click on a notification, bring the window back", async () => {
    window.close();
    window.minimize();
    click("Show");
    assert.deepEqual([window.isVisible(), window.focused, window.isMinimized()], [true, true, false]);
    window.close();
    electron.Notification.shown[0]!.click();
    assert.deepEqual([window.isVisible(), window.focused], [true, true]);
  });

  it("Quit stops the sidecar cleanly, then the app quits", async () => {
    click("Quit");
    await eventually(() => (electron.app.quitted ? true : undefined), "the app's quit"); // a window that refused to close would cancel it
    assert.deepEqual(await sidecar.client.exited, { code: 0, signal: null });
    assert.equal(window.isDestroyed(), true);
  });
});
