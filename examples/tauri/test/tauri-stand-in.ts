/**
 * A stand-in for the parts of Tauri 2 that `src/tray.ts` and `src/desktop.ts` use, under plain
 * Node: `@tauri-apps/api/tray` (`TrayIcon.getById`), `@tauri-apps/api/menu` (`Menu.new` from
 * item options), `@tauri-apps/api/window` (`getCurrentWindow`), `@tauri-apps/plugin-notification`
 * and `@tauri-apps/plugin-process` (`exit`). `test/hooks.ts` resolves all five to this module.
 *
 * As the app would: the tray icons and windows are the ones tauri.conf.json declares, and every
 * call needs the permission of the command it invokes (`tauri-facts.ts`), granted by the
 * example's capability file directly or through a set such as `core:default`; a refused call
 * rejects with a string. `sendNotification` returns nothing, as the plugin's does, so a refused
 * one is only recorded in `refused`.
 *
 * For the tests: `configure`, the state of each tray, window and notification, `click` (what a
 * user's click on a menu item does: its action with the item's id, nothing when disabled) and
 * `requestClose` (the window's close button).
 */

import { DEFAULT_WINDOW_LABEL, grants, trayIds } from "./tauri-facts.js";

type Json = Record<string, unknown>;

interface Setup {
  capability: Json;
  conf: Json;
  /** The user's answer when asked to allow notifications. */
  notificationAnswer?: "granted" | "denied";
}

let setup: Setup | null = null;
const trays = new Map<string, TrayIcon>();
const windows = new Map<string, StandInWindow>();

/** Every notification shown, and every call refused for want of a permission. */
export const shown: Array<{ title: string; body: string | undefined }> = [];
export const refused: string[] = [];
/** The app's exit code once `exit` was called. */
export const app: { exitCode: number | null; onExit: (() => void) | null; notifications: string } = {
  exitCode: null,
  onExit: null,
  notifications: "default",
};

/** Call before the example is imported: the capability that applies, and the app's config. */
export function configure(next: Setup): void {
  setup = next;
  for (const id of trayIds(next.conf)) trays.set(id, new TrayIcon(id));
  const declared = ((next.conf["app"] as Json | undefined)?.["windows"] as Json[] | undefined) ?? [];
  for (const win of declared) {
    const label = (win["label"] as string | undefined) ?? DEFAULT_WINDOW_LABEL;
    windows.set(label, new StandInWindow(label));
  }
}

/** A tray icon made in Rust that the test adds (as `TrayIconBuilder::with_id` would). */
export function addTray(id: string): TrayIcon {
  const tray = new TrayIcon(id);
  trays.set(id, tray);
  return tray;
}

function demand(identifier: string, command: string): void {
  const permissions = (setup?.capability["permissions"] as unknown[] | undefined) ?? [];
  if (!grants(permissions, identifier)) {
    refused.push(identifier);
    throw `${command} not allowed. Permissions associated with this command: ${identifier}`;
  }
}

// -- @tauri-apps/api/menu ------------------------------------------------------------------------

export interface StandInEntry {
  kind: "item" | "separator" | "submenu";
  id: string | undefined;
  text: string;
  enabled: boolean;
  items: StandInEntry[];
  action: ((id: string) => void) | undefined;
}

function entry(options: Json): StandInEntry {
  if ("rid" in options) throw new Error("tauri stand-in: only item options are modelled, not item objects");
  if ("item" in options) {
    if (options["item"] !== "Separator") throw new Error(`tauri stand-in: predefined item ${String(options["item"])}`);
    return { kind: "separator", id: undefined, text: "", enabled: true, items: [], action: undefined };
  }
  const items = options["items"] as Json[] | undefined;
  return {
    kind: items ? "submenu" : "item",
    id: options["id"] as string | undefined,
    text: String(options["text"]),
    enabled: (options["enabled"] as boolean | undefined) ?? true,
    items: (items ?? []).map(entry),
    action: options["action"] as ((id: string) => void) | undefined,
  };
}

export class Menu {
  closed = false;

  private constructor(readonly items: StandInEntry[]) {}

  static async new(options: { items?: unknown[] } = {}): Promise<Menu> {
    demand("core:menu:allow-new", "menu.new");
    return new Menu(((options.items ?? []) as Json[]).map(entry));
  }

  async close(): Promise<void> {
    demand("core:resources:allow-close", "resources.close");
    this.closed = true;
  }
}

/** A user's click on an item of a tray menu. */
export function click(item: StandInEntry): void {
  if (item.kind === "item" && item.enabled) item.action?.(item.id ?? "");
}

// -- @tauri-apps/api/tray ------------------------------------------------------------------------

export class TrayIcon {
  menu: Menu | null = null;
  title: string | null = null;
  tooltip: string | null = null;
  readonly menus: Menu[] = [];

  constructor(readonly id: string) {}

  static async getById(id: string): Promise<TrayIcon | null> {
    demand("core:tray:allow-get-by-id", "tray.get_by_id");
    return trays.get(id) ?? null;
  }

  async setMenu(menu: Menu | null): Promise<void> {
    demand("core:tray:allow-set-menu", "tray.set_menu");
    this.menu = menu;
    if (menu) this.menus.push(menu);
  }

  async setTitle(title: string | null): Promise<void> {
    demand("core:tray:allow-set-title", "tray.set_title");
    this.title = title;
  }

  async setTooltip(tooltip: string | null): Promise<void> {
    demand("core:tray:allow-set-tooltip", "tray.set_tooltip");
    this.tooltip = tooltip;
  }
}

// -- @tauri-apps/api/window ----------------------------------------------------------------------

type CloseHandler = (event: { preventDefault(): void }) => void | Promise<void>;

export class StandInWindow {
  visible = true;
  focused = false;
  minimized = false;
  destroyed = false;
  private readonly closeHandlers: CloseHandler[] = [];

  constructor(readonly label: string) {}

  async show(): Promise<void> {
    demand("core:window:allow-show", "window.show");
    this.visible = true;
  }

  async hide(): Promise<void> {
    demand("core:window:allow-hide", "window.hide");
    this.visible = false;
    this.focused = false;
  }

  async setFocus(): Promise<void> {
    demand("core:window:allow-set-focus", "window.set_focus");
    this.focused = true;
  }

  async unminimize(): Promise<void> {
    demand("core:window:allow-unminimize", "window.unminimize");
    this.minimized = false;
  }

  async onCloseRequested(handler: CloseHandler): Promise<() => void> {
    demand("core:event:allow-listen", "event.listen");
    this.closeHandlers.push(handler);
    return () => this.closeHandlers.splice(this.closeHandlers.indexOf(handler), 1);
  }

  /** The close button: with a listener the JavaScript side destroys the window unless prevented. */
  async requestClose(): Promise<void> {
    for (const handler of this.closeHandlers) {
      let prevented = false;
      await handler({ preventDefault: () => (prevented = true) });
      if (prevented) continue;
      demand("core:window:allow-destroy", "window.destroy");
      this.destroyed = true;
      this.visible = false;
    }
    if (this.closeHandlers.length === 0) this.destroyed = true;
  }
}

/** The window the webview runs in: the app's `main` window. */
export function getCurrentWindow(): StandInWindow {
  const win = windows.get(DEFAULT_WINDOW_LABEL);
  if (!win) throw new Error("tauri stand-in: configure() declared no main window");
  return win;
}

// -- @tauri-apps/plugin-notification -------------------------------------------------------------

export async function isPermissionGranted(): Promise<boolean> {
  demand("notification:allow-is-permission-granted", "notification.is_permission_granted");
  return app.notifications === "granted";
}

export async function requestPermission(): Promise<string> {
  demand("notification:allow-request-permission", "notification.request_permission");
  app.notifications = setup?.notificationAnswer ?? "granted";
  return app.notifications;
}

export function sendNotification(options: { title: string; body?: string } | string): void {
  const { title, body } = typeof options === "string" ? { title: options, body: undefined } : options;
  try {
    demand("notification:allow-notify", "notification.notify");
  } catch {
    return; // the plugin's invoke rejects where nobody listens
  }
  shown.push({ title, body });
}

// -- @tauri-apps/plugin-process ------------------------------------------------------------------

export async function exit(code = 0): Promise<void> {
  demand("process:allow-exit", "process.exit");
  app.exitCode = code;
  app.onExit?.();
}
