/**
 * The Electron main process: finds the sidecar binary, starts it through the bridge, opens the
 * window with the sandboxed preload that exposes `window.ytracker.invoke` / `listen`, and shows
 * the sidecar's tray and notifications (`tray.ts`). Closing the window hides it, as in the old
 * app: the tray's Quit (or the OS's) ends the app.
 *
 * The binary runs from the main process with `child_process` (a `utilityProcess` cannot pipe
 * stdin) and ships outside the asar archive (nothing inside it can be executed). The OAuth app's
 * credentials reach the sidecar through its environment, from here: never from the renderer,
 * whose bundle anyone can read and whose scripts an injected page could run.
 */

import { app, BrowserWindow, Tray } from "electron";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { bridgeSidecar } from "./sidecar-bridge.js";
import { showNotices, showTray } from "./tray.js";

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/src
const root = path.join(here, "..", "..");

/** `YTRACKER_SIDECAR_BIN` (development), else the packaged copy, else `binaries/` here. */
export function sidecarCommand(): string {
  const override = process.env["YTRACKER_SIDECAR_BIN"];
  if (override) return override;
  const exe = process.platform === "win32" ? "ytracker-sidecar.exe" : "ytracker-sidecar";
  return app.isPackaged ? path.join(process.resourcesPath, "bin", exe) : path.join(root, "binaries", exe);
}

export const sidecar = bridgeSidecar({
  command: sidecarCommand(),
  // YTRACKER_CLIENT_ID / YTRACKER_CLIENT_SECRET, if set, go along with the rest of the environment.
  env: process.env,
  onStderr: (text) => process.stderr.write(text), // JSON log lines
  onExit: (info, restarting) => console.error("ytracker-sidecar ended", info, restarting ? "restarting" : "giving up"),
});

let mainWindow: BrowserWindow | null = null;
let quitting = false;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    webPreferences: {
      preload: path.join(here, "preload.cjs"),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  win.on("close", (event) => {
    if (quitting) return;
    event.preventDefault(); // the app lives on in the tray
    win.hide();
  });
  void win.loadFile(path.join(root, "index.html"));
  return win;
}

/** Show and focus the main window (made again if it was destroyed). */
export function showWindow(): void {
  if (mainWindow === null || mainWindow.isDestroyed()) mainWindow = createWindow();
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

/** Held here for the app's life: a Tray that is garbage-collected leaves the menu bar. */
export let tray: Tray | null = null;

const shell = { showWindow, quit: () => app.quit() };

void app.whenReady().then(() => {
  mainWindow = createWindow();
  tray = new Tray(path.join(root, "assets", "tray.png")); // tray@2x.png beside it for HiDPI
  showTray(sidecar, tray, shell);
  showNotices(sidecar, shell);
  app.on("activate", showWindow); // macOS: the Dock icon
});

app.on("before-quit", () => {
  quitting = true; // the windows may close now; will-quit then stops the sidecar
});
