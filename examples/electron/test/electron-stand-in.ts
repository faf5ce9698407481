/**
 * A small stand-in for the `electron` module, enough to run the example's main process and
 * preload under plain Node (Electron itself cannot be installed on the test machines).
 *
 * Main side: `app` (ready at once; `quit()` goes as Electron's does: a preventable
 * `before-quit`, then each window is closed (a prevented `close` cancels the quit), then a
 * preventable `will-quit`, then `quit`), `BrowserWindow` (records its options and loaded file;
 * `show`/`hide`/`focus`/`minimize`/`restore`; `close()` emits a preventable `close` and destroys
 * the window unless prevented; `webContents.send` reaches that window's renderer listeners),
 * `ipcMain.handle` (one handler per channel, as Electron enforces), `Tray` (its image, title,
 * tooltip and context menu), `Menu.buildFromTemplate` (items whose `click()` does what a user's
 * click does: nothing on a disabled item or a separator) and `Notification` (each one shown is
 * recorded; `click()` emits its `click`).
 * Renderer side, per window: `contextBridge.exposeInMainWorld` and `ipcRenderer`, where values
 * cross the process boundary by structured clone and a handler's exception comes back as
 * Electron words it: "Error invoking remote method '<channel>': <error>".
 */

import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { runInThisContext } from "node:vm";

type Listener = (...args: unknown[]) => void;
type InvokeHandler = (event: unknown, ...args: unknown[]) => unknown;

interface Frame {
  url: string;
  parent: Frame | null;
}

/** Emit a preventable event; true when a listener called `preventDefault()`. */
function preventable(target: EventEmitter, name: string): boolean {
  let prevented = false;
  target.emit(name, { preventDefault: () => (prevented = true) });
  return prevented;
}

class App extends EventEmitter {
  isPackaged = false;
  quitted = false;
  private readonly quitWaiters: Array<() => void> = [];

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  quit(): void {
    if (this.quitted || preventable(this, "before-quit")) return;
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.close()) return; // a window that refused to close cancels the quit
    }
    if (preventable(this, "will-quit")) return;
    this.quitted = true;
    this.emit("quit");
    for (const resolve of this.quitWaiters.splice(0)) resolve();
  }

  /** Test helper: resolves once the app has really quit (nothing held `will-quit`). */
  whenQuit(): Promise<void> {
    return this.quitted ? Promise.resolve() : new Promise((resolve) => this.quitWaiters.push(resolve));
  }
}

class IpcMain {
  readonly handlers = new Map<string, InvokeHandler>();

  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

class WebContents {
  readonly listeners = new Map<string, Set<Listener>>();
  readonly mainFrame: Frame = { url: "file:///index.html", parent: null };

  send(channel: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(channel) ?? []) listener({ sender: this }, ...structuredClone(args));
  }
}

export class BrowserWindow extends EventEmitter {
  static readonly windows: BrowserWindow[] = [];
  readonly webContents = new WebContents();
  loadedFile: string | null = null;
  visible = true;
  focused = false;
  minimized = false;
  private destroyed = false;

  constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
    super();
    BrowserWindow.windows.push(this);
  }

  show(): void {
    this.visible = true;
  }

  hide(): void {
    this.visible = false;
    this.focused = false;
  }

  focus(): void {
    this.focused = true;
  }

  minimize(): void {
    this.minimized = true;
    this.focused = false;
  }

  restore(): void {
    this.minimized = false;
  }

  isVisible(): boolean {
    return this.visible;
  }

  isMinimized(): boolean {
    return this.minimized;
  }

  /** What the window's close button does; false when a `close` listener prevented it. */
  close(): boolean {
    if (preventable(this, "close")) return false;
    this.destroy();
    return true;
  }

  static getAllWindows(): BrowserWindow[] {
    return BrowserWindow.windows.filter((win) => !win.destroyed);
  }

  async loadFile(file: string): Promise<void> {
    this.loadedFile = file;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  destroy(): void {
    this.destroyed = true;
  }
}

export const app = new App();
export const ipcMain = new IpcMain();

interface Template {
  id?: string;
  label?: string;
  type?: string;
  enabled?: boolean;
  submenu?: Template[];
  click?: (...args: unknown[]) => void;
}

export class MenuItem {
  readonly id: string | undefined;
  readonly label: string;
  readonly type: string;
  readonly enabled: boolean;
  readonly submenu: Menu | undefined;
  private readonly handler: Template["click"];

  constructor(options: Template) {
    this.id = options.id;
    this.label = options.label ?? "";
    this.type = options.type ?? (options.submenu ? "submenu" : "normal");
    this.enabled = options.enabled ?? true;
    this.submenu = options.submenu ? Menu.buildFromTemplate(options.submenu) : undefined;
    this.handler = options.click;
  }

  /** A user's click: a disabled item, a separator or a submenu's own line does nothing. */
  click(): void {
    if (this.enabled && this.type === "normal") this.handler?.(this, undefined, {});
  }
}

export class Menu {
  constructor(readonly items: MenuItem[]) {}

  static buildFromTemplate(template: Template[]): Menu {
    return new Menu(template.map((options) => new MenuItem(options)));
  }
}

export class Tray extends EventEmitter {
  static readonly trays: Tray[] = [];
  title = "";
  toolTip = "";
  contextMenu: Menu | null = null;
  menusSet = 0;

  constructor(readonly image: unknown) {
    super();
    Tray.trays.push(this);
  }

  setContextMenu(menu: Menu | null): void {
    this.contextMenu = menu;
    this.menusSet += 1;
  }

  setTitle(title: string): void {
    this.title = title;
  }

  setToolTip(toolTip: string): void {
    this.toolTip = toolTip;
  }
}

export class Notification extends EventEmitter {
  static readonly shown: Notification[] = [];
  readonly title: string;
  readonly body: string;

  constructor(options: { title?: string; body?: string } = {}) {
    super();
    this.title = options.title ?? "";
    this.body = options.body ?? "";
  }

  static isSupported(): boolean {
    return true;
  }

  show(): void {
    Notification.shown.push(this);
  }

  /** The user clicks the notification. */
  click(): void {
    this.emit("click", {});
  }
}

/** What `require("electron")` gives a preload running in `win`, sending from `frame`. */
function rendererModules(win: BrowserWindow, world: Record<string, unknown>, frame: Frame): object {
  const contextBridge = {
    exposeInMainWorld(key: string, api: unknown): void {
      if (key in world) throw new Error(`Cannot bind an API on top of an existing property: ${key}`);
      world[key] = api;
    },
  };
  const ipcRenderer = {
    async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
      const handler = ipcMain.handlers.get(channel);
      if (!handler) throw new Error(`Error invoking remote method '${channel}': No handler registered`);
      const event = { sender: win.webContents, senderFrame: frame };
      try {
        return structuredClone(await handler(event, ...structuredClone(args)));
      } catch (error) {
        throw new Error(`Error invoking remote method '${channel}': ${String(error)}`);
      }
    },
    on(channel: string, listener: Listener): void {
      const set = win.webContents.listeners.get(channel) ?? new Set<Listener>();
      win.webContents.listeners.set(channel, set.add(listener));
    },
    removeListener(channel: string, listener: Listener): void {
      win.webContents.listeners.get(channel)?.delete(listener);
    },
  };
  return { contextBridge, ipcRenderer };
}

/**
 * Run a built CommonJS preload for `win` the way a sandboxed renderer does (a `require` that
 * knows only `electron`) and return its main world: what `exposeInMainWorld` put there.
 * `iframe: true` makes its IPC come from a frame inside the page instead of the top frame.
 */
export function loadPreload(win: BrowserWindow, options: { iframe?: boolean } = {}): Record<string, unknown> {
  const file = String(win.options.webPreferences?.["preload"]);
  const world: Record<string, unknown> = {};
  const frame = options.iframe ? { url: "https://ads.example/", parent: win.webContents.mainFrame } : win.webContents.mainFrame;
  const modules = rendererModules(win, world, frame);
  const require = (name: string): unknown => {
    if (name === "electron") return modules;
    throw new Error(`module not found: ${name} (a sandboxed preload can require only electron)`);
  };
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n})`;
  const run = runInThisContext(wrapped, { filename: file }) as (...args: unknown[]) => void;
  const module = { exports: {} };
  run(module.exports, require, module, file, dirname(file));
  return world;
}
