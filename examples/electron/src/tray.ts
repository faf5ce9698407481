/**
 * The system tray and the desktop notifications, drawn from the sidecar's messages: the shell
 * displays them and forwards the clicks; what they say, and when, is the sidecar's business.
 *
 * Owns: the native menu built from a `TrayState` (`get_tray_state` once at start and after each
 * restart, then every `tray` message), what a click on an item does, and `notify` messages shown
 * as OS notifications. Must not know: how the window is shown or how the app quits (`main.ts`
 * passes them in), or any of the tray's texts.
 */

import { Menu, Notification } from "electron";
import type { MenuItemConstructorOptions, Tray } from "electron";
import type { Notice, TrayMenuItem, TrayState } from "@ytracker/sidecar-contract";

import type { SidecarBridge } from "./sidecar-bridge.js";

/** What the shell itself does for the `show` and `quit` actions (and after Stop Timer). */
export interface ShellActions {
  showWindow(): void;
  quit(): void;
}

export interface TrayOptions {
  /** macOS shows `title` next to the icon; elsewhere it becomes the tooltip. */
  macos?: boolean;
  /** A call that failed (logged by default). */
  onError?: (what: string, error: unknown) => void;
}

/** Keep `tray` showing the sidecar's tray, across restarts; returns the unsubscribe function. */
export function showTray(bridge: SidecarBridge, tray: Tray, shell: ShellActions, options: TrayOptions = {}): () => void {
  const macos = options.macos ?? process.platform === "darwin";
  const fail = options.onError ?? ((what, error) => console.error(`ytracker tray: ${what} failed`, error));
  let seen = 0; // tray messages received: a `get_tray_state` answer older than one is dropped
  let asked: unknown = null;
  const render = (state: TrayState): void => {
    tray.setContextMenu(Menu.buildFromTemplate(state.menu.map((entry) => template(entry, click))));
    if (macos) tray.setTitle(state.title);
    else tray.setToolTip(state.title);
  };
  const fetchState = (): void => {
    const before = seen;
    asked = bridge.client;
    bridge.client.call("get_tray_state").then(
      (state) => seen === before && render(state),
      (error: unknown) => fail("get_tray_state", error),
    );
  };
  const click = (entry: TrayMenuItem): void => void act(bridge, entry, shell).catch((error: unknown) => fail(String(entry.action), error));
  const unsubscribe = bridge.onNotification((method, params) => {
    if (method === "tray") {
      seen += 1;
      render(params as TrayState);
    } else if (method === "ready" && bridge.client !== asked) fetchState(); // a restarted sidecar
  });
  fetchState();
  return unsubscribe;
}

/** Show every `notify` message as an OS notification; a click brings the window up. */
export function showNotices(bridge: SidecarBridge, shell: ShellActions): () => void {
  const live = new Set<Notification>(); // referenced until closed, so that a click still arrives
  return bridge.onNotification((method, params) => {
    if (method !== "notify" || !Notification.isSupported()) return;
    const { title, body } = params as Notice;
    const notification = new Notification({ title, body });
    live.add(notification);
    notification.on("click", () => shell.showWindow());
    notification.on("close", () => live.delete(notification));
    notification.show();
  });
}

function template(entry: TrayMenuItem, click: (entry: TrayMenuItem) => void): MenuItemConstructorOptions {
  if (entry.kind === "separator") return { type: "separator" };
  const label = entry.label ?? "";
  if (entry.kind === "submenu") {
    return { id: entry.id, label, enabled: entry.enabled, submenu: entry.items.map((item) => template(item, click)) };
  }
  return { id: entry.id, label, enabled: entry.enabled, click: () => click(entry) };
}

async function act(bridge: SidecarBridge, entry: TrayMenuItem, shell: ShellActions): Promise<void> {
  switch (entry.action) {
    case "tray_start_timer":
      if (entry.issueKey !== null) await bridge.client.call("tray_start_timer", { issueKey: entry.issueKey });
      return;
    case "tray_stop_timer":
      try {
        await bridge.client.call("tray_stop_timer");
      } finally {
        shell.showWindow(); // where the Log Work dialog that `timer-stopped` opens is seen
      }
      return;
    case "tray_refresh":
      await bridge.client.call("tray_refresh");
      return;
    case "show":
      shell.showWindow();
      return;
    case "quit":
      shell.quit(); // will-quit: the bridge sends shutdown and exit first
      return;
    case null:
      return;
  }
}
