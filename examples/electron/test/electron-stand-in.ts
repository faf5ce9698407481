/**
 * A small stand-in for the `electron` module, enough to run the example's main process and
 * preload under plain Node (Electron itself cannot be installed on the test machines).
 *
 * Main side: `app` (ready at once; `quit()` emits a preventable `will-quit`, then `quit`),
 * `BrowserWindow` (records its options and loaded file; `webContents.send` reaches that window's
 * renderer listeners), `ipcMain.handle` (one handler per channel, as Electron enforces).
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

class App extends EventEmitter {
  isPackaged = false;
  quitted = false;
  private readonly quitWaiters: Array<() => void> = [];

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  quit(): void {
    if (this.quitted) return;
    let prevented = false;
    this.emit("will-quit", { preventDefault: () => (prevented = true) });
    if (prevented) return;
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

export class BrowserWindow {
  static readonly windows: BrowserWindow[] = [];
  readonly webContents = new WebContents();
  loadedFile: string | null = null;
  private destroyed = false;

  constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
    BrowserWindow.windows.push(this);
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
