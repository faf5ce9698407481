/**
 * The system tray, drawn from the sidecar's messages with Tauri's JavaScript tray and menu API:
 * the shell displays the sidecar's tray and forwards the clicks; what it lists, and when, is the
 * sidecar's business.
 *
 * Why here and not in Rust (`tauri::tray::TrayIconBuilder`): the sidecar's messages arrive in
 * this webview, which spawned it. A Rust tray would need an app command to carry each `tray`
 * message back into Rust and an event to carry each click out again, both with their own
 * permissions, and a Rust copy of `TrayState`: a second backend, which is what the sidecar
 * removes. From here, one `Menu.new` per message and one call per click.
 *
 * Owns: the menu built from a `TrayState` (`get_tray_state` once at start, then every `tray`
 * message), the title or tooltip, and what a click does. Must not know: how the window is shown
 * or the app quits (`desktop.ts` passes them in), or any of the tray's texts.
 */

import { Menu } from "@tauri-apps/api/menu";
import type { MenuItemOptions, PredefinedMenuItemOptions, SubmenuOptions } from "@tauri-apps/api/menu";
import { TrayIcon } from "@tauri-apps/api/tray";
import type { SidecarClient, TrayMenuItem, TrayState } from "@ytracker/sidecar-contract";

/** `app.trayIcon.id` in tauri.conf.json: the icon exists from start-up, before this code runs. */
export const TRAY_ID = "main";

/** What the shell itself does for the `show` and `quit` actions (and after Stop Timer). */
export interface ShellActions {
  showWindow(): Promise<void>;
  quit(): Promise<void>;
}

export interface TrayOptions {
  trayId?: string;
  /** macOS shows `title` next to the icon; elsewhere it becomes the tooltip. */
  macos?: boolean;
  /** A call or a redraw that failed (logged by default). */
  onError?: (what: string, error: unknown) => void;
}

type Entry = MenuItemOptions | SubmenuOptions | PredefinedMenuItemOptions;

/** Keep the tray showing the sidecar's tray; resolves once the first state was asked for. */
export async function showTray(client: SidecarClient, shell: ShellActions, options: TrayOptions = {}): Promise<() => void> {
  const id = options.trayId ?? TRAY_ID;
  const tray = await TrayIcon.getById(id);
  if (tray === null) throw new Error(`no tray icon "${id}": declare app.trayIcon in tauri.conf.json`);
  const fail = options.onError ?? ((what, error) => console.error(`ytracker tray: ${what} failed`, error));
  const click = (entry: TrayMenuItem): void => void act(client, entry, shell).catch((error: unknown) => fail(String(entry.action), error));
  const view = new TrayView(tray, click, options.macos ?? isMac(), fail);
  let seen = 0; // tray messages received: a `get_tray_state` answer older than one is dropped
  const unsubscribe = client.on("tray", (state) => {
    seen += 1;
    view.show(state);
  });
  client.call("get_tray_state").then(
    (state) => seen === 0 && view.show(state),
    (error: unknown) => fail("get_tray_state", error),
  );
  return unsubscribe;
}

/** Draws one state at a time; states that arrive meanwhile are coalesced into the newest. */
class TrayView {
  private menu: Menu | null = null;
  private next: TrayState | null = null;
  private drawing: Promise<void> = Promise.resolve();

  constructor(
    private readonly tray: TrayIcon,
    private readonly click: (entry: TrayMenuItem) => void,
    private readonly macos: boolean,
    private readonly fail: (what: string, error: unknown) => void,
  ) {}

  show(state: TrayState): void {
    this.next = state;
    this.drawing = this.drawing.then(() => this.draw()).catch((error: unknown) => this.fail("drawing the tray", error));
  }

  private async draw(): Promise<void> {
    const state = this.next;
    if (state === null) return;
    this.next = null;
    const menu = await Menu.new({ items: state.menu.map((entry) => this.entry(entry)) });
    await this.tray.setMenu(menu);
    await (this.macos ? this.tray.setTitle(state.title) : this.tray.setTooltip(state.title));
    const old = this.menu;
    this.menu = menu;
    await old?.close(); // the tray holds the new one; the old one's Rust side can go
  }

  private entry(entry: TrayMenuItem): Entry {
    if (entry.kind === "separator") return { item: "Separator" };
    const text = entry.label ?? "";
    if (entry.kind === "submenu") return { id: entry.id, text, enabled: entry.enabled, items: entry.items.map((item) => this.entry(item)) };
    return { id: entry.id, text, enabled: entry.enabled, action: () => this.click(entry) };
  }
}

async function act(client: SidecarClient, entry: TrayMenuItem, shell: ShellActions): Promise<void> {
  switch (entry.action) {
    case "tray_start_timer":
      if (entry.issueKey !== null) await client.call("tray_start_timer", { issueKey: entry.issueKey });
      return;
    case "tray_stop_timer":
      try {
        await client.call("tray_stop_timer");
      } finally {
        await shell.showWindow(); // where the Log Work dialog that `timer-stopped` opens is seen
      }
      return;
    case "tray_refresh":
      await client.call("tray_refresh");
      return;
    case "show":
      await shell.showWindow();
      return;
    case "quit":
      await shell.quit();
      return;
    case null:
      return;
  }
}

function isMac(): boolean {
  return /Mac/.test(globalThis.navigator?.userAgent ?? "");
}
